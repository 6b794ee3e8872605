"""`palermo coord …`: the CLI face of palermo.coordination."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from palermo.cli.common import cli_principal, console, database, handle_errors, print_json, progress_bar, settings
from palermo.errors import ValidationError

app = typer.Typer(help="Who does what where: initiatives, overlaps, gaps, liaison officers.", no_args_is_help=True)

ON = typer.Option(None, "--on", help="The map on this date (YYYY-MM-DD): initiatives under way then; default: today.")
CONTEXT = typer.Option(None, "--context-dir", help="Folder with TIP/3P, Global Slavery Index and IOM Missing "
                       "Migrants files (the layout of shared/data/external) to show beside the gaps.")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _on(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"--on {value!r} is not a date; use YYYY-MM-DD") from None


@app.command("import")
@handle_errors
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="HXL 3W CSV or IATI activity XML."),
            fmt: str = typer.Option(..., "--format", help="hxl or iati.")) -> None:
    """Import initiatives from an HXL-tagged 3W CSV or IATI activity XML (all rows or none)."""
    from palermo.coordination.hxl import read_hxl_file
    from palermo.coordination.iati import read_iati
    from palermo.coordination.initiatives import save_initiatives

    if fmt not in ("hxl", "iati"):
        raise ValidationError(f"--format {fmt!r} unknown; use hxl or iati")
    with progress_bar() as bar:
        task = bar.add_task(f"reading {file.name}", total=None)
        specs = read_hxl_file(file) if fmt == "hxl" else read_iati(file.read_bytes(), str(file))
        bar.update(task, description=f"saving {len(specs)} initiatives", total=len(specs), completed=0)
        with database().session() as s:
            saved = save_initiatives(s, cli_principal(), specs, origin=str(file))
            bar.update(task, completed=len(specs))
    console.print(f"Imported {len(saved)} initiatives from {file}")


@app.command("export")
@handle_errors
def export(fmt: str = typer.Option(..., "--format", help="hxl or iati."),
           output: Path = typer.Option(..., "-o", "--output", help="File to write.")) -> None:
    """Export every initiative as HXL 3W CSV or IATI activity XML."""
    from palermo.coordination.hxl import write_hxl
    from palermo.coordination.iati import write_iati
    from palermo.coordination.initiatives import list_initiatives

    if fmt not in ("hxl", "iati"):
        raise ValidationError(f"--format {fmt!r} unknown; use hxl or iati")
    with database().session(write=False) as s:
        items = list_initiatives(s)
        n = write_hxl(items, output) if fmt == "hxl" else write_iati(items, output)
    console.print(f"Wrote {n} initiatives to {output}")
    if n < len(items):
        console.print(f"[yellow]{len(items) - n} initiative(s) left out: IATI needs at least one date and one "
                      "participating organisation per activity[/]")


@app.command("matrix")
@handle_errors
def matrix(on: str = ON, as_json: bool = JSON) -> None:
    """The who-does-what-where matrix: country x theme (4 Ps) x implementing organisations."""
    from palermo.coordination.overview import overview

    with database().session(write=False) as s:
        rows = overview(s, cli_principal(), on=_on(on)).matrix()
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['country']}  {r['theme']:<12} {', '.join(r['actors'])}")


@app.command("overlaps")
@handle_errors
def overlaps(on: str = ON, as_json: bool = JSON) -> None:
    """Initiatives of different actors on the same country, theme and target group at the same time, and
    funders paying several actors for the same cell; ranked, each with its reason and score."""
    from palermo.coordination.overview import overview

    with database().session(write=False) as s:
        found = overview(s, cli_principal(), on=_on(on)).overlaps()
    if as_json:
        print_json([o.to_dict() for o in found])
        return
    for o in found:
        console.print(f"[bold]{o.score:.2f}[/] {o.kind}: {o.reason}  ({', '.join(o.initiatives)})")


@app.command("gaps")
@handle_errors
def gaps(on: str = ON, context_dir: Path = CONTEXT, as_json: bool = JSON) -> None:
    """Country x theme cells where statistics or context show need and no active initiative covers it."""
    from palermo.coordination.overview import overview

    with database().session(write=False) as s:
        found = overview(s, cli_principal(), on=_on(on), context_dir=context_dir).gaps()
    if as_json:
        print_json([g.to_dict() for g in found])
        return
    for g in found:
        console.print(f"{g.country} {g.theme}: {'; '.join(g.needs)}")


@app.command("suggest")
@handle_errors
def suggest(on: str = ON, as_json: bool = JSON) -> None:
    """Which actors should sit in each other's boards or meetings, from their overlaps."""
    from palermo.coordination.overview import overview

    with database().session(write=False) as s:
        rows = overview(s, cli_principal(), on=_on(on)).suggestions()
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{' + '.join(r['actors'])}: {r['why']}")


@app.command("actors")
@handle_errors
def actors(as_json: bool = JSON) -> None:
    """List actors with their aliases (the same body under several names is one actor)."""
    from palermo.coordination.actors import list_actors

    with database().session(write=False) as s:
        rows: list[dict[str, Any]] = [{"name": a.name, "acronym": a.acronym, "aliases": a.aliases, "identifiers": a.identifiers,
                 "updated_at": a.updated_at, "updated_by": a.updated_by} for a in list_actors(s)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['name']}" + (f"  (also: {'; '.join(r['aliases'])})" if r["aliases"] else ""))


@app.command("merge")
@handle_errors
def merge(keep: str = typer.Argument(..., help="Actor to keep."), drop: str = typer.Argument(..., help="Actor merged into it.")) -> None:
    """Merge two actors that are the same body (names become aliases; references move)."""
    from palermo.coordination.actors import merge_actors

    with database().session() as s:
        actor = merge_actors(s, cli_principal(), keep, drop)
        console.print(f"Merged into {actor.name}; aliases: {', '.join(actor.aliases)}")


@app.command("themes")
def themes() -> None:
    """List the themes (the 4 Ps and their sub-themes) and target groups initiatives are tagged with."""
    from palermo.coordination.codelists import TARGET_GROUPS, THEMES

    for p, subs in THEMES.items():
        console.print(f"[bold]{p}[/]")
        for key, label in subs.items():
            console.print(f"  {key:<26} {label}")
    console.print("[bold]target groups[/]: " + ", ".join(TARGET_GROUPS))


@app.command("liaison")
@handle_errors
def liaison(as_json: bool = JSON) -> None:
    """Liaison officers by host country (the local networks) and duplicate reporting on the same event."""
    from palermo.coordination.liaison import duplicate_reports, local_networks, visible_reports

    with database().session(write=False) as s:
        nets = {cc: [{"officer": p.officer_ref, "sending_state": p.sending_state, "agency": p.sending_actor.name,
                      "focus": p.focus} for p in ps] for cc, ps in local_networks(s).items()}
        dups = duplicate_reports(visible_reports(s, cli_principal()))
    if as_json:
        print_json({"networks": nets, "duplicate_reports": dups})
        return
    for cc, officers in nets.items():
        console.print(f"[bold]{cc}[/]: " + "; ".join(f"{o['officer']} ({o['agency']})" for o in officers))
    for d in dups:
        console.print(f"possible duplicate reporting in {d['host_country']}: {d['titles'][0]!r} / {d['titles'][1]!r}")


@app.command("commitments")
@handle_errors
def commitments_cmd(as_json: bool = JSON) -> None:
    """Action-plan commitments with their deadline, recorded status and the status their evidence shows
    (linked initiatives and indicators); overdue ones flagged, overdue ones with no initiative as gaps."""
    from palermo.coordination.instruments import commitments

    with database().session(write=False) as s:
        rows = commitments(s, cli_principal())
    if as_json:
        print_json(rows)
        return
    for r in rows:
        flag = ("[red]GAP[/] " if r["gap"] else "") + ("[red]OVERDUE[/] " if r["overdue"] else "")
        console.print(f"{flag}{r['deadline']} {r['responsible']}: {r['text']} (recorded {r['status']}, evidence: "
                      f"{r['evidence_status']}{'; ' + '; '.join(r['evidence_items']) if r['evidence_items'] else ''})")


@app.command("instruments")
@handle_errors
def instruments_cmd(as_json: bool = JSON) -> None:
    """The Palermo Protocols and other instruments with each state's signature and ratification."""
    from palermo.coordination.instruments import instrument_table

    with database().session(write=False) as s:
        rows = instrument_table(s)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"[bold]{r['name']}[/]")
        for p in r["parties"]:
            console.print(f"  {p['country']} {p['kind'] or ''} {p['consent'] or ''}")


feeds_app = typer.Typer(help="HXL CSV and IATI XML files registered by URL and refreshed on a schedule.",
                        no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


@feeds_app.command("add")
@handle_errors
def feeds_add(url: str = typer.Argument(..., help="Address of the HXL CSV or IATI XML file (e.g. an HDX resource)."),
              fmt: str = typer.Option(..., "--format", help="hxl or iati."),
              every: int = typer.Option(7, "--every", help="Refresh interval in days.")) -> None:
    """Register a file published at a URL; `palermo coord feeds refresh` then keeps it current."""
    from palermo.coordination.feeds import register_feed

    with database().session() as s:
        register_feed(s, cli_principal(), url, fmt, every, allow_private=settings().coord_feeds_allow_private)
    console.print(f"Registered {url} ({fmt}, every {every} days)")


@feeds_app.command("refresh")
@handle_errors
def feeds_refresh(everything: bool = typer.Option(False, "--all", help="Refresh every feed, not only those due.")) -> None:
    """Download the feeds that are due (run it daily from a timer); a failing one keeps its previous version."""
    from palermo.coordination.feeds import refresh_due

    with database().session() as s:
        done = refresh_due(s, cli_principal(), everything=everything, allow_private=settings().coord_feeds_allow_private)
    failed = 0
    for r in done:
        if r.ok:
            console.print(f"{r.url}: {f'{r.initiatives} initiatives' if r.changed else 'unchanged'}")
        else:
            failed += 1
            console.print(f"[red]{r.url}: not refreshed, previous version kept[/]")
            for p in r.problems[:20]:
                console.print(f"  {p}")
    if not done:
        console.print("No feed is due.")
    if failed:
        raise typer.Exit(1)


@feeds_app.command("list")
@handle_errors
def feeds_list(as_json: bool = JSON) -> None:
    """Registered feeds with their last good load, next due date and last problem (the freshness view)."""
    from dataclasses import asdict

    from palermo.coordination.feeds import feed_status

    with database().session(write=False) as s:
        rows = feed_status(s)
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    for r in rows:
        flag = "[red]OVERDUE[/] " if r.overdue else ""
        console.print(f"{flag}{r.url} ({r.fmt}): {r.initiatives} initiatives, last loaded {r.last_update or 'never'}, "
                      f"due {r.due}" + (f"; last problem: {r.last_error}" if r.last_error else ""))

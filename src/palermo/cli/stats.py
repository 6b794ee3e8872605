"""`palermo stats …`: the CLI face of palermo.statistics."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from palermo.cli.common import cli_principal, console, database, handle_errors, print_json, progress_bar, settings
from palermo.errors import ValidationError

app = typer.Typer(help="Harmonised statistics: import, compare, explain, publish.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("import")
@handle_errors
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The file to import."),
            fmt: str = typer.Option(..., "--format", help="csv, xlsx, eurostat, unodc, ctdc or sdmx."),
            mapping: Path = typer.Option(None, "--mapping", exists=True, dir_okay=False, help="YAML mapping (csv/xlsx)."),
            source: str = typer.Option(None, "--source", help="Source key (default per format)."),
            vintage: str = typer.Option(None, "--vintage", help="Vintage of the release (default: a date in the file name)."),
            public: bool = typer.Option(None, "--public/--internal",
                                        help="Publish the source (visitors without an account see it, small cells "
                                             "suppressed) or keep it internal. Default: unchanged; a new source is internal, "
                                             "a new vintage keeps the flag of the earlier ones."),
            as_json: bool = JSON) -> None:
    """Import a file: all rows or none; every rejected row reported with its line and reason."""
    from palermo.statistics import importers as im

    with progress_bar() as bar:
        task = bar.add_task(f"importing {file.name}", total=None)
        advance = lambda n: bar.advance(task, n)  # noqa: E731
        with database().session() as s:
            who = cli_principal()
            report = im.import_file(s, who, file, fmt, mapping=im.load_mapping(mapping) if mapping else None,
                                    source=source, vintage=vintage, progress=advance, public=public,
                                    mappings_dir=settings().mappings_dir)
    if as_json:
        print_json(asdict(report))
    else:
        console.print(report.summary())


@app.command("export")
@handle_errors
def export(fmt: str = typer.Option(..., "--format", help="csv, json, json-stat (JSON-stat 2.0 for charts), sdmx-csv, sdmx-ml, "
                                                        "or sdmx-structure (the code lists, concept scheme, DSD and "
                                                        "dataflow the SDMX files are read against)."),
           output: Path = typer.Option(..., "-o", "--output", help="File to write."),
           public: bool = typer.Option(False, "--public", help="Public release: public sources only, small cells suppressed."),
           country: str = typer.Option(None, "--country", help="Only this country (ISO3)."),
           indicator: str = typer.Option(None, "--indicator", help="Only this indicator.")) -> None:
    """Export observations with their flags (public: disclosure-controlled), or the SDMX structures."""
    from palermo.statistics.exports import EXPORT_FORMATS, rows_for_export
    from palermo.statistics.exports import export as write
    from palermo.statistics.sdmx_api import structures_for

    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"export format {fmt!r} unknown; use one of {', '.join(EXPORT_FORMATS)}")
    cfg = settings()
    with database().session(write=False) as s:
        if fmt == "sdmx-structure":
            n = write([], fmt, output, structures=structures_for(s, cli_principal(), public=public))
            console.print(f"SDMX structures ({n} artefacts: code lists, concept scheme, DSD, dataflow) written to {output}")
            return
        rows = rows_for_export(s, cli_principal(), public=public, threshold=cfg.small_count_threshold, country=country,
                               indicator=indicator)
    n = write(rows, fmt, output)
    console.print(f"{n:,} observations written to {output}" + (" (public: small cells suppressed)" if public else ""))


@app.command("explain")
@handle_errors
def explain(country: str = typer.Option(..., "--country", help="ISO3 country code."),
            year: str = typer.Option(..., "--year", help="Year."),
            indicator: str = typer.Option("victims", "--indicator", help="Indicator (victims, convicted …)."),
            as_json: bool = JSON) -> None:
    """Why sources disagree: per pair, different concepts, different data, or both, with the evidence."""
    from palermo.statistics.divergence import explain as run

    with database().session(write=False) as s:
        pairs = run(s, cli_principal(), country=country.upper(), year=year, indicator=indicator)
    if as_json:
        print_json([p.to_dict() for p in pairs])
        return
    if not pairs:
        console.print(f"Fewer than two sources report {indicator} for {country} in {year}.")
    for p in pairs:
        console.print(f"[bold]{p.source_a}[/] vs [bold]{p.source_b}[/]: [bold]{p.verdict}[/]")
        for d in p.concept_differences:
            console.print(f"  concept: {d['aspect']} ({d['detail']})")
        console.print(f"  data: {p.data_difference}")
        for e in p.evidence:
            console.print(f"  evidence: {e}")


@app.command("stale")
@handle_errors
def stale(as_json: bool = JSON) -> None:
    """Sources overdue for an update, and who owns them."""
    from palermo.statistics.freshness import stale as find

    with database().session(write=False) as s:
        rows = find(s, cli_principal())
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    if not rows:
        console.print("No source is overdue.")
    for r in rows:
        console.print(f"{r.key} ({r.owner}): last updated {r.last_update}, due {r.due}, {r.days_overdue} days overdue")


@app.command("sources")
@handle_errors
def sources(publish: str = typer.Option(None, "--publish", metavar="KEY", help="Mark this source public (every vintage)."),
            unpublish: str = typer.Option(None, "--unpublish", metavar="KEY", help="Make this source internal again."),
            as_json: bool = JSON) -> None:
    """The source registry: type, stage, owner, vintage, freshness and whether it is public; --publish and
    --unpublish change the last."""
    from palermo.statistics.freshness import source_status
    from palermo.statistics.publication import set_public

    if publish or unpublish:
        if publish and unpublish:
            raise ValidationError("give --publish or --unpublish, not both")
        with database().session() as s:
            changed = set_public(s, cli_principal(), publish or unpublish, bool(publish))
        state = "public" if publish else "internal"
        console.print(f"{publish or unpublish}: {state}" + (f" (vintages changed: {', '.join(changed)})" if changed
                                                            else " (already)"))
    with database().session(write=False) as s:
        rows = source_status(s, cli_principal())
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    for r in rows:
        flag = " [red]overdue[/]" if r.overdue else ""
        public = "public" if r.public else "internal"
        console.print(f"{r.key}@{r.vintage} {r.source_type}/{r.stage} owner {r.owner}, {public}, updated {r.last_update}{flag}")


# `palermo stats estimate` (estimation) registers its command on this app, so it is imported last.
from palermo.cli.estimate import register  # noqa: E402

register(app)

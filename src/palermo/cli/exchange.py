"""`palermo exchange …`: the CLI face of palermo.exchange."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from palermo.auth.accounts import get_organisation
from palermo.cli.common import cli_principal, console, database, handle_errors, print_json
from palermo.errors import ValidationError

app = typer.Typer(help="Agreements, lawful routes and follow-up requests.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON.")


@app.command("agreements")
@handle_errors
def agreements(as_json: bool = JSON) -> None:
    """List agreements with their parties, categories, purposes, validity and status."""
    from palermo.exchange.agreements import list_agreements, party_names

    with database().session(write=False) as s:
        rows: list[dict[str, Any]] = [{"reference": a.reference, "title": a.title, "type": a.agreement_type, "status": a.status,
                 "parties": party_names(s, a), "categories": a.categories, "purposes": a.purposes,
                 "valid_from": a.valid_from, "valid_to": a.valid_to, "handling_codes": a.handling_codes,
                 "retention_days": a.retention_days} for a in list_agreements(s)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"[bold]{r['reference']}[/] ({r['status']}) {' + '.join(r['parties'])}: {', '.join(r['categories'])}")


@app.command("check")
@handle_errors
def check(from_org: str = typer.Option(..., "--from", help="Requesting organisation."),
          to_org: str = typer.Option(..., "--to", help="Organisation holding the data."),
          category: str = typer.Option(..., "--category", help="Data category, e.g. hit_no_hit, personal_data_suspects."),
          purpose: str = typer.Option(..., "--purpose", help="Purpose, e.g. investigation."),
          on: str = typer.Option(None, "--on", help="Date to decide for (YYYY-MM-DD; default today)."),
          as_json: bool = JSON) -> None:
    """May FROM obtain CATEGORY from TO for PURPOSE? Exit 0 if allowed (with the agreement and clause), 1 if refused."""
    from palermo.exchange.policy import decide

    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise ValidationError(f"--on {on!r} is not a date; use YYYY-MM-DD") from None
    with database().session(write=False) as s:
        d = decide(s, requester_org_id=get_organisation(s, from_org).id, owner_org_id=get_organisation(s, to_org).id,
                   category=category, purpose=purpose, on=day)
    if as_json:
        print_json(d.to_dict())
    elif d.allowed and d.agreement_ref is None:
        console.print(f"[green]allowed[/]: {d.clause} (no agreement needed)")
    elif d.allowed:
        console.print(f"[green]allowed[/] under {d.agreement_ref}, {d.clause}; handling codes {', '.join(d.handling_codes) or 'none'}")
    else:
        console.print("[red]refused[/]:")
        for r in d.reasons:
            console.print(f"  - {r}")
    if not d.allowed:
        raise typer.Exit(1)


@app.command("routes")
@handle_errors
def routes(from_org: str = typer.Option(..., "--from", help="Requesting organisation."),
           to_org: str = typer.Option(..., "--to", help="Organisation holding the data."),
           category: str = typer.Option(..., "--category", help="Data category."),
           purpose: str = typer.Option(..., "--purpose", help="Purpose."),
           as_json: bool = JSON) -> None:
    """Chains of agreements through intermediaries that would allow the request, shortest and least restricted first."""
    from palermo.exchange.lawful_routes import find_routes

    with database().session(write=False) as s:
        found = find_routes(s, get_organisation(s, from_org).short_name, get_organisation(s, to_org).short_name,
                            category, purpose)
    if as_json:
        print_json([r.to_dict() for r in found])
        return
    for n, r in enumerate(found, 1):
        console.print(f"{n}. {r.explain()}  ({len(r.hops)} hop(s), {r.restrictions} handling restriction(s))")
        for h in r.hops:
            console.print(f"     {h.from_org} → {h.to_org}: {h.agreement}, {h.clause}; codes {', '.join(h.handling_codes) or 'none'}")


@app.command("requests")
@handle_errors
def requests_cmd(org: str = typer.Option(..., "--org", help="Organisation whose inbox and outbox to show."),
                 as_json: bool = JSON) -> None:
    """Requests sent and received by an organisation, with answer times and refusal reasons."""
    from palermo.auth.roles import Principal
    from palermo.exchange.requests import dashboard, is_overdue, org_name, requests_for

    with database().session(write=False) as s:
        o = get_organisation(s, org)
        who = Principal(None, cli_principal().username, o.id, frozenset({"analyst"}))
        box, stats = requests_for(s, who), dashboard(s, who)
        rows = {side: [{"reference": r.reference, "from": org_name(s, r.requester_org_id), "to": org_name(s, r.owner_org_id),
                        "category": r.category, "purpose": r.purpose, "status": r.status, "deadline": r.deadline,
                        "overdue": is_overdue(r), "reason": r.decision_reason, "hit": r.match_reference} for r in rs]
                for side, rs in (("sent", box.sent), ("received", box.received))}
    if as_json:
        print_json({**rows, "dashboard": stats})
        return
    for side in ("sent", "received"):
        st = stats[side]
        console.print(f"[bold]{side}[/]: {st['total']} ({st['pending']} pending, {st['overdue']} overdue); "
                      f"median answer {st['median_days']} days, 90th percentile {st['p90_days']} days")
        for r in rows[side]:
            console.print(f"  {r['reference']} {r['from']} → {r['to']} {r['category']} {r['status']}"
                          + (f" (hit {r['hit']})" if r["hit"] else "") + (" [red]OVERDUE[/]" if r["overdue"] else ""))


@app.command("remind")
@handle_errors
def remind(as_json: bool = JSON) -> None:
    """Remind data owners of pending requests due within 5 days or overdue (run daily, e.g. from cron)."""
    from palermo.exchange.requests import is_overdue, org_name, send_reminders

    with database().session() as s:
        due = send_reminders(s, cli_principal())
        rows = [{"reference": r.reference, "owner": org_name(s, r.owner_org_id), "deadline": r.deadline,
                 "overdue": is_overdue(r)} for r in due]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['reference']} → {r['owner']}: due {r['deadline']}" + (" [red]OVERDUE[/]" if r["overdue"] else ""))
    console.print(f"{len(rows)} reminder(s) sent")


@app.command("import")
@handle_errors
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Agreements as YAML or CSV.")) -> None:
    """Import agreements kept as YAML or CSV (all or none; conflicts and bad rows reported)."""
    from palermo.exchange.agreements import read_agreements_file, save_agreements

    specs = read_agreements_file(file)
    with database().session() as s:
        saved = save_agreements(s, cli_principal(), specs, origin=str(file))
    console.print(f"Imported {len(saved)} agreement(s) from {file}")

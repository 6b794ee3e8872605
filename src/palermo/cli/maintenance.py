"""`palermo maintenance …`: jobs run at the hub itself (retention purge, key epochs)."""

from __future__ import annotations

from datetime import date

import typer

from palermo.cli.common import cli_principal, console, database, handle_errors, print_json
from palermo.errors import ValidationError

app = typer.Typer(help="Hub maintenance: the retention purge and key rotation.", no_args_is_help=True)


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"--on {value!r} is not a date; write it as YYYY-MM-DD") from None


@app.command("purge")
@handle_errors
def purge_cmd(on: str = typer.Option(None, "--on", help="Purge what is due as of this date, YYYY-MM-DD (default today, UTC)."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Delete what is due: expired uploads' encodings, retired key epochs, released records past their delete-by date."""
    from palermo.linkage.retention import purge

    with database().session() as s:
        result = purge(s, cli_principal(), _date(on))
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"Purge as of {result.on}:")
    for kind, n in result.counts.items():
        console.print(f"  {kind.replace('_', ' '):<26} {n:>10,}")


@app.command("rotate-key")
@handle_errors
def rotate_key(kind: str = typer.Option(..., "--kind", help="suspects or victims: the lists whose shared secret changes."),
               window_days: int = typer.Option(30, "--window-days",
                                               help="Days both epochs are accepted (for every agency to re-encode).")) -> None:
    """Open the next key epoch after the agencies agree a new shared secret; the old one ends after the window."""
    from palermo.linkage.epochs import rotate

    with database().session() as s:
        new = rotate(s, cli_principal(), kind, window_days)
        console.print(f"Key epoch {new.epoch} of {kind} lists is open; epoch {new.epoch - 1} is accepted for "
                      f"{window_days} more days. Agencies encode with the new secret and --key-epoch {new.epoch}.")


@app.command("epochs")
@handle_errors
def epochs_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The key epochs per kind of list: current, in transition (accepted until a date) or retired."""
    from palermo.linkage.epochs import epochs

    with database().session(write=False) as s:
        rows = epochs(s)
    if as_json:
        print_json([r.to_dict() for r in rows])
        return
    if not rows:
        console.print("No uploads yet: every kind of list is at key epoch 1.")
    for r in rows:
        until = f" until {r.accepted_until}" if r.accepted_until else ""
        console.print(f"{r.list_kind:<10} epoch {r.epoch:<3} {r.state}{until}, {r.live_uploads} live upload(s)")

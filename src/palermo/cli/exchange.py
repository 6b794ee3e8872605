"""`palermo exchange …`: the CLI face of palermo.exchange."""

from __future__ import annotations

import typer

app = typer.Typer(help="Agreements, lawful routes and follow-up requests.", no_args_is_help=True)

"""`palermo identify …`: the CLI face of palermo.identification."""

from __future__ import annotations

import typer

app = typer.Typer(help="Victim identification: indicator catalogue and screening.", no_args_is_help=True)

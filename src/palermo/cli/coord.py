"""`palermo coord …`: the CLI face of palermo.coordination."""

from __future__ import annotations

import typer

app = typer.Typer(help="Who does what where: initiatives, overlaps, gaps, liaison officers.", no_args_is_help=True)

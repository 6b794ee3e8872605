"""`palermo link …`: the CLI face of palermo.linkage."""

from __future__ import annotations

import typer

app = typer.Typer(help="Hit/no-hit linkage of person records without sharing personal data.", no_args_is_help=True)

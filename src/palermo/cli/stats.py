"""`palermo stats …`: the CLI face of palermo.statistics."""

from __future__ import annotations

import typer

app = typer.Typer(help="Harmonised statistics: import, compare, explain, publish.", no_args_is_help=True)

from palermo.cli.estimate import register; register(app)  # noqa: E402,E702 - `palermo stats estimate` (estimation)

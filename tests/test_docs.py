"""Every CLI command has help text and is documented on a page in docs/ (as Datasette and sqlite-utils do)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from palermo.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(cmd: Any, path: str) -> None:
        if hasattr(cmd, "commands"):  # a group (Typer vendors its own click)
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}")
        else:
            found.append((path, cmd))

    walk(root, "palermo")
    return found


COMMANDS = _commands()


def test_there_are_commands_in_every_group() -> None:
    groups = {path.split()[1] for path, _ in COMMANDS}
    assert {"init", "serve", "demo", "db", "users", "orgs", "audit", "backup", "restore"} <= groups


@pytest.mark.parametrize("path, command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_has_help_and_docs(path: str, command: Any) -> None:
    assert (command.help or "").strip(), f"`{path}` has no help text"
    docs = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    assert f"`{path}" in docs, f"`{path}` is not documented in docs/*.md"

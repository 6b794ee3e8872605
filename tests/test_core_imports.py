"""The core (everything outside web/ and cli/) never imports FastAPI, Starlette or Typer: faces only translate."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "palermo"
FACES = ("web", "cli")
FRAMEWORKS = ("fastapi", "starlette", "typer", "click", "uvicorn")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):  # also imports inside functions: a lazy import is still a dependency
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_core_imports_no_web_or_cli_framework() -> None:
    core = [p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] not in FACES]
    assert len(core) > 50  # the walk found the package
    offenders = {str(p.relative_to(SRC)): sorted(_imports(p) & set(FRAMEWORKS)) for p in core}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"core modules importing a face's framework (move that code into web/ or cli/): {offenders}"


def test_the_core_does_not_import_the_faces() -> None:
    core = [p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] not in FACES]
    bad = {}
    for p in core:
        tree = ast.parse(p.read_text(encoding="utf-8"))
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | \
               {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        hits = sorted(m for m in mods if m.startswith(("palermo.web", "palermo.cli")))
        if hits:
            bad[str(p.relative_to(SRC))] = hits
    assert not bad, f"core modules importing a face: {bad}"

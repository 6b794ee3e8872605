"""docs/architecture.md matches the tree, and the tree keeps the shape it describes (small modules, one
test folder per domain)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "palermo"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
MAX_LINES = 450  # issue 20: split anything longer (STYLE.md: small modules named after domain concepts)
DOMAINS = ("auth", "statistics", "estimation", "linkage", "exchange", "coordination", "identification", "db")


def _named_paths() -> list[str]:
    """Every ``palermo/...`` path in the doc, with the bare file names of a table cell resolved against
    the directory named first in that cell (``palermo/linkage/encoding/` (`dataset.py`, …)``)."""
    found = []
    for cell in re.findall(r"\|([^|\n]*palermo/[^|\n]*)", DOC):
        base = None
        for code in re.findall(r"`([^`]+)`", cell):
            if code.startswith("palermo/"):
                base = code if code.endswith("/") else code.rsplit("/", 1)[0] + "/"
                found.append(code)
            elif base and re.fullmatch(r"[a-z_]+(\.py|/)", code):
                found.append(base + code)
    return sorted(set(found))


NAMED = _named_paths()


def test_the_doc_names_modules() -> None:
    assert len(NAMED) > 30, NAMED  # the table was read


@pytest.mark.parametrize("path", NAMED)
def test_every_module_the_doc_names_exists(path: str) -> None:
    if "<" in path:  # a pattern such as palermo/cli/<group>.py: its directory must exist
        path = path.split("<")[0]
    assert (SRC.parent / path).exists(), f"docs/architecture.md names {path}, which is not in src/"


def test_every_dotted_name_in_the_docs_resolves() -> None:
    missing = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for name in sorted(set(re.findall(r"`(palermo(?:\.[a-z_0-9]+)+)`", page.read_text(encoding="utf-8")))):
            parts = name.split(".")
            for cut in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
                try:
                    obj = importlib.import_module(".".join(parts[:cut]))
                except ModuleNotFoundError:
                    continue
                try:
                    for attr in parts[cut:]:
                        obj = getattr(obj, attr)
                except AttributeError:
                    missing.append(f"{page.name}: {name}")
                break
            else:
                missing.append(f"{page.name}: {name}")
    assert not missing, f"names in docs/ that no longer exist: {missing}"


def test_no_module_is_over_the_limit() -> None:
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by concept): {long}"


def test_every_domain_has_its_test_folder() -> None:
    assert all((SRC / d).is_dir() for d in DOMAINS)
    missing = [d for d in DOMAINS if not (ROOT / "tests" / d).is_dir() or not list((ROOT / "tests" / d).glob("test_*.py"))]
    assert not missing, f"domains without tests/<domain>/test_*.py, as docs/architecture.md says: {missing}"

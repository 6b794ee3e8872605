"""DAC sector codes as IATI publishes them (vocabulary 1: 5-digit sectors, vocabulary 2: 3-digit
categories), and the few that map to Palermo's themes.

Nearly every IATI publisher classifies activities by DAC sector, not by Palermo's themes: the codes are
kept on the initiative as they are (and exported again), and a code whose DAC description is about the
fight against trafficking or smuggling also gives the initiative a theme (``data/dac_themes.yaml``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
DAC5, DAC3 = "1", "2"  # IATI SectorVocabulary codes
OWN = "99"  # the reporting organisation's own vocabulary: Palermo's themes and target groups


@dataclass(frozen=True)
class Sector:
    code: str
    vocabulary: str
    name: str
    category: str
    withdrawn: bool


@lru_cache(maxsize=1)
def codelist() -> dict[str, Sector]:
    """Every DAC sector and sector category, by code (5 digits and 3 digits never collide)."""
    with (DATA / "dac_sectors.csv").open(encoding="utf-8") as fh:
        return {r["code"]: Sector(r["code"], r["vocabulary"], r["name"], r["category"], r["status"] == "withdrawn")
                for r in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def _themes() -> dict[str, str]:
    data = yaml.safe_load((DATA / "dac_themes.yaml").read_text(encoding="utf-8"))
    return {str(code): item["theme"] for code, item in data["themes"].items()}


def lookup(code: str, vocabulary: str = DAC5) -> Sector | None:
    """The sector for a code of vocabulary 1 or 2, or None when the code is not in that codelist."""
    s = codelist().get(code.strip())
    return s if s is not None and s.vocabulary == vocabulary else None


def theme_for(code: str) -> str | None:
    """Palermo's theme for a DAC 5-digit code, where the mapping is meaningful; None otherwise."""
    return _themes().get(code.strip())


def label(code: str) -> str:
    s = codelist().get(code)
    return f"{code} {s.name}" if s else code

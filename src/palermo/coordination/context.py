"""Country context shown beside the gaps: US TIP report tier and Cho's 3P policy index, Global Slavery
Index prevalence, IOM Missing Migrants dead and missing on routes through the country.

Read from a folder laid out like the public files (``tip-tiers-cho-3p/``, ``global-slavery-index/``,
``iom-missing-migrants/``); the product runs without it (then there is simply no context).
"""

from __future__ import annotations

import csv
import functools
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import yaml

log = logging.getLogger(__name__)
ROUTES = yaml.safe_load((Path(__file__).parent / "data" / "routes.yaml").read_text())
TIER_LABELS = {1.0: "Tier 1", 2.0: "Tier 2", 2.5: "Tier 2 Watch List", 3.0: "Tier 3"}


@dataclass
class CountryContext:
    country: str
    tip_tier: str | None = None
    tip_year: int | None = None
    p3: dict[str, float] = field(default_factory=dict)  # prosecution / protection / prevention, each 1-5
    gsi_prevalence: float | None = None  # per 1,000 population (Walk Free 2023)
    gsi_number: int | None = None
    missing_migrants: dict[str, int] = field(default_factory=dict)  # route -> dead and missing 2014-2021
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _num(text: str) -> float | None:
    text = (text or "").replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _iso3(name: str) -> str | None:
    """ISO3 for a country name; fuzzy search is slow, and the files repeat each name once per year."""
    try:
        return str(pycountry.countries.lookup(name.strip()).alpha_3)
    except LookupError:
        try:
            return str(pycountry.countries.search_fuzzy(name.strip())[0].alpha_3)
        except LookupError:
            return None


CONTEXT_FILES = ("tip-tiers-cho-3p/criminalization-cho-tiers_jk_2015-08-10.csv",
                 "global-slavery-index/Global_Slavery_Index_2023.csv",
                 "iom-missing-migrants/missing_migrants_incidents_2014-2021.csv")


def load_context(folder: Path | None) -> dict[str, CountryContext]:
    """Context per ISO3 country from whatever of the three sources the folder holds.

    Parsed once per version of the files (their modification times), not on every page view; treat
    the result as read-only."""
    if folder is None or not folder.exists():
        return {}
    stamps = tuple((folder / f).stat().st_mtime_ns if (folder / f).exists() else None for f in CONTEXT_FILES)
    with _PARSING:  # concurrent first views wait for one parse instead of each parsing the files
        return _parse_context(folder, stamps)


_PARSING = threading.Lock()


@functools.lru_cache(maxsize=4)
def _parse_context(folder: Path, stamps: tuple[int | None, ...]) -> dict[str, CountryContext]:
    out: dict[str, CountryContext] = {}

    def ctx(cc: str) -> CountryContext:
        return out.setdefault(cc, CountryContext(cc))

    tiers = folder / CONTEXT_FILES[0]
    if tiers.exists():
        with tiers.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                # the file's "code" column is not always ISO 3166 (Libya is "LIB"): resolve the name too
                code = row.get("code", "").strip()
                cc = code if pycountry.countries.get(alpha_3=code) else _iso3(row.get("name", ""))
                year = int(float(row["year"]))
                if cc is None:
                    continue
                c = ctx(cc)
                tier = _num(row.get("tierupdated", ""))
                if tier in TIER_LABELS and (c.tip_year is None or year >= c.tip_year):
                    c.tip_tier, c.tip_year = TIER_LABELS[tier], year
                scores = {p: _num(row.get(p, "")) for p in ("prosecution", "protection", "prevention")}
                if all(v is not None for v in scores.values()):
                    c.p3 = {k: float(v) for k, v in scores.items() if v is not None}
                if "US TIP report / Cho 3P index" not in c.sources:
                    c.sources.append("US TIP report / Cho 3P index")
    gsi = folder / CONTEXT_FILES[1]
    if gsi.exists():
        with gsi.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                row = {k.strip(): v for k, v in row.items()}
                cc = _iso3(row.get("Country", ""))
                if cc is None:
                    continue
                c = ctx(cc)
                c.gsi_prevalence = _num(row.get("Estimated prevalence of modern slavery per 1,000 population", ""))
                number = _num(row.get("Estimated number of people in modern slavery", ""))
                c.gsi_number = int(number) if number is not None else None
                c.sources.append("Global Slavery Index 2023")
    mmp = folder / CONTEXT_FILES[2]
    if mmp.exists():
        by_route: dict[str, int] = {}
        with mmp.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                route = (row.get("Migration Route") or "").strip()
                n = _num(row.get("Total Dead and Missing", ""))
                if route and n:
                    by_route[route] = by_route.get(route, 0) + int(n)
        for route, total in by_route.items():
            for cc in ROUTES.get(route, []):
                c = ctx(cc)
                c.missing_migrants[route] = total
                if "IOM Missing Migrants 2014-2021" not in c.sources:
                    c.sources.append("IOM Missing Migrants 2014-2021")
    return out

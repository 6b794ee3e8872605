"""Disclosure control for public outputs: small cells suppressed (SDMX OBS_STATUS=Q, CONF_STATUS=C), with
complementary suppression so that a total and the rest of its breakdown cannot give a suppressed cell back."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

DIMS = ("sex", "age_group", "citizenship", "exploitation")
DEFAULT_THRESHOLD = 5  # Settings.small_count_threshold's default: cells with fewer than this many are suppressed


@dataclass(frozen=True)
class Cell:
    indicator: str
    country: str
    period: str
    sex: str
    age_group: str
    citizenship: str
    exploitation: str
    value: float | None
    lower: float | None = None
    upper: float | None = None
    flags: frozenset[str] = frozenset()
    source: str = ""
    suppressed: bool = False

    def key(self) -> tuple[str, ...]:
        return (self.source, self.indicator, self.country, self.period)


def _small(c: Cell, threshold: int) -> bool:
    if c.value is None:
        return c.lower is not None and (c.upper or 0) < threshold  # censored small values are small
    return 0 < c.value < threshold


def protect(cells: list[Cell], threshold: int) -> list[Cell]:
    """Primary suppression of counts in (0, threshold), then complementary suppression until no group of
    a total and its one-dimension breakdown has exactly one suppressed cell (which subtraction would reveal)."""
    out = [replace(c, suppressed=True) if _small(c, threshold) else c for c in cells]
    index = {id(c): i for i, c in enumerate(out)}
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, c in enumerate(out):
        dims = {d: getattr(c, d) for d in DIMS}
        non_total = [d for d, v in dims.items() if v != "total"]
        if not non_total:
            for d in DIMS:
                groups[(*c.key(), d)].append(i)  # the total belongs to every breakdown group
        elif len(non_total) == 1:
            groups[(*c.key(), non_total[0])].append(i)
    del index
    changed = True
    while changed:
        changed = False
        for members in groups.values():
            if len(members) < 2:
                continue
            hidden = [i for i in members if out[i].suppressed]
            if len(hidden) == 1:
                visible = [i for i in members if not out[i].suppressed and out[i].value is not None]
                if not visible:
                    continue
                parts = [i for i in visible if any(getattr(out[i], d) != "total" for d in DIMS)]
                pick = min(parts or visible, key=lambda i: out[i].value or 0)
                out[pick] = replace(out[pick], suppressed=True)
                changed = True
    return [replace(c, value=None, lower=None, upper=None, flags=c.flags | {"suppressed"}) if c.suppressed else c for c in out]

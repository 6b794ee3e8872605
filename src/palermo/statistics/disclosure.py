"""Disclosure control for public outputs: small cells suppressed (SDMX OBS_STATUS=Q, CONF_STATUS=C), with
complementary suppression so that a total and the rest of its breakdown cannot give a suppressed cell back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
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


def _small(value: float | None, lower: float | None, upper: float | None, threshold: int) -> bool:
    if value is None:
        return lower is not None and (upper or 0) < threshold  # censored small values are small
    return 0 < value < threshold


# A cell as the suppression sees it: (source, indicator, country, period, sex, age_group, citizenship,
# exploitation, value, lower, upper, ...); the first four name its table, what one source vintage publishes
# for one indicator, country and period. Database rows in this column order are used as they come.
Plain = Sequence[Any]


def suppressed(cells: Sequence[Plain], threshold: int, *, given: Iterable[int] = ()) -> set[int]:
    """Positions of the cells to suppress: counts in (0, threshold), then complementary suppression until no
    group of a total and its one-dimension breakdown has exactly one suppressed cell (which subtraction
    would reveal); ``given`` are positions already suppressed. Tables are independent, so only those with
    a suppressed cell are grouped: most have none."""
    hidden = {i for i, c in enumerate(cells) if _small(c[8], c[9], c[10], threshold)} | set(given)
    if not hidden:
        return hidden
    tables = {tuple(cells[i][:4]) for i in hidden}
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, c in enumerate(cells):
        table = tuple(c[:4])
        if table not in tables:
            continue
        non_total = [d for d, v in zip(DIMS, c[4:8]) if v != "total"]
        if not non_total:
            for d in DIMS:
                groups[(table, d)].append(i)  # the total belongs to every breakdown group
        elif len(non_total) == 1:
            groups[(table, non_total[0])].append(i)
    changed = True
    while changed:
        changed = False
        for members in groups.values():
            if len(members) < 2 or sum(i in hidden for i in members) != 1:
                continue
            visible = [i for i in members if i not in hidden and cells[i][8] is not None]
            if not visible:
                continue
            parts = [i for i in visible if any(v != "total" for v in cells[i][4:8])]
            hidden.add(min(parts or visible, key=lambda i: cells[i][8] or 0))
            changed = True
    return hidden


def protect(cells: list[Cell], threshold: int) -> list[Cell]:
    """The cells with disclosure control applied (see :func:`suppressed`): suppressed ones lose their value
    and bounds and carry the ``suppressed`` flag."""
    hide = suppressed([(*c.key(), c.sex, c.age_group, c.citizenship, c.exploitation, c.value, c.lower, c.upper)
                       for c in cells], threshold, given=[i for i, c in enumerate(cells) if c.suppressed])
    return [replace(c, value=None, lower=None, upper=None, flags=c.flags | {"suppressed"}, suppressed=True)
            if i in hide else c for i, c in enumerate(cells)]

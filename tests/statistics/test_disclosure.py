"""Disclosure control's guarantees, on many random tables: every small count is suppressed, and no
group of a total and its one-dimension breakdown keeps exactly one suppressed cell (which subtraction
would give back); tables are protected independently, so protecting them together or one by one is
the same (the core read only groups the tables that have a small cell)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.statistics.disclosure import DIMS, suppressed

CATEGORIES = {"sex": ("female", "male", "unknown"), "age_group": ("child", "adult"),
              "citizenship": ("nationals", "foreign"), "exploitation": ("sexual", "labour", "other")}
values = st.one_of(st.none(), st.integers(0, 60).map(float))


@st.composite
def table(draw: st.DrawFn, name: str) -> list[tuple]:
    """One table (source, indicator, country, period): a total and some one-dimension breakdown cells."""
    rows = [(name, "victims", "NLD", "2020", "total", "total", "total", "total", draw(values), None, None)]
    for d, cats in CATEGORIES.items():
        for c in cats:
            if draw(st.booleans()):
                dims = [c if x == d else "total" for x in DIMS]
                rows.append((name, "victims", "NLD", "2020", *dims, draw(values), None, None))
    return rows


def _check(cells: list[tuple], hidden: set[int], threshold: int) -> None:
    for i, c in enumerate(cells):
        if c[8] is not None and 0 < c[8] < threshold:
            assert i in hidden, c
    groups: dict[tuple, list[int]] = {}
    for i, c in enumerate(cells):
        non_total = [d for d, v in zip(DIMS, c[4:8]) if v != "total"]
        for d in (DIMS if not non_total else non_total if len(non_total) == 1 else ()):
            groups.setdefault((c[:4], d), []).append(i)
    for members in groups.values():
        shown = [i for i in members if i not in hidden and cells[i][8] is not None]
        if len(members) > 1 and shown:
            assert sum(i in hidden for i in members) != 1, [cells[i] for i in members]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=6, unique=True).flatmap(
    lambda names: st.tuples(*[table(str(n)) for n in names])), st.sampled_from([3, 5, 10]))
def test_small_cells_hidden_and_no_group_gives_one_back(tables: tuple[list[tuple], ...], threshold: int) -> None:
    cells = [c for t in tables for c in t]
    hidden = suppressed(cells, threshold)
    _check(cells, hidden, threshold)
    offset, alone = 0, set()
    for t in tables:  # each table on its own gives the same cells
        alone |= {offset + i for i in suppressed(t, threshold)}
        offset += len(t)
    assert alone == hidden

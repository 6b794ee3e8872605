"""The data explorer: filters, breakdowns, sorting (unknown values last), pages, and refusals of bad filters."""

from __future__ import annotations

from typing import Any

import pytest

from palermo.errors import ValidationError
from palermo.statistics.explorer import ExplorerQuery, explore


def row(country: str, period: str, value: float | None, source: str = "s", indicator: str = "victims", **dims: str) -> dict[str, Any]:
    base = {"sex": "total", "age_group": "total", "citizenship": "total", "exploitation": "total"} | dims
    return {"source": source, "indicator": indicator, "stage": "detected", "country": country, "period": period,
            "value": value, "lower": None, "upper": None, "flags": "" if value is not None else "suppressed", **base}


ROWS = [row("NLD", "2020", 100), row("NLD", "2020", 60, sex="female"), row("NLD", "2020", None, sex="male"),
        row("NLD", "2021", 90), row("DOM", "2020", 57, source="t"), row("DOM", "2020", 7, source="t", exploitation="labour"),
        row("DOM", "2020", 3, source="t", indicator="convicted"), row("ITA", "2019", 0, sex="female", age_group="child")]


@pytest.mark.parametrize(("params", "expected"), [
    ({}, 8),
    ({"country": "nld"}, 4),
    ({"country": "NLD", "year": "2020"}, 3),
    ({"indicator": "convicted"}, 1),
    ({"source": "t"}, 3),
    ({"breakdown": "total"}, 4),
    ({"breakdown": "sex"}, 2),
    ({"breakdown": "exploitation"}, 1),
    ({"country": "FRA"}, 0),
])
def test_filters(params: dict[str, str], expected: int) -> None:
    assert explore(ROWS, ExplorerQuery.parse(params)).total == expected


def test_sort_by_value_puts_unknown_last_in_both_directions() -> None:
    up = [r["value"] for r in explore(ROWS, ExplorerQuery.parse({"sort": "value"})).rows]
    down = [r["value"] for r in explore(ROWS, ExplorerQuery.parse({"sort": "-value"})).rows]
    assert up == [0, 3, 7, 57, 60, 90, 100, None] and down == [100, 90, 60, 57, 7, 3, 0, None]
    by_country = [r["country"] for r in explore(ROWS, ExplorerQuery.parse({"sort": "-country"})).rows]
    assert by_country == sorted(by_country, reverse=True)


def test_pages_cover_every_row_once() -> None:
    seen = []
    for page in (1, 2, 3):
        p = explore(ROWS, ExplorerQuery.parse({"per_page": "3", "page": str(page), "sort": "value"}))
        assert p.pages == 3 and p.total == 8
        seen += p.rows
    assert len(seen) == 8 and all(seen.count(r) == 1 for r in ROWS)
    beyond = explore(ROWS, ExplorerQuery.parse({"per_page": "3", "page": "99"}))
    assert beyond.page == 3 and beyond.rows  # past the end: the last page


def test_facets_offer_what_the_rows_hold() -> None:
    facets = explore(ROWS, ExplorerQuery()).facets
    assert facets["country"] == ["DOM", "ITA", "NLD"] and facets["year"] == ["2021", "2020", "2019"]


def test_bad_filters_are_refused_together_with_what_works() -> None:
    with pytest.raises(ValidationError) as e:
        ExplorerQuery.parse({"sort": "colour", "page": "0", "per_page": "100000", "breakdown": "hair", "country": "NLDX"})
    fields = {p.field for p in e.value.problems}
    assert fields == {"sort", "page", "per_page", "breakdown", "country"}
    assert "use one of country, indicator" in str(e.value) and "1 to 500" in str(e.value)


def test_params_round_trip() -> None:
    q = ExplorerQuery.parse({"country": "NLD", "sort": "-value", "page": "2"})
    assert ExplorerQuery.parse(q.params()) == q
    assert q.params(page=3)["page"] == "3" and "source" not in q.params()

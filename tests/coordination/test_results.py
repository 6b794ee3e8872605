"""Targets and results: progress against targets (per period or cumulative), by sex, and initiatives that
stopped reporting."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from palermo.coordination.results import headline, last_reported, progress, stopped_reporting


def _r(start: date, end: date, target: float | None = None, actual: float | None = None, sex: str = "", age: str = "",
       indicator: str = "people", people: bool = True) -> Any:
    return SimpleNamespace(indicator=indicator, people=people, period_start=start, period_end=end, target=target,
                           actual=actual, sex=sex, age=age, baseline=None)


def _i(results: list[Any], status: str = "active", end: date | None = None) -> Any:
    return SimpleNamespace(results=results, status=status, start=date(2024, 1, 1), end=end, update_every_days=180)


Y = (date(2024, 1, 1), date(2025, 12, 31))


def test_monthly_reached_adds_up_against_the_whole_period_target() -> None:
    i = _i([_r(*Y, target=100), _r(*Y, target=70, sex="female"),
            _r(date(2024, 1, 1), date(2024, 6, 30), actual=30), _r(date(2024, 1, 1), date(2024, 6, 30), actual=20, sex="female"),
            _r(date(2024, 7, 1), date(2024, 12, 31), actual=25),
            _r(date(2026, 1, 1), date(2026, 3, 31), actual=99)])  # outside the target's period: not added
    h = headline(i)
    assert h is not None and (h.target, h.actual, h.share) == (100, 55, 0.55)
    assert h.by_sex == {"female": {"target": 70, "actual": 20}}


def test_a_period_with_target_and_actual_is_read_as_such_and_totals_come_from_the_parts() -> None:
    i = _i([_r(date(2013, 1, 1), date(2013, 3, 31), target=10, actual=11, sex="female", age="adults"),
            _r(date(2013, 1, 1), date(2013, 3, 31), target=5, actual=2, sex="male", age="adults"),
            _r(date(2012, 1, 1), date(2012, 12, 31), target=1, actual=1, indicator="Shelters opened", people=False)])
    first, second = progress(i)
    assert (first.indicator, first.target, first.actual) == ("people", 15, 13)  # people first, summed over sexes
    assert (second.indicator, second.share) == ("Shelters opened", 1.0)


def test_stopped_reporting_is_like_a_source_past_its_due_date() -> None:
    recent = _i([_r(*Y, target=10), _r(date(2026, 1, 1), date(2026, 9, 30), actual=3)])
    old = _i([_r(*Y, target=10), _r(date(2025, 1, 1), date(2025, 3, 31), actual=3)])
    never = _i([_r(*Y, target=10)])
    today = date(2026, 12, 1)
    assert last_reported(old) == date(2025, 3, 31)
    assert [stopped_reporting(x, today) for x in (recent, old, never)] == [False, True, False]
    assert not stopped_reporting(_i(old.results, status="completed"), today)  # finished work is not stale

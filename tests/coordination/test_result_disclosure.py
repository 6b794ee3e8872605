"""Counts of people in initiatives' results are small counts like any other: a reader who neither takes
part in the initiative nor edits the registry sees them under disclosure control (issue 14: "a leak of one
small count is a serious defect"), on the page and in the API."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from palermo.coordination.results import progress, protect
from palermo.db import Database
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

Y = (date(2026, 1, 1), date(2026, 6, 30))


def _r(target: float | None = None, actual: float | None = None, sex: str = "") -> Any:
    return SimpleNamespace(indicator="people", people=True, period_start=Y[0], period_end=Y[1], target=target,
                           actual=actual, sex=sex, age="", baseline=None)


def test_one_small_sex_count_withholds_the_whole_breakdown_but_not_the_total() -> None:
    i = SimpleNamespace(results=[_r(actual=40, sex="female"), _r(actual=3, sex="male")])
    (p,) = protect(progress(i), 5)
    assert p.actual == 43  # the total is not small
    assert p.by_sex == {"female": {"target": None, "actual": None}, "male": {"target": None, "actual": None}}
    assert p.withheld == ("actual",)  # 43 - 40 would give the 3 back, so 40 goes too
    (true,) = progress(i)
    assert true.by_sex["male"]["actual"] == 3  # the reported figures themselves are kept


def test_a_small_total_and_its_share_are_withheld() -> None:
    (p,) = protect(progress(SimpleNamespace(results=[_r(target=10, actual=3)])), 5)
    assert (p.target, p.actual, p.share, p.withheld) == (10, None, None, ("actual",))
    (zero,) = protect(progress(SimpleNamespace(results=[_r(target=10, actual=0)])), 5)
    assert (zero.actual, zero.withheld) == (0, ())  # a known zero is not a small count


def test_small_result_counts_do_not_reach_a_viewer(sqlite_demo_db: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, sqlite_demo_db)
    editor = client_for(settings, sqlite_demo_db)
    login(editor, "icat.coordinator", "palermo-demo-2000")
    token = re.search(r'name="csrf_token" value="([^"]+)"', editor.get("/coordination/initiatives/DEMO-LBY-03").text)
    assert token
    for sex, actual in (("female", "40"), ("male", "3")):
        r = editor.post("/coordination/initiatives/DEMO-LBY-03/results", follow_redirects=False,
                        data={"csrf_token": token.group(1), "period_start": "2026-01-01", "period_end": "2026-06-30",
                              "sex": sex, "age": "", "target": "", "actual": actual})
        assert r.status_code == 303
    mine = editor.get("/api/v1/coordination/initiatives/DEMO-LBY-03").json()
    assert mine["progress"][0]["by_sex"]["male"]["actual"] == 3 and len(mine["results"]) == 2

    viewer = client_for(settings, sqlite_demo_db)
    login(viewer, "viewer", "palermo-demo-2000")
    api = viewer.get("/api/v1/coordination/initiatives/DEMO-LBY-03").json()
    assert api["results"] == []  # period-by-period figures would give a withheld count back by subtraction
    (p,) = api["progress"]
    assert p["actual"] == 43 and p["withheld"] == ["actual"]
    assert all(v["actual"] is None for v in p["by_sex"].values())
    page = viewer.get("/coordination/initiatives/DEMO-LBY-03").text
    assert "male: withheld" in page and "male: 3" not in page and "female: 40" not in page
    assert "Counts of fewer than 5 people are withheld" in page
    assert 'id="result-form"' not in page  # a viewer is not offered the registry's form

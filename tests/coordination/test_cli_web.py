"""`palermo coord …` and the coordination API on the demo: the deliberate overlaps and gaps are found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli import app
from palermo.db import Database
from tests.conftest import EXTERNAL, make_settings
from tests.web_helpers import client_for, login

runner = CliRunner()


@pytest.fixture
def env(sqlite_demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_demo_db.url)
    return sqlite_demo_db


def test_demo_overlaps_and_gaps_from_the_cli(env: Database, tmp_path: Path) -> None:
    r = runner.invoke(app, ["coord", "overlaps", "--json"])
    assert r.exit_code == 0, r.output
    found = {(o["kind"], tuple(o["initiatives"])) for o in json.loads(r.stdout)}
    assert ("same cell", ("DEMO-LBY-01", "DEMO-LBY-02")) in found
    assert ("same cell", ("DEMO-NGA-02", "DEMO-NGA-03")) in found
    assert ("same funder", ("DEMO-LBY-01", "DEMO-LBY-02")) in found
    r = runner.invoke(app, ["coord", "gaps", "--context-dir", str(EXTERNAL), "--json"])
    gaps = {(g["country"], g["theme"]) for g in json.loads(r.stdout)}
    assert ("LBY", "prevention") in gaps and ("ITA", "child_protection") in gaps  # weak 3P score; child victims recorded
    assert ("ITA", "victim_identification") not in gaps  # covered by the helpline and shelters
    lby = next(g for g in json.loads(r.stdout) if g["country"] == "LBY")
    assert lby["context"]["tip_tier"] == "Tier 3"
    out = tmp_path / "3w.csv"
    assert runner.invoke(app, ["coord", "export", "--format", "hxl", "-o", str(out)]).exit_code == 0
    r = runner.invoke(app, ["coord", "import", str(out), "--format", "hxl"])
    assert r.exit_code == 0 and "Imported 12 initiatives" in r.output
    r = runner.invoke(app, ["coord", "import", str(out), "--format", "xml"])
    assert r.exit_code == 1 and "unknown" in r.output


def test_api_and_pages(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "icat.coordinator", "palermo-demo-2000")
    assert any(o["kind"] == "same funder" for o in c.get("/api/v1/coordination/overlaps").json())
    liaison = c.get("/api/v1/coordination/liaison").json()
    assert liaison["duplicate_reports"] and "LBY" in liaison["networks"]
    assert any(x["overdue"] for x in c.get("/api/v1/coordination/commitments").json())
    for page in ("/coordination", "/coordination/liaison", "/coordination/commitments"):
        assert c.get(page).status_code == 200
    bad = c.post("/api/v1/coordination/initiatives", headers={"X-CSRF-Token": c.cookies.get("x") or ""},
                 json=[{"ref": "X", "title": "x", "participants": [["A", "boss"]]}])
    assert bad.status_code in (403, 422)


def test_initiative_page_money_page_and_the_results_form(sqlite_demo_db: Database, tmp_path: Path) -> None:
    """The demo shows targets against reached and money flows; a result entered on the form is stored,
    a bad one is refused in the web's own words and nothing is stored."""
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "icat.coordinator", "palermo-demo-2000")
    page = c.get("/coordination/initiatives/DEMO-NGA-02")
    assert page.status_code == 200 and "1,120 of 1,200 (93%)" in page.text and "female: 930 of 950" in page.text
    assert "stopped reporting" in c.get("/coordination/initiatives/DEMO-NGA-03").text
    assert c.get("/coordination/initiatives/NOPE").status_code == 404
    index = c.get("/coordination").text
    assert 'id="reached-map"' in index and "1,650 of 2,000 (82%)" in index
    money = c.get("/coordination/money")
    assert money.status_code == 200 and 'id="flows-eur"' in money.text and 'id="flows-gbp"' in money.text
    assert "DEMO-NGA-02" in money.text and "funded twice" in money.text
    flows = c.get("/api/v1/coordination/flows").json()
    eu_to_iom = sum(f["value"] for f in flows if f["stage"] == "funding" and f["target"] == "International Organization for Migration"
                    and "DEMO-NGA-02" in f["initiatives"])
    assert eu_to_iom == 4_500_000  # 2.5 + 2 million, reported by the EU and by IOM, counted once
    api = c.get("/api/v1/coordination/initiatives/DEMO-NGA-02").json()
    assert api["progress"][0]["target"] == 1200 and len(api["transactions"]) == 3


def test_the_results_form_stores_and_refuses(sqlite_demo_db: Database, tmp_path: Path) -> None:
    import re

    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "icat.coordinator", "palermo-demo-2000")
    page = c.get("/coordination/initiatives/DEMO-LBY-03").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the form carries a CSRF token"
    form = {"csrf_token": token.group(1), "period_start": "2026-01-01", "period_end": "2026-06-30", "sex": "female",
            "age": "adults", "target": "", "actual": "40"}
    r = c.post("/coordination/initiatives/DEMO-LBY-03/results", data=form, follow_redirects=False)
    assert r.status_code == 303
    api = c.get("/api/v1/coordination/initiatives/DEMO-LBY-03").json()
    assert [(x["sex"], x["age"], x["actual"], x["origin"]) for x in api["results"]] == [("female", "adults", 40, "form")]
    bad = c.post("/coordination/initiatives/DEMO-LBY-03/results", data={**form, "period_start": "", "actual": "lots"})
    assert bad.status_code in (400, 422) and "not a number of people" in bad.text and "--" not in bad.text
    bad = c.post("/coordination/initiatives/DEMO-LBY-03/results", data={**form, "period_start": ""})
    assert bad.status_code in (400, 422) and "without a period" in bad.text
    assert len(c.get("/api/v1/coordination/initiatives/DEMO-LBY-03").json()["results"]) == 1

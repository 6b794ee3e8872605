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

"""`palermo exchange …` on the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli import app
from palermo.db import Database

runner = CliRunner()


@pytest.fixture
def env(sqlite_demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_demo_db.url)
    return sqlite_demo_db


def test_check_routes_requests_import(env: Database, tmp_path: Path) -> None:
    r = runner.invoke(app, ["exchange", "check", "--from", "NL-POL", "--to", "EUROPOL", "--category", "hit_no_hit",
                            "--purpose", "investigation", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["agreement_ref"] == "EU-OPS-NL"
    r = runner.invoke(app, ["exchange", "check", "--from", "MTX", "--to", "NL-POL", "--category", "personal_data_suspects",
                            "--purpose", "investigation"])
    assert r.exit_code == 1 and "does not cover personal data of suspects" in r.output
    r = runner.invoke(app, ["exchange", "routes", "--from", "NG-NAPTIP", "--to", "EUROPOL", "--category", "hit_no_hit",
                            "--purpose", "investigation", "--json"])
    assert r.exit_code == 0 and [h["to_org"] for h in json.loads(r.stdout)[0]["hops"]] == ["UK-NCA", "EUROPOL"]
    r = runner.invoke(app, ["exchange", "requests", "--org", "EUROPOL", "--json"])
    followed = [x for x in json.loads(r.stdout)["received"] if x["hit"]]
    assert len(followed) == 1 and followed[0]["from"] == "NL-POL" and followed[0]["status"] == "pending"
    r = runner.invoke(app, ["exchange", "requests", "--org", "UK-NCA", "--json"])
    body = json.loads(r.stdout)
    assert body["received"][0]["status"] == "refused" and body["dashboard"]["received"]["refusal_reasons"]
    good = tmp_path / "a.yaml"
    good.write_text("- reference: NEW-1\n  title: t\n  type: mou\n  status: in_force\n  parties: [IT-POL, ES-POL]\n"
                    "  categories: [hit_no_hit]\n  purposes: [investigation]\n  valid_from: 2024-01-01\n")
    assert runner.invoke(app, ["exchange", "import", str(good)]).exit_code == 0
    bad = tmp_path / "b.csv"
    bad.write_text("reference,title,type,status,parties,categories,purposes,valid_from,valid_to\n"
                   "B-1,t,mou,in_force,IT-POL;NOBODY,hit_no_hit,investigation,2024-01-01,2023-01-01\n")
    r = runner.invoke(app, ["exchange", "import", str(bad)])
    assert r.exit_code == 1 and "NOBODY" in r.output and "valid_to" in r.output
    r = runner.invoke(app, ["exchange", "agreements", "--json"])
    assert "NEW-1" in r.output and "B-1" not in r.output


def test_reminders_for_overdue_requests(env: Database) -> None:
    r = runner.invoke(app, ["exchange", "remind", "--json"])
    due = json.loads(r.stdout)
    assert r.exit_code == 0 and any(d["overdue"] and d["owner"] == "NL-POL" for d in due)


def test_two_authorities_of_one_state_are_not_both_sides_of_an_agreement(env: Database) -> None:
    """The reported defect: `check --from NL-POL --to NL-LA` answered "allowed under EU-OPS-NL", an agreement
    between Europol and the Netherlands. Now only the national legal basis binding both allows it, and
    without it the exchange is refused with the reason."""
    args = ["exchange", "check", "--from", "NL-POL", "--to", "NL-LA", "--category", "personal_data_victims",
            "--purpose", "investigation", "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["agreement_ref"] == "NL-WPG-LA"  # type national_law, parties NL-POL and NL-LA
    from palermo.exchange.agreements import get_agreement

    with env.session() as s:  # the agreement is suspended (in practice: an agreements file re-imported)
        get_agreement(s, "NL-WPG-LA").status = "suspended"
    r = runner.invoke(app, args)
    body = json.loads(r.stdout)
    assert r.exit_code == 1 and not body["allowed"] and body["agreement_ref"] is None
    assert any("EU-OPS-NL covers NL-POL and NL-LA only as one party (state:NLD)" in x for x in body["reasons"])
    assert any("NL-WPG-LA is suspended" in x for x in body["reasons"])
    r = runner.invoke(app, ["exchange", "check", "--from", "NL-RAP", "--to", "NL-OM", "--category", "aggregate_statistics",
                            "--purpose", "research"])
    assert r.exit_code == 1 and "EU-OPS-NL covers NL-RAP and NL-OM only as one party" in r.output


def test_an_organisations_own_data_is_allowed_without_naming_a_missing_agreement(env: Database) -> None:
    """`check --from NL-POL --to NL-POL` printed "allowed under None, own data": no agreement is needed, so none is named."""
    r = runner.invoke(app, ["exchange", "check", "--from", "NL-POL", "--to", "NL-POL", "--category", "personal_data_victims",
                            "--purpose", "investigation"])
    assert r.exit_code == 0, r.output
    assert "None" not in r.output and "own data" in r.output and "no agreement" in r.output

"""Marking a source public: internal by default, `--public` publishes, a new vintage keeps the flag, only
the owner changes it, and every change is audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.cli import app
from palermo.db import Database
from palermo.errors import NotFound
from palermo.statistics.importers import import_file
from palermo.statistics.models import Source
from palermo.statistics.publication import set_public

DATA = Path(__file__).parents[1] / "data" / "statistics"
runner = CliRunner()


def flags(db: Database, key: str) -> dict[str, bool]:
    with db.session(write=False) as s:
        return {v: p for v, p in s.execute(select(Source.vintage, Source.public).where(Source.key == key))}


def test_import_is_internal_unless_marked_public_and_vintages_inherit(db: Database, tmp_path: Path) -> None:
    system = Principal.system()
    tsv = DATA / "crim_thb_vict.tsv"
    with db.session() as s:
        assert import_file(s, system, tsv, "eurostat", source="estat").public is False
    assert flags(db, "estat") == {"1": False}
    with db.session() as s:
        assert import_file(s, system, tsv, "eurostat", source="estat", public=True).public is True
    with db.session() as s:  # re-import without a flag: unchanged
        assert import_file(s, system, tsv, "eurostat", source="estat").public is True
    mapping = {"source": {"key": "estat", "name": "x", "source_type": "police", "stage": "detected", "counting_unit": "persons",
                          "legal_definition": "national", "vintage": "2"}}
    sdmx_csv = tmp_path / "back.csv"
    sdmx_csv.write_text("STRUCTURE,STRUCTURE_ID,ACTION,SOURCE,INDICATOR,STAGE,REF_AREA,SEX,AGE,CITIZENSHIP,EXPLOITATION,"
                        "TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS,PALERMO_FLAGS,LOWER_BOUND,UPPER_BOUND\n"
                        "dataflow,PALERMO:THB(1.0),I,estat,VICTIMS,DETECTED,NLD,TOTAL,TOTAL,TOTAL,TOTAL,2024,7,A,F,,,\n")
    with db.session() as s:  # a new vintage of a public source is public too
        assert import_file(s, system, sdmx_csv, "sdmx", mapping=mapping).public is True
    assert flags(db, "estat") == {"1": True, "2": True}
    with db.session() as s:
        assert set_public(s, system, "estat", False) == ["1", "2"]
        entries = s.execute(select(AuditEntry.action).where(AuditEntry.action.like("stats.source.%"))).scalars().all()
    assert entries.count("stats.source.unpublish") == 2 and "stats.source.publish" in entries


def test_only_the_owner_changes_the_flag(db: Database) -> None:
    system = Principal.system()
    with db.session() as s:
        for short in ("A", "B"):
            accounts.create_organisation(s, system, name=f"Org {short}", short_name=short, org_type="police", country="NLD")
            accounts.create_user(s, system, username=f"{short.lower()}-analyst", password="a-password-1", organisation=short,
                                 roles="analyst")
        a = accounts.principal_for(accounts.get_user(s, "a-analyst"))
        b = accounts.principal_for(accounts.get_user(s, "b-analyst"))
        import_file(s, a, DATA / "crim_thb_vict.tsv", "eurostat", source="a-stats")
    with db.session() as s, pytest.raises(NotFound):
        set_public(s, b, "a-stats", True)
    assert flags(db, "a-stats") == {"1": False}
    with db.session() as s:
        set_public(s, a, "a-stats", True)
    assert flags(db, "a-stats") == {"1": True}


def test_cli_import_public_and_sources_publish(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_db.url)
    r = runner.invoke(app, ["stats", "import", str(DATA / "crim_thb_vict.tsv"), "--format", "eurostat", "--public"])
    assert r.exit_code == 0 and "public" in r.output.split("rows);")[1], r.output
    r = runner.invoke(app, ["stats", "sources", "--unpublish", "eurostat-crim-thb"])
    assert r.exit_code == 0 and "eurostat-crim-thb: internal" in r.output, r.output
    assert "internal" in r.output.split("eurostat-crim-thb@1")[1], r.output
    r = runner.invoke(app, ["stats", "sources", "--json"])
    assert [(x["key"], x["public"]) for x in json.loads(r.stdout)] == [("eurostat-crim-thb", False)]
    r = runner.invoke(app, ["stats", "sources", "--publish", "no-such-source"])
    assert r.exit_code == 1 and "no source 'no-such-source'" in r.output

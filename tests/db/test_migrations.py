"""Migrations on a database that holds data: the newest revision of every domain rolled back and applied
again over the full demo workspace loses no row, fills what it adds, and leaves the audit chain intact."""

from __future__ import annotations

import re
import sqlite3

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

from palermo.auth import accounts, audit
from palermo.auth.models import ApiToken, AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.db.database import alembic_config
from palermo.db.registry import load_all_models
from palermo.errors import Conflict
from palermo.estimation.models import CaptureTable
from palermo.linkage.models import LinkUpload


def _parents_of_heads(db: Database) -> list[str]:
    """The revision before each domain's newest one (a domain whose only revision creates its tables apart):
    where a database of an earlier release stands."""
    script = ScriptDirectory.from_config(alembic_config(db.url))
    parents = [script.get_revision(str(script.get_revision(head).down_revision)) for head in script.get_heads()]
    return [p.revision for p in parents if p.down_revision is not None]  # not back to the empty database


def _counts(db: Database) -> dict[str, int]:
    present = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in load_all_models().sorted_tables if t.name in present}


def test_a_release_applied_over_the_demo_keeps_every_row_and_the_chain(demo_db: Database) -> None:
    with demo_db.session() as s:  # the demo issues no API tokens; a workspace in use has some
        for username in ("nl.analyst", "ng.officer"):
            accounts.issue_token(s, Principal.system(), accounts.get_user(s, username), "scanner")
    for parent in _parents_of_heads(demo_db):
        demo_db.downgrade(parent)  # on SQLite this rebuilds tables that other rows point at
    before = _counts(demo_db)  # the earlier release's database, with the demo's data
    assert before["link_upload"] and before["estimation_table"] and before["audit_entry"] and before["api_token"]
    demo_db.upgrade()
    after = _counts(demo_db)
    assert {t: after[t] for t in before} == before
    with demo_db.session() as s:
        uploads = s.scalars(select(LinkUpload.reference)).all()
        tables = s.scalars(select(CaptureTable.reference)).all()
        assert all(r.startswith("upl-") for r in uploads) and len(set(uploads)) == len(uploads)
        assert all(r.startswith("tbl-") for r in tables) and len(set(tables)) == len(tables)
        tokens = s.scalars(select(ApiToken.reference)).all()
        assert all(re.fullmatch(r"tok-[0-9a-f]{12}", r) for r in tokens) and len(set(tokens)) == len(tokens) == 2
        numbers: dict[int | None, list[int]] = {}
        for org, n in s.execute(select(AuditEntry.organisation_id, AuditEntry.org_seq).order_by(AuditEntry.seq)):
            numbers.setdefault(org, []).append(n)
        assert all(ns == list(range(1, len(ns) + 1)) for ns in numbers.values())  # in chain order, per organisation
        result = audit.verify(s, Principal.system())
    assert result.entries == before["audit_entry"]


def test_a_migration_that_would_leave_a_dangling_reference_changes_nothing(sqlite_db: Database) -> None:
    """With SQLite's foreign-key check off while tables are rebuilt, the whole database is checked before the
    upgrade commits: a row pointing at nothing (here planted beforehand) stops it, and the schema stays put."""
    for parent in _parents_of_heads(sqlite_db):
        sqlite_db.downgrade(parent)
    raw = sqlite3.connect(str(sqlite_db.engine.url.database))
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("INSERT INTO xchg_agreement_party (agreement_id, organisation_id) VALUES (999, 999)")
    raw.commit()
    before = set(r for (r,) in raw.execute("SELECT version_num FROM alembic_version"))
    raw.close()
    with pytest.raises(Conflict, match="xchg_agreement_party"):
        sqlite_db.upgrade()
    with sqlite_db.engine.connect() as conn:
        assert set(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()) == before
        assert "reference" not in {c["name"] for c in inspect(conn).get_columns("api_token")}  # core's newest, undone

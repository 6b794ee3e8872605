"""Backup and restore: every table round-trips, across backends, while writers keep writing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from palermo.auth import accounts, audit
from palermo.auth.roles import Principal
from palermo.cli import app
from palermo.db import Database
from palermo.db.backup import backup, restore
from palermo.db.registry import load_all_models
from palermo.errors import Conflict, ValidationError
from tests.web.conftest import two_org_world


def _dump(db: Database) -> dict[str, list[tuple]]:
    out = {}
    with db.engine.connect() as conn:
        for table in load_all_models().sorted_tables:
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def test_round_trip_compares_every_table_and_audit_verifies(db: Database, tmp_path: Path) -> None:
    two_org_world(db)
    file = tmp_path / "b.zip"
    manifest = backup(db, file)
    assert manifest["tables"]["user_account"]["rows"] == 9
    target = Database(f"sqlite:///{tmp_path / 'restored.db'}")
    counts = restore(target, file)
    assert counts["audit_entry"] == manifest["tables"]["audit_entry"]["rows"] > 0
    assert _dump(target) == _dump(db)
    with target.session(write=False) as s:
        assert audit.verify(s, Principal.system()).entries == counts["audit_entry"]
    # the restored database keeps working: new ids continue after the restored ones
    with target.session() as s:
        user = accounts.create_user(s, Principal.system(), username="after", password="x" * 12, organisation="A",
                                    roles="viewer")
        assert user.id > 9
    with target.session(write=False) as s:
        audit.verify(s, Principal.system())


def test_restore_into_postgresql_continues_sequences(db: Database, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A backup restored into the other backend (SQLite ⇄ PostgreSQL) is identical and writable."""
    source = Database(f"sqlite:///{tmp_path / 'src.db'}")
    source.upgrade()
    two_org_world(source)
    file = tmp_path / "b.zip"
    backup(source, file)
    restore(db, file)
    assert _dump(db) == _dump(source)
    with db.session() as s:
        accounts.create_organisation(s, Principal.system(), name="New", short_name="NEW", org_type="ngo")
    with db.session(write=False) as s:
        assert audit.verify(s, Principal.system()).entries == len(_dump(source)["audit_entry"]) + 1


def test_restore_refuses_non_empty_target_and_corrupt_files(db: Database, tmp_path: Path) -> None:
    two_org_world(db)
    file = tmp_path / "b.zip"
    backup(db, file)
    with pytest.raises(Conflict, match="already holds data"):
        restore(db, file)
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    target = Database(f"sqlite:///{tmp_path / 't.db'}")
    with pytest.raises(ValidationError, match="not a Palermo backup"):
        restore(target, bad)


def test_backup_while_writers_write_is_consistent(db: Database, tmp_path: Path) -> None:
    two_org_world(db)
    stop = threading.Event()

    def writer() -> None:
        actor = Principal(1, "busy", 1, frozenset({"analyst"}))
        while not stop.is_set():
            with db.session() as s:
                audit.record(s, actor, "busy.write", "thing", 1)

    t = threading.Thread(target=writer)
    t.start()
    try:
        files = []
        for i in range(3):
            f = tmp_path / f"b{i}.zip"
            backup(db, f)
            files.append(f)
    finally:
        stop.set()
        t.join()
    for i, f in enumerate(files):
        target = Database(f"sqlite:///{tmp_path / f'r{i}.db'}")
        restore(target, f)
        with target.session(write=False) as s:
            audit.verify(s, Principal.system())  # a torn snapshot would break the chain or the head


def test_cli_backup_and_restore(sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    two_org_world(sqlite_db)
    runner = CliRunner()
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_db.url)
    out = tmp_path / "cli.zip"
    r = runner.invoke(app, ["backup", "-o", str(out)])
    assert r.exit_code == 0 and "Backup written" in r.output
    monkeypatch.setenv("PALERMO_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    r = runner.invoke(app, ["restore", str(out)])
    assert r.exit_code == 0 and "audit chain intact" in r.output
    r = runner.invoke(app, ["restore", str(out)])
    assert r.exit_code == 1 and "already holds data" in r.output

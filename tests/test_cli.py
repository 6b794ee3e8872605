"""The core CLI: every command has help; errors are one clear line with a non-zero exit; audit verify names tampering."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from palermo.auth.models import AuditEntry
from palermo.cli import app
from palermo.db import Database

runner = CliRunner()


@pytest.fixture
def env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("PALERMO_DATABASE_URL", db.url)
    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path / "data"))
    return db


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_help_lists_every_group() -> None:
    code, out = run("--help")
    assert code == 0
    for cmd in ("init", "serve", "demo", "db", "users", "orgs", "audit", "stats", "link", "exchange", "coord", "identify"):
        assert cmd in out


def test_orgs_users_and_audit_verify(env: Database) -> None:
    assert run("orgs", "add", "NL-POL", "--name", "Dutch police", "--type", "police", "--country", "NLD")[0] == 0
    code, out = run("users", "add", "anna", "--org", "NL-POL", "--roles", "analyst", "--password", "long-password")
    assert code == 0 and "anna added" in out
    code, out = run("users", "add", "anna", "--org", "NL-POL", "--roles", "analyst", "--password", "long-password")
    assert code == 1 and "already exists" in out and "Traceback" not in out
    code, out = run("users", "add", "bob", "--org", "XX", "--password", "long-password")
    assert code == 1 and "no organisation 'XX'" in out
    code, out = run("orgs", "add", "X", "--name", "X", "--type", "police", "--country", "Inglaterra")
    assert code == 1 and "Inglaterra" in out and "ISO 3166" in out
    code, out = run("audit", "verify")
    assert code == 0 and "intact: 2 entries" in out
    with env.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(details='{"username": "mallory"}'))
    code, out = run("audit", "verify")
    assert code == 1 and "#2" in out and "altered" in out


def test_bad_database_urls_give_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALERMO_DATABASE_URL", "mysql://x@y/z")
    code, out = run("init")
    assert code == 1 and "not supported" in out and "Traceback" not in out
    monkeypatch.setenv("PALERMO_DATABASE_URL", "not a url")
    code, out = run("init")
    assert code == 1 and "cannot be parsed" in out
    monkeypatch.setenv("PALERMO_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    code, out = run("orgs", "list")
    assert code == 1 and "cannot connect to the database" in out and "PALERMO_DATABASE_URL" in out


def test_uninitialised_database_says_run_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALERMO_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    code, out = run("orgs", "list")
    assert code == 1 and "palermo init" in out
    assert run("init")[0] == 0
    assert run("orgs", "list")[0] == 0

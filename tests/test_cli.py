"""The core CLI: every command has help; errors are one clear line with a non-zero exit; audit verify names tampering."""

from __future__ import annotations

import json
import re
from datetime import timedelta
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


def test_a_huge_value_is_named_not_echoed_whole(env: Database) -> None:
    """`orgs add --country` with 5,000 characters printed them twice (in the message and in the problem): the
    message names the value by its start and length and still says what is wrong."""
    code, out = run("orgs", "add", "X", "--name", "X", "--type", "police", "--country", "A" * 5000)
    assert code == 1 and "ISO 3166" in out and "AAAA" in out and "5000 characters" in out
    assert len(out) < 800, len(out)
    code, out = run("users", "add", "u" * 3000, "--org", "NOPE", "--password", "long-password")
    assert code == 1 and len(out) < 800, len(out)


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


def test_tokens_are_listed_and_revoked_users_deactivated_and_unlocked(env: Database) -> None:
    # Probe 5: tokens could not be revoked nor users deactivated from the CLI.
    from palermo.auth import accounts, throttle
    from palermo.errors import AuthenticationFailed, RateLimited

    assert run("orgs", "add", "NL-POL", "--name", "Dutch police", "--type", "police", "--country", "NLD")[0] == 0
    assert run("users", "add", "anna", "--org", "NL-POL", "--roles", "analyst", "--password", "long-password")[0] == 0
    code, token = run("users", "token", "anna", "--name", "scanner")
    assert code == 0
    code, out = run("users", "tokens", "anna", "--json")
    listed = json.loads(out)
    assert code == 0 and [t["name"] for t in listed] == ["scanner"] and token.strip() not in out
    code, out = run("users", "revoke-token", listed[0]["reference"])
    assert code == 0 and "revoked" in out
    with env.session(write=False) as s, pytest.raises(accounts.TokenRefused):
        accounts.user_for_token(s, token.strip())
    assert re.fullmatch(r"tok-[0-9a-f]{12}", listed[0]["reference"]) and "id" not in listed[0]
    code, out = run("users", "revoke-token", listed[0]["reference"])
    assert code == 1 and f"API token {listed[0]['reference']} is already revoked" in out
    code, out = run("users", "revoke-token", "tok-000000000000")
    assert code == 1 and "no API token tok-000000000000" in out and "Traceback" not in out
    limits = throttle.Limits(1, 50, timedelta(minutes=5), "key")
    with pytest.raises(AuthenticationFailed):
        throttle.login(env, "anna", "wrong-password", "192.0.2.1", limits)
    with pytest.raises(RateLimited):
        throttle.login(env, "anna", "long-password", "192.0.2.1", limits)
    code, out = run("users", "unlock", "anna")
    assert code == 0 and "lifted" in out
    assert throttle.login(env, "anna", "long-password", "192.0.2.1", limits).principal.username == "anna"
    code, out = run("users", "password", "anna", "--password", "short")
    assert code == 1 and "at least 10" in out
    assert run("users", "password", "anna", "--password", "another-long-one")[0] == 0
    assert run("users", "logout", "anna")[0] == 0
    code, out = run("users", "deactivate", "anna")
    assert code == 0 and "deactivated" in out
    with env.session(write=False) as s:
        assert accounts.get_user(s, "anna").active is False


def test_audit_list_filters_by_action_and_date(env: Database) -> None:
    assert run("orgs", "add", "NL-POL", "--name", "Dutch police", "--type", "police", "--country", "NLD")[0] == 0
    assert run("users", "add", "anna", "--org", "NL-POL", "--roles", "analyst", "--password", "long-password")[0] == 0
    code, out = run("audit", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["action"] for r in rows] == ["user.create", "organisation.create"]
    code, out = run("audit", "list", "--action", "user.create", "--json")
    assert [r["details"]["username"] for r in json.loads(out)] == ["anna"]
    code, out = run("audit", "list", "--action", "organisation.")
    assert code == 0 and "organisation.create" in out and "user.create" not in out
    assert json.loads(run("audit", "list", "--since", "2999-01-01", "--json")[1]) == []
    assert len(json.loads(run("audit", "list", "--since", "2000-01-01", "--json")[1])) == 2
    code, out = run("audit", "list", "--since", "yesterday")
    assert code == 1 and "YYYY-MM-DD" in out and "Traceback" not in out

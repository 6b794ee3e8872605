"""Login throttling in the database: one counter per normalised account and per client, for every process."""

from __future__ import annotations

from datetime import timedelta

import pytest

from palermo.auth import accounts, audit, throttle
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import AuthenticationFailed, NotFound, PermissionDenied, RateLimited
from tests.web.conftest import PASSWORD, two_org_world

LIMITS = throttle.Limits(per_account=3, per_client=50, lockout=timedelta(minutes=15), key="k" * 32)


@pytest.fixture
def world(db: Database) -> Database:
    two_org_world(db)
    return db


def _fail(db: Database, username: str, client: str = "192.0.2.1") -> None:
    with pytest.raises(AuthenticationFailed):
        throttle.login(db, username, "not-the-password", client, LIMITS)


def test_variants_of_one_username_share_a_counter_and_lock_the_account(world: Database) -> None:
    # Probe 1: case, surrounding spaces and full-width letters all reach the same account.
    for variant in ("a-admin", " a-admin", "A-ADMIN  ", "ａ-admin"):
        assert accounts.normalise_username(variant) == "a-admin"
    for variant in ("a-admin", " a-admin", "A-ADMIN  "):
        _fail(world, variant, client=f"192.0.2.{len(variant)}")
    with pytest.raises(RateLimited, match="locked"):
        throttle.login(world, "ａ-admin", PASSWORD, "198.51.100.7", LIMITS)  # right password, other client
    with world.session(write=False) as s:
        actions = [e.action for e in audit.entries(s, Principal.system(), action="session.")]
        details = [e.details for e in audit.entries(s, Principal.system(), action="session.login_failed")]
    assert actions.count("session.login_failed") == 3 and actions[0] == "session.login_throttled"
    assert all("not-the-password" not in d and "192.0.2" not in d and "a-admin" not in d.lower() for d in details)


def test_counters_are_shared_by_server_processes(world: Database) -> None:
    other_process = Database(world.url)  # its own engine and connection pool, as a second uvicorn worker has
    _fail(world, "b-admin")
    _fail(other_process, "b-admin")
    _fail(world, "b-admin")
    with pytest.raises(RateLimited):
        throttle.login(other_process, "b-admin", PASSWORD, "192.0.2.1", LIMITS)


def test_one_client_trying_many_accounts_is_throttled(world: Database) -> None:
    limits = throttle.Limits(per_account=100, per_client=4, lockout=timedelta(minutes=15), key="k" * 32)
    for name in ("a-admin", "a-analyst", "b-admin", "nobody-at-all"):
        with pytest.raises(AuthenticationFailed):
            throttle.login(world, name, "wrong-wrong-wrong", "203.0.113.9", limits)
    with pytest.raises(RateLimited, match="address"):
        throttle.login(world, "b-viewer", PASSWORD, "203.0.113.9", limits)
    assert throttle.login(world, "b-viewer", PASSWORD, "203.0.113.10", limits).principal.username == "b-viewer"


def test_an_admin_lifts_a_lockout_only_in_their_organisation(world: Database) -> None:
    for _ in range(3):
        _fail(world, "a-analyst")
    with world.session() as s:
        b_admin = accounts.principal_for(accounts.get_user(s, "b-admin"))
        with pytest.raises(NotFound):
            throttle.lift(s, b_admin, accounts.get_user(s, "a-analyst"))
        a_viewer = accounts.principal_for(accounts.get_user(s, "a-viewer"))
        with pytest.raises(PermissionDenied):
            throttle.lift(s, a_viewer, accounts.get_user(s, "a-analyst"))
    with world.session() as s:
        a_admin = accounts.principal_for(accounts.get_user(s, "a-admin"))
        assert [lock.user_id for lock in throttle.lockouts(s, a_admin)] == [accounts.get_user(s, "a-analyst").id]
        assert throttle.lift(s, a_admin, accounts.get_user(s, "a-analyst")) == 1
    assert throttle.login(world, "a-analyst", PASSWORD, "192.0.2.1", LIMITS).principal.username == "a-analyst"

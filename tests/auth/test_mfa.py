"""The second factor in the core: who must have one, enrolment, replay protection, recovery codes, throttling."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from palermo.auth import accounts, audit, mfa, throttle
from palermo.auth.models import RecoveryCode, TotpCredential
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, RateLimited
from tests.web.conftest import PASSWORD, two_org_world

KEY = "deployment-key-" + "k" * 32
T0 = 1_800_000_000.0  # a fixed clock: step T0 // 30
LIMITS = throttle.Limits(per_account=3, per_client=50, lockout=timedelta(minutes=15), key=KEY)


@pytest.fixture
def world(db: Database) -> Database:
    two_org_world(db)
    return db


def _enrol(db: Database, username: str, at: float = T0) -> tuple[str, list[str]]:
    with db.session() as s:
        user = accounts.get_user(s, username)
        secret = mfa.start_enrolment(s, user, KEY).secret
        codes = mfa.confirm_enrolment(s, accounts.principal_for(user), user, pyotp.TOTP(secret).at(at), KEY, now=at)
    return secret, codes


def _verify(db: Database, username: str, code: str, at: float = T0) -> str:
    with db.session() as s:
        return mfa.verify(s, accounts.get_user(s, username), code, KEY, now=at)


@pytest.mark.parametrize(("roles", "needed"), [({"admin"}, True), ({"data_owner", "analyst"}, True),
                                               ({"analyst"}, False), ({"officer", "viewer"}, False)])
def test_admins_and_data_owners_must_have_a_second_factor(roles: set[str], needed: bool) -> None:
    assert mfa.required(frozenset(roles)) is needed


def test_what_a_login_needs_after_the_password(world: Database) -> None:
    with world.session(write=False) as s:
        assert mfa.next_step(s, accounts.get_user(s, "a-admin")) == "enrol"
        assert mfa.next_step(s, accounts.get_user(s, "a-analyst")) == "none"
    _enrol(world, "a-analyst")  # optional, but once set up every login asks for it
    with world.session(write=False) as s:
        assert mfa.next_step(s, accounts.get_user(s, "a-analyst")) == "verify"
    assert throttle.login(world, "a-admin", PASSWORD, "192.0.2.1", LIMITS).second_factor == "enrol"
    assert throttle.login(world, "a-analyst", PASSWORD, "192.0.2.1", LIMITS).second_factor == "verify"
    assert throttle.login(world, "a-officer", PASSWORD, "192.0.2.1", LIMITS).second_factor == "none"


def test_enrolment_is_confirmed_by_a_first_code_and_audited_without_secrets(world: Database) -> None:
    with world.session() as s:
        user = accounts.get_user(s, "a-admin")
        first = mfa.start_enrolment(s, user, KEY)
        assert mfa.start_enrolment(s, user, KEY).secret == first.secret  # a reloaded page shows the same key
        assert first.uri.startswith("otpauth://totp/Palermo:a-admin?secret=") and "issuer=Palermo" in first.uri
        with pytest.raises(AuthenticationFailed, match="not right"):
            mfa.confirm_enrolment(s, accounts.principal_for(user), user, "000000", KEY, now=T0)
        assert not mfa.is_enrolled(s, user)
        codes = mfa.confirm_enrolment(s, accounts.principal_for(user), user, pyotp.TOTP(first.secret).at(T0), KEY, now=T0)
        assert mfa.is_enrolled(s, user) and len(set(codes)) == mfa.RECOVERY_CODES
        with pytest.raises(Conflict, match="already set up"):
            mfa.start_enrolment(s, user, KEY)
        stored = s.execute(select(TotpCredential)).scalar_one()
        hashes = [r.code_hash for r in s.execute(select(RecoveryCode)).scalars()]
        entries = audit.entries(s, Principal.system(), action="mfa.")
    # Neither the secret nor a recovery code is kept in the clear, nor written to the audit trail.
    assert first.secret not in stored.secret and not any(c.replace("-", "") in h for c in codes for h in hashes)
    assert [e.action for e in entries] == ["mfa.enrol"]
    assert first.secret not in entries[0].details and not any(c in entries[0].details for c in codes)


def test_a_code_is_accepted_once_and_only_within_a_step_of_the_clock(world: Database) -> None:
    secret, _ = _enrol(world, "a-admin", at=T0)  # the enrolment used the step of T0
    totp = pyotp.TOTP(secret)
    with pytest.raises(AuthenticationFailed):
        _verify(world, "a-admin", totp.at(T0), at=T0)  # replayed: the same step again
    assert _verify(world, "a-admin", totp.at(T0 + 30), at=T0) == "totp"  # the next step: clock drift allowed
    with pytest.raises(AuthenticationFailed):
        _verify(world, "a-admin", totp.at(T0 + 30), at=T0 + 30)  # replayed, even in its own step
    with pytest.raises(AuthenticationFailed):
        _verify(world, "a-admin", totp.at(T0 + 30 * 5), at=T0 + 30)  # too far ahead of the clock
    with pytest.raises(AuthenticationFailed):
        _verify(world, "a-admin", totp.at(T0 + 60), at=T0 + 30 * 4)  # too old
    assert _verify(world, "a-admin", totp.at(T0 + 30 * 4), at=T0 + 30 * 4) == "totp"


def test_the_secret_is_encrypted_with_the_deployments_key(world: Database) -> None:
    secret, _ = _enrol(world, "a-admin")
    with world.session() as s:
        with pytest.raises(AuthenticationFailed):  # a copy of the database without the key opens nothing
            mfa.verify(s, accounts.get_user(s, "a-admin"), pyotp.TOTP(secret).at(T0 + 30), "another-key", now=T0 + 30)


def test_recovery_codes_work_once_each_and_their_use_is_audited(world: Database) -> None:
    _, codes = _enrol(world, "a-admin")
    assert _verify(world, "a-admin", codes[3].upper().replace("-", " "), at=T0 + 300) == "recovery"  # as typed from paper
    with pytest.raises(AuthenticationFailed):
        _verify(world, "a-admin", codes[3], at=T0 + 330)
    with world.session(write=False) as s:
        assert mfa.recovery_codes_left(s, accounts.get_user(s, "a-admin")) == mfa.RECOVERY_CODES - 1
        used = audit.entries(s, Principal.system(), action="mfa.recovery_used")
    assert len(used) == 1 and json.loads(used[0].details)["recovery_codes_left"] == mfa.RECOVERY_CODES - 1
    with world.session() as s:
        user = accounts.get_user(s, "a-admin")
        renewed = mfa.new_recovery_codes(s, accounts.principal_for(user), user, codes[0], KEY, now=T0 + 400)
    with pytest.raises(AuthenticationFailed):
        _verify(world, "a-admin", codes[1], at=T0 + 500)  # the old set stopped working
    assert _verify(world, "a-admin", renewed[0], at=T0 + 500) == "recovery"


def test_only_optional_factors_can_be_turned_off_and_admins_reset_them(world: Database) -> None:
    admin_secret, _ = _enrol(world, "a-admin")
    analyst_secret, _ = _enrol(world, "a-analyst")
    with world.session() as s:
        admin = accounts.get_user(s, "a-admin")
        with pytest.raises(PermissionDenied, match="requires a second factor"):
            mfa.disable(s, accounts.principal_for(admin), admin, pyotp.TOTP(admin_secret).at(T0 + 30), KEY, now=T0 + 30)
        analyst = accounts.get_user(s, "a-analyst")
        with pytest.raises(PermissionDenied, match="only the account's owner"):
            mfa.disable(s, accounts.principal_for(admin), analyst, "123456", KEY, now=T0 + 30)
        mfa.disable(s, accounts.principal_for(analyst), analyst, pyotp.TOTP(analyst_secret).at(T0 + 30), KEY, now=T0 + 30)
        assert mfa.next_step(s, analyst) == "none"
    with world.session() as s:  # lost phone: the other organisation's admin cannot even see the account
        with pytest.raises(NotFound):
            mfa.reset(s, accounts.principal_for(accounts.get_user(s, "b-admin")), accounts.get_user(s, "a-admin"))
    with world.session() as s:
        admin, version = accounts.get_user(s, "a-admin"), accounts.get_user(s, "a-admin").session_version
        assert mfa.reset(s, accounts.principal_for(accounts.get_user(s, "hub-admin")), admin) is True
        assert mfa.next_step(s, admin) == "enrol" and admin.session_version == version + 1  # its sessions end
        actions = [e.action for e in audit.entries(s, Principal.system(), action="mfa.")]
    assert sorted(actions) == ["mfa.disable", "mfa.enrol", "mfa.enrol", "mfa.reset"]


def test_wrong_codes_count_as_failed_logins_and_lock_the_account(world: Database) -> None:
    secret, _ = _enrol(world, "a-admin", at=T0 - 600)
    done = throttle.login(world, "a-admin", PASSWORD, "192.0.2.1", LIMITS)
    username, version = done.principal.username, done.session_version

    def check(code: str):  # type: ignore[no-untyped-def]
        return throttle.second_factor(world, username, version, "192.0.2.1", LIMITS,
                                      lambda s, user: mfa.verify(s, user, code, KEY))
    for _ in range(LIMITS.per_account):
        with pytest.raises(AuthenticationFailed):
            check("000000")
    with pytest.raises(RateLimited, match="locked"):  # even the right code, once locked
        check(pyotp.TOTP(secret).now())
    with world.session(write=False) as s:
        failed = audit.entries(s, Principal.system(), action="session.mfa_failed")
        throttled = audit.entries(s, Principal.system(), action="session.login_throttled")
    assert len(failed) == LIMITS.per_account and len(throttled) == 1
    assert all("000000" not in e.details for e in failed)

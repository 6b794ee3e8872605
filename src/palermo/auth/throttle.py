"""Logging in, throttled: failed logins counted per account and per client in the database.

The counters live in the database, so every server process sees the same ones. The account is the
normalised username (:func:`palermo.auth.accounts.normalise_username`: the text login itself looks up),
so ``ES.Officer``, `` es.officer`` and a full-width variant share one counter. Too many failures lock
the account for a while; an admin can lift the lock-out earlier (:func:`lift`). Accounts and clients
are stored as keyed digests only: a username field often receives a mistyped password.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session

from palermo.auth import accounts, audit, mfa
from palermo.auth.models import LoginFailure, LoginLockout, User
from palermo.auth.passwords import DUMMY_HASH, verify_password
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import AuthenticationFailed, RateLimited
from palermo.messages import N_

if TYPE_CHECKING:
    from palermo.db import Database

WINDOW = timedelta(seconds=60)
T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """The deployment's login limits (from settings) and the key its digests are made with."""

    per_account: int
    per_client: int
    lockout: timedelta
    key: str


def digest(text: str, key: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def _refused_actor(user: User | None) -> Principal:
    """Who an audit entry of a refused login names: nobody yet, in the organisation of the account tried."""
    anon = Principal.anonymous()
    return Principal(None, anon.username, user.organisation_id if user else None, frozenset(), False, True)


def _find(session: Session, account: str) -> User | None:
    return session.execute(select(User).where(func.lower(User.username) == account)).scalar_one_or_none()


def _count(session: Session, column: QueryableAttribute[str], value: str) -> int:
    since = utcnow() - WINDOW
    return int(session.execute(select(func.count()).select_from(LoginFailure)
                               .where(column == value, LoginFailure.at > since)).scalar() or 0)


def refusal(session: Session, account: str, client: str, limits: Limits) -> str | None:
    """Why a login for ``account`` from ``client`` is refused before its password is checked, or None."""
    acc, cli = digest(account, limits.key), digest(client, limits.key)
    lock = session.execute(select(LoginLockout).where(LoginLockout.account == acc)).scalar_one_or_none()
    if lock is not None and lock.until > utcnow():
        minutes = max(1, int((lock.until - utcnow()).total_seconds() // 60) + 1)
        return N_("too many failed logins for this account; it is locked for {minutes} more minute(s), or until an admin "
                  "lifts the lock-out", minutes=minutes)
    if _count(session, LoginFailure.client, cli) >= limits.per_client:
        return N_("too many failed logins from this address; try again in a minute")
    if _count(session, LoginFailure.account, acc) >= limits.per_account:
        return N_("too many failed logins for this account; try again in a minute")
    return None


def record_failure(session: Session, account: str, client: str, user: User | None, limits: Limits) -> bool:
    """Count one failed login; lock the account once it reaches the limit. True if it is now locked."""
    acc, cli = digest(account, limits.key), digest(client, limits.key)
    now = utcnow()
    # Old failures no longer count; removing them keeps the table as small as the window.
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
    session.add(LoginFailure(account=acc, client=cli, user_id=user.id if user else None, at=now))
    session.flush()
    if _count(session, LoginFailure.account, acc) < limits.per_account:
        return False
    lock = session.execute(select(LoginLockout).where(LoginLockout.account == acc).with_for_update()).scalar_one_or_none()
    if lock is None:
        try:
            with session.begin_nested():  # another process may lock the same account at the same moment
                session.add(LoginLockout(account=acc, user_id=user.id if user else None, until=now + limits.lockout))
                session.flush()
        except IntegrityError:
            lock = session.execute(select(LoginLockout).where(LoginLockout.account == acc)).scalar_one()
    if lock is not None:
        lock.until = now + limits.lockout
    return True


@dataclass(frozen=True)
class LoggedIn:
    principal: Principal
    session_version: int  # the new web session carries it; see palermo.auth.models.User.session_version
    second_factor: mfa.NextStep = "none"  # what the login still needs before a session (palermo.auth.mfa)


def login(db: Database, username: str, password: str, client: str, limits: Limits) -> LoggedIn:
    """Authenticate a web login: refused (429) while throttled, every refusal audited without the text typed.

    The password check (argon2, slow on purpose) runs in a read transaction, so it never holds SQLite's
    write lock; failures and audit entries are written afterwards in short transactions of their own.
    """
    account = accounts.normalise_username(username)
    client_ref = digest(client, limits.key)[:16]
    with db.session(write=False) as s:
        why = refusal(s, account, client, limits)
        user = _find(s, account) if why else None
        org = user.organisation_id if user else None
    if why:
        with db.session() as s:
            audit.record(s, _refused_actor(user), "session.login_throttled", "user", user.username if user else "-",
                         details={"reason": why, "client": client_ref, "org": org})
        raise RateLimited(why)
    with db.session(write=False) as s:
        user = _find(s, account)
        if user is None:
            verify_password(DUMMY_HASH, password)  # the same time for unknown accounts
            reason = "unknown account"
        elif not verify_password(user.password_hash, password):
            reason = "wrong password"
        elif not user.active:
            reason = "account deactivated"
        else:
            return LoggedIn(accounts.principal_for(user), user.session_version or 0, mfa.next_step(s, user))
    with db.session() as s:
        target = s.get(User, user.id) if user else None
        locked = record_failure(s, account, client, target, limits)
        audit.record(s, _refused_actor(target), "session.login_failed", "user", target.username if target else "-",
                     details={"reason": reason, "client": client_ref, "locked": locked})
    raise AuthenticationFailed(N_("wrong username or password"))


def second_factor(db: Database, username: str, session_version: int, client: str, limits: Limits,
                  check: Callable[[Session, User], T]) -> tuple[LoggedIn, T]:
    """Run a second-factor check after the password (a code at login, or an enrolment's first code).

    Throttled like the password: a wrong code counts as a failed login of the account, and a locked
    account is refused before any code is checked. ``check`` raises AuthenticationFailed for a wrong
    code; whatever it returns comes back with the login."""
    with db.session(write=False) as s:
        user = accounts.find_user(s, username)
        if user is None or not user.active or (user.session_version or 0) != session_version:
            raise AuthenticationFailed(N_("this login is no longer valid; log in again with your password"))
        user_id = user.id
        account = accounts.normalise_username(user.username)
        why = refusal(s, account, client, limits)
        org = user.organisation_id
    client_ref = digest(client, limits.key)[:16]
    if why:
        with db.session() as s:
            throttled = s.get(User, user_id)
            audit.record(s, _refused_actor(throttled), "session.login_throttled", "user",
                         throttled.username if throttled else "-",
                         details={"reason": why, "client": client_ref, "org": org, "step": "second factor"})
        raise RateLimited(why)
    try:
        with db.session() as s:
            user = s.get(User, user_id)
            if user is None:  # checked above; accounts are deactivated, never deleted
                raise AuthenticationFailed(N_("this login is no longer valid; log in again with your password"))
            result = check(s, user)
            return LoggedIn(accounts.principal_for(user), user.session_version or 0), result
    except AuthenticationFailed:
        with db.session() as s:
            target = s.get(User, user_id)
            locked = record_failure(s, account, client, target, limits)
            audit.record(s, _refused_actor(target), "session.mfa_failed", "user", target.username if target else "-",
                         details={"reason": "wrong second-factor code", "client": client_ref, "locked": locked})
        raise


def succeeded(db: Database, principal: Principal, limits: Limits, client: str, *, second_factor: str | None = None,
              method: str = "password") -> None:
    """A successful login clears its account's failures and is audited (with how it was proven)."""
    with db.session() as s:
        user = s.get(User, principal.user_id)
        if user is not None:
            account = digest(accounts.normalise_username(user.username), limits.key)
            s.execute(delete(LoginFailure).where(LoginFailure.account == account))
        details = {"client": digest(client, limits.key)[:16], "method": method}
        if second_factor:
            details["second_factor"] = second_factor
        audit.record(s, principal, "session.login", "user", principal.username, details=details)


def lockouts(session: Session, principal: Principal) -> list[LoginLockout]:
    """Accounts locked right now that ``principal`` may unlock (its organisation's; all for the hub operator)."""
    q = select(LoginLockout).join(User, LoginLockout.user_id == User.id).where(LoginLockout.until > utcnow())
    if not (principal.is_system or principal.is_operator):
        q = q.where(User.organisation_id == principal.organisation_id)
    return list(session.execute(q).scalars())


def lift(session: Session, principal: Principal, user: User) -> int:
    """Lift the lock-out of ``user`` and forget its failed logins; returns how many lock-outs were lifted."""
    accounts.require_user_admin(principal, user, N_("lift the login lock-out of"))
    lifted = cast(CursorResult[Any], session.execute(delete(LoginLockout).where(LoginLockout.user_id == user.id))).rowcount
    session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
    audit.record(session, principal, "user.unlock", "user", user.username, details={"username": user.username, "lifted": lifted})
    return int(lifted or 0)

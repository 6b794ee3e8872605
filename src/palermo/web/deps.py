"""Request dependencies shared by every router: database session, the acting principal, CSRF."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session

from palermo.auth import accounts, mfa
from palermo.auth.models import User
from palermo.auth.roles import Principal
from palermo.auth.throttle import Limits
from palermo.db import Database
from palermo.errors import AuthenticationFailed
from palermo.messages import N_
from palermo.settings import Settings
from palermo.web.access import enforce
from palermo.web.security import check_csrf, client_address


class LoginRequired(AuthenticationFailed):
    """Raised on pages (not the API) so the handler can redirect to the login form."""


def get_database(request: Request) -> Database:
    return request.app.state.db


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def db_session(request: Request) -> Iterator[Session]:
    """A unit of work per request: commits on success, rolls back on any error.

    Safe methods get a read-only transaction (on SQLite: no lock, so readers never queue behind
    writers); every other method a writer's. A GET that writes (an audited read of personal data)
    declares :func:`db_write_session` instead.
    """
    with get_database(request).session(write=request.method not in SAFE_METHODS) as s:
        yield s


def db_write_session(request: Request) -> Iterator[Session]:
    """A writer's transaction whatever the method: for pages whose reading is itself audited."""
    with get_database(request).session(write=True) as s:
        yield s


def session_account(request: Request, s: Session) -> User | None:
    """The account a session cookie names, by username: the cookie is signed, not encrypted, and a user id in it
    would tell its holder how many accounts every organisation had opened before theirs."""
    username = request.session.get("user") if "session" in request.scope else None
    return accounts.find_user(s, username) if isinstance(username, str) else None


def _session_user(request: Request, s: Session) -> User | None:
    if request.session.get("user") is None:
        return None
    max_age = get_settings(request).session_max_age
    if time.time() - float(request.session.get("login_at", 0)) > max_age:
        request.session.clear()
        return None
    user = session_account(request, s)
    # The session's version must still be the user's: logout, a new password, deactivation and
    # "log out everywhere" move it on, so a cookie saved before them opens nothing.
    if user is None or not user.active or request.session.get("sv") != user.session_version:
        request.session.clear()
        return None
    if not mfa.session_allowed(user, request.session.get("mfa")):  # e.g. given the admin role since
        request.session.clear()
        return None
    return user


def page_principal(request: Request, s: Session = Depends(db_session)) -> Principal:
    """The logged-in user of a web page; redirects to /login otherwise."""
    user = _session_user(request, s)
    if user is None:
        raise LoginRequired(N_("please log in"))
    principal = accounts.principal_for(user)
    request.state.principal = principal
    request.state.user = user
    # Read now: error pages render after the request's session has closed.
    request.state.org_short = user.organisation.short_name
    enforce(request, principal)  # the route's declared action, decided by the rules table
    return principal


def api_principal(request: Request, s: Session = Depends(db_session)) -> Principal:
    """API caller: a Bearer token, or the browser session (unsafe methods then need X-CSRF-Token)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = accounts.user_for_token(s, header[7:].strip())
        request.state.principal = accounts.principal_for(user)
    else:
        found = _session_user(request, s)
        if found is None:
            raise AuthenticationFailed(N_("authentication required: send 'Authorization: Bearer <token>' or log in"))
        user = found
        request.state.principal = accounts.principal_for(user)  # so a refused CSRF check is audited under its user
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            check_csrf(request, request.headers.get("x-csrf-token"))
    principal: Principal = request.state.principal
    enforce(request, principal)  # the route's declared action, decided by the rules table
    return principal


def csrf_form(request: Request, csrf_token: str = Form("", alias="csrf_token")) -> None:
    """Dependency for every HTML form post."""
    check_csrf(request, csrf_token)


def visitor_principal(request: Request, s: Session = Depends(db_session)) -> Principal:
    """Whoever reads a public output: a Bearer token's or the browser session's user, else an anonymous
    visitor (never a login redirect). A wrong token is still refused."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user: User | None = accounts.user_for_token(s, header[7:].strip())
    else:
        user = _session_user(request, s)
    principal = accounts.principal_for(user) if user is not None else Principal.anonymous()
    request.state.principal = principal
    if user is not None:
        request.state.user = user
        request.state.org_short = user.organisation.short_name
    enforce(request, principal)  # the route's declared action, decided by the rules table
    return principal


def start_session(request: Request, username: str, session_version: int, second_factor: str | None = None) -> None:
    """A fresh session for a user who just logged in (no fixation), tied to the user's session version.

    ``second_factor`` says how the login was confirmed beyond the password (``totp``, ``recovery``,
    ``idp``); accounts whose role requires one get no session without it (palermo.auth.mfa)."""
    request.session.clear()
    request.session.update({"user": username, "login_at": time.time(), "sv": session_version, "mfa": second_factor})


# A login whose password was accepted waits this long for its second factor (or enrolment).
PENDING_MAX_AGE = 600


@dataclass(frozen=True)
class PendingLogin:
    """A login past its password, waiting for the second factor (``verify``) or an enrolment (``enrol``)."""

    username: str
    session_version: int
    step: str
    next: str
    method: str  # how the first factor was proven: password or oidc


def start_pending(request: Request, username: str, session_version: int, step: str, next_url: str,
                  method: str = "password") -> None:
    """Remember a half-done login in a fresh session: it opens nothing but the second-factor pages."""
    request.session.clear()
    request.session["pending"] = {"user": username, "sv": session_version, "step": step, "next": next_url,
                                  "at": time.time(), "method": method}


def pending_login(request: Request) -> PendingLogin | None:
    data = request.session.get("pending") if "session" in request.scope else None
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_MAX_AGE:
        return None
    return PendingLogin(str(data["user"]), int(data["sv"]), str(data["step"]), str(data.get("next") or "/"),
                        str(data.get("method") or "password"))


def pending_page(pending: PendingLogin) -> str:
    return "/account/security" if pending.step == "enrol" else "/login/second-factor"


def _own_account(request: Request, allow_pending: bool) -> Principal:
    with get_database(request).session(write=False) as s:
        if request.session.get("user") is not None:
            return page_principal(request, s)
        pending = pending_login(request) if allow_pending else None
        user = accounts.find_user(s, pending.username) if pending is not None and pending.step == "enrol" else None
        if user is None or pending is None or not user.active or user.session_version != pending.session_version:
            raise LoginRequired(N_("please log in"))
        principal = accounts.principal_for(user)
    request.state.principal = principal
    request.state.pending = pending
    enforce(request, principal)
    return principal


def account_principal(request: Request) -> Principal:
    """The owner of the account security page: a logged-in user, or one whose role requires a second
    factor and who is setting it up right after the password (nothing else opens for them until then).

    Reads in a short transaction of its own: the routes behind it write in theirs (and, right after the
    password, through the login throttle)."""
    return _own_account(request, allow_pending=True)


def signed_in_principal(request: Request) -> Principal:
    """Like :func:`page_principal`, read in a short transaction of its own (for routes that check a
    code through the login throttle, which writes in transactions of its own)."""
    return _own_account(request, allow_pending=False)


def login_limits(request: Request) -> Limits:
    settings = get_settings(request)
    return Limits(settings.login_attempts_per_minute, settings.login_attempts_per_client_per_minute,
                  timedelta(minutes=settings.login_lockout_minutes), settings.resolved_secret_key)


def client_of(request: Request) -> str:
    """The client's address as the deployment declares it trustworthy (PALERMO_TRUSTED_PROXIES)."""
    return client_address(request, request.app.state.trusted_proxies)

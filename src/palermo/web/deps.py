"""Request dependencies shared by every router: database session, the acting principal, CSRF."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session

from palermo.auth import accounts
from palermo.auth.models import User
from palermo.auth.throttle import Limits
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import AuthenticationFailed
from palermo.settings import Settings
from palermo.web.access import enforce
from palermo.web.security import check_csrf, client_address


class LoginRequired(AuthenticationFailed):
    """Raised on pages (not the API) so the handler can redirect to the login form."""


def get_database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


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


def _session_user(request: Request, s: Session) -> User | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    max_age = get_settings(request).session_max_age
    if time.time() - float(request.session.get("login_at", 0)) > max_age:
        request.session.clear()
        return None
    user = s.get(User, int(uid))
    # The session's version must still be the user's: logout, a new password, deactivation and
    # "log out everywhere" move it on, so a cookie saved before them opens nothing.
    if user is None or not user.active or request.session.get("sv") != user.session_version:
        request.session.clear()
        return None
    return user


def page_principal(request: Request, s: Session = Depends(db_session)) -> Principal:
    """The logged-in user of a web page; redirects to /login otherwise."""
    user = _session_user(request, s)
    if user is None:
        raise LoginRequired("please log in")
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
            raise AuthenticationFailed("authentication required: send 'Authorization: Bearer <token>' or log in")
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


def start_session(request: Request, user_id: int | None, session_version: int) -> None:
    """A fresh session for a user who just logged in (no fixation), tied to the user's session version."""
    request.session.clear()
    request.session.update({"uid": user_id, "login_at": time.time(), "sv": session_version})


def login_limits(request: Request) -> Limits:
    settings = get_settings(request)
    return Limits(settings.login_attempts_per_minute, settings.login_attempts_per_client_per_minute,
                  timedelta(minutes=settings.login_lockout_minutes), settings.resolved_secret_key)


def client_of(request: Request) -> str:
    """The client's address as the deployment declares it trustworthy (PALERMO_TRUSTED_PROXIES)."""
    return client_address(request, request.app.state.trusted_proxies)

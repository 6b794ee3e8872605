"""The second factor on the web: the code after the password, setting up an authenticator, recovery codes.

The rules (who must have a second factor, what a code proves, replay and throttling) are the core's,
in :mod:`palermo.auth.mfa` and :mod:`palermo.auth.throttle`; these routes carry forms to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth import accounts, mfa, throttle
from palermo.auth.models import User
from palermo.auth.roles import Principal
from palermo.errors import PalermoError
from palermo.i18n import N_
from palermo.web.deps import (
    PendingLogin,
    account_principal,
    client_of,
    csrf_form,
    db_session,
    db_write_session,
    get_database,
    login_limits,
    page_principal,
    pending_login,
    signed_in_principal,
    start_session,
)
from palermo.web.flash import flash, flashed
from palermo.web.templating import render

# The confirmation the security page shows after the form (its template translates it).
REMOVED = N_("Second factor removed")

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["core"])

CODE = Form(..., min_length=1, max_length=40)
T = TypeVar("T")


def finish_login(request: Request, done: throttle.LoggedIn, second_factor: str | None, method: str) -> None:
    """Open the session of a login whose every step is done (audited with how it was proven)."""
    throttle.succeeded(get_database(request), done.principal, login_limits(request), client_of(request),
                       second_factor=second_factor, method=method)
    start_session(request, done.principal.username, done.session_version, second_factor)


def _qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no script, no data URL: inside the CSP)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR code of the authenticator secret"))


# ---------------------------------------------------------------- the code after the password
TIMED_OUT = N_("Your login has timed out or was not started; log in again.")
@pages.get("/login/second-factor")
def second_factor_form(request: Request) -> Response:
    pending = pending_login(request)
    if pending is None or pending.step != "verify":
        return render(request, "login.html", {"next": "/", "error": None,
                                              "notice": TIMED_OUT})
    return render(request, "account/second_factor.html", {"title": N_("Second factor"), "error": None})


@pages.post("/login/second-factor", dependencies=[Depends(csrf_form)])
def second_factor(request: Request, code: str = CODE) -> Response:
    pending = pending_login(request)
    if pending is None or pending.step != "verify":
        return render(request, "login.html", {"next": "/", "error": None,
                                              "notice": TIMED_OUT},
                      status_code=400)
    key = login_limits(request).key
    try:
        done, method = throttle.second_factor(get_database(request), pending.username, pending.session_version,
                                              client_of(request), login_limits(request),
                                              lambda s, user: mfa.verify(s, user, code, key))
    except PalermoError as exc:  # audited and counted by the core
        return render(request, "account/second_factor.html", {"title": N_("Second factor"), "error": exc.message},
                      status_code=exc.http_status)
    finish_login(request, done, method, pending.method)
    return RedirectResponse(pending.next, status_code=303)


# ---------------------------------------------------------------- setting up, renewing, removing
def _security_page(request: Request, s: Session, principal: Principal, *, error: str | None = None,
                   message: str | None = None, status_code: int = 200) -> Response:
    user = s.get(User, principal.user_id)
    if user is None:
        raise PalermoError(N_("account not found"))
    pending = getattr(request.state, "pending", None)
    enrolled = mfa.is_enrolled(s, user)
    ctx = {"title": N_("Account security"), "enrolled": enrolled, "required": mfa.required(user.role_set),
           **({"principal": None} if pending is not None else {}),  # not logged in yet: no navigation
           "pending": pending, "error": error, "message": message, "username": user.username}
    if enrolled:
        ctx["recovery_left"] = mfa.recovery_codes_left(s, user)
    else:
        enrolment = mfa.start_enrolment(s, user, login_limits(request).key)
        ctx.update(secret=enrolment.grouped, qr=_qr_svg(enrolment.uri))
    return render(request, "account/security.html", ctx, status_code=status_code)


@pages.get("/account/security")
def security(request: Request, principal: Principal = Depends(account_principal),
             s: Session = Depends(db_write_session)) -> Response:
    """Set up an authenticator (a pending one is kept until confirmed), or see and manage the one there is."""
    return _security_page(request, s, principal, message=flashed(request))


def _recovery_page(request: Request, codes: list[str], continue_to: str, first: bool) -> Response:
    return render(request, "account/recovery_codes.html", {"title": N_("Recovery codes"), "codes": codes,
                                                           "continue_to": continue_to, "first": first})


def _checked(request: Request, principal: Principal, check: Callable[[Session, User], T]) -> tuple[throttle.LoggedIn, T]:
    """Run a code check for the account through the login throttle (wrong codes count as failed logins,
    so a stolen session cannot guess its way to new recovery codes either)."""
    pending: PendingLogin | None = getattr(request.state, "pending", None)
    version = pending.session_version if pending is not None else int(request.session.get("sv") or 0)
    if principal.user_id is None:
        raise PalermoError(N_("account not found"))
    return throttle.second_factor(get_database(request), principal.username, version, client_of(request),
                                  login_limits(request), check)


@pages.post("/account/security/enrol", dependencies=[Depends(csrf_form)])
def enrol(request: Request, code: str = CODE, principal: Principal = Depends(account_principal)) -> Response:
    """Confirm a new authenticator with its first code; right after the password, this completes the login."""
    key = login_limits(request).key
    pending: PendingLogin | None = getattr(request.state, "pending", None)
    try:
        done, codes = _checked(request, principal, lambda s, user: mfa.confirm_enrolment(
            s, accounts.principal_for(user), user, code, key))
    except PalermoError as exc:
        with get_database(request).session() as s:
            return _security_page(request, s, principal, error=exc.message, status_code=exc.http_status)
    if pending is not None:
        finish_login(request, done, "totp", pending.method)
        return _recovery_page(request, codes, pending.next, True)
    request.session["mfa"] = "totp"  # this session has now proven the second factor too
    return _recovery_page(request, codes, "/account/security", True)


@pages.post("/account/security/recovery-codes", dependencies=[Depends(csrf_form)])
def renew_recovery_codes(request: Request, code: str = CODE, principal: Principal = Depends(signed_in_principal)) -> Response:
    key = login_limits(request).key
    _, codes = _checked(request, principal, lambda s, user: mfa.new_recovery_codes(s, principal, user, code, key))
    return _recovery_page(request, codes, "/account/security", False)


@pages.post("/account/security/disable", dependencies=[Depends(csrf_form)])
def disable(request: Request, code: str = CODE, principal: Principal = Depends(signed_in_principal)) -> Response:
    key = login_limits(request).key
    _checked(request, principal, lambda s, user: mfa.disable(s, principal, user, code, key))
    request.session["mfa"] = None
    return RedirectResponse(f"/account/security?{urlencode({'message': REMOVED})}", status_code=303)


@pages.post("/admin/users/{username}/mfa/reset", dependencies=[Depends(csrf_form)])
def admin_reset(request: Request, username: str, principal: Principal = Depends(page_principal),
                s: Session = Depends(db_session)) -> Response:
    user = accounts.get_visible_user(s, principal, username)
    mfa.reset(s, principal, user)
    flash(request, N_("Second factor of {username} reset: set up again at next login", username=user.username))
    return RedirectResponse("/admin", status_code=303)

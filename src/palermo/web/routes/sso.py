"""Single sign-on on the web: the redirect to the identity provider and its callback (palermo.auth.oidc).

The flow's state (state, nonce, PKCE verifier, where to go next) travels in a cookie of its own,
signed and short-lived, with ``SameSite=Lax``: the session cookie is ``Strict``, and a browser does not
send a Strict cookie on the provider's redirect back. For the same reason the callback answers with a
page that moves on by itself rather than a redirect, so the new session's cookie is sent.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from palermo.auth import oidc
from palermo.auth.throttle import LoggedIn
from palermo.errors import NotFound, PalermoError
from palermo.i18n import N_
from palermo.web.deps import get_database, get_settings, start_pending
from palermo.web.routes.account import finish_login
from palermo.web.routes.core import safe_next
from palermo.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["core"])

COOKIE = "palermo_oidc"
FLOW_MAX_AGE = 600  # seconds a user has at the identity provider


def _mapping(request: Request) -> oidc.Mapping:
    mapping: oidc.Mapping | None = getattr(request.app.state, "oidc", None)
    if mapping is None:
        raise NotFound(N_("single sign-on is not set up on this server; log in with your username and password"))
    return mapping


def _redirect_uri(request: Request) -> str:
    return get_settings(request).oidc_redirect_url or str(request.url_for("oidc_callback"))


def _signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings(request).resolved_secret_key, salt="palermo-oidc-flow")


@pages.get("/login/oidc")
def oidc_start(request: Request, next: str = Query("/", max_length=2000)) -> Response:
    """Send the browser to the identity provider's login."""
    mapping = _mapping(request)
    flow = oidc.authorization(mapping, _redirect_uri(request))
    response = RedirectResponse(flow.url, status_code=303)
    sealed = _signer(request).dumps({"state": flow.state, "nonce": flow.nonce, "verifier": flow.code_verifier,
                                     "next": safe_next(next)})
    response.set_cookie(COOKIE, sealed, max_age=FLOW_MAX_AGE, httponly=True, samesite="lax",
                        secure=get_settings(request).secure_cookies, path="/login/oidc")
    return response


def _moving_on(request: Request, target: str) -> Response:
    response = render(request, "account/signed_on.html", {"title": N_("Signed in"), "target": target})
    response.delete_cookie(COOKIE, path="/login/oidc")
    return response


@pages.get("/login/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request) -> Response:
    """The provider's answer: verified, mapped to an account, then a session (or Palermo's second factor)."""
    mapping = _mapping(request)
    try:
        flow = _signer(request).loads(request.cookies.get(COOKIE, ""), max_age=FLOW_MAX_AGE)
    except BadSignature:
        flow = {}
    expected = oidc.Authorization("", str(flow.get("state", "")), str(flow.get("nonce", "")),
                                  str(flow.get("verifier", "")))
    target = safe_next(str(flow.get("next", "/")))
    db = get_database(request)
    try:
        claims = oidc.claims_from_callback(mapping, _redirect_uri(request), dict(request.query_params), expected)
        with db.session() as s:
            done = oidc.sign_on(s, mapping, claims)
    except PalermoError as exc:
        response = render(request, "login.html", {"next": target, "error": exc.message}, status_code=exc.http_status)
        response.delete_cookie(COOKIE, path="/login/oidc")
        return response
    if done.second_factor != "none":  # Palermo's own second factor: the provider did not check one
        start_pending(request, done.principal.username, done.session_version, done.second_factor, target,
                      method="oidc")
        return _moving_on(request, "/account/security" if done.second_factor == "enrol" else "/login/second-factor")
    finish_login(request, LoggedIn(done.principal, done.session_version), "idp" if done.by_provider else None, "oidc")
    return _moving_on(request, target)

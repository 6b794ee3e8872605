"""Login, home, organisation and user administration, the audit log; their JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth import accounts, audit, throttle
from palermo.auth.passwords import MIN_PASSWORD_LENGTH
from palermo.auth.roles import ORG_TYPES, ROLES, Principal
from palermo.errors import AuditChainBroken, PalermoError
from palermo.i18n import N_, Message
from palermo.web.codes import Country, OrgType, Role
from palermo.web.deps import (
    api_principal,
    client_of,
    csrf_form,
    db_session,
    get_database,
    login_limits,
    page_principal,
    session_account,
    start_pending,
    start_session,
    visitor_principal,
)
from palermo.web.flash import flash, flashed
from palermo.web.openapi import OPENAPI_URL, IsoDateTime, NoBlanks, RequestBody, view_schema
from palermo.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["core"])


# ---------------------------------------------------------------- pages
@pages.get("/login")
def login_form(request: Request, next: str = Query("/", max_length=2000)) -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None})


def safe_next(target: str) -> str:
    """Where to go after logging in: a path of this site with its query (``/statistics/data?public=true``),
    never another site. Anything else (``//evil.example``, ``/\\evil.example``, ``https://…``, control
    characters, which browsers strip or read as ``//``) becomes ``/``."""
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target)):
        return "/"
    parsed = urlparse(target)
    return target if not parsed.scheme and not parsed.netloc else "/"


@pages.post("/login", dependencies=[Depends(csrf_form)])
def login(request: Request, username: str = Form(..., max_length=200), password: str = Form(..., max_length=1000),
          next: str = Form("/")) -> Response:
    db, limits, client = get_database(request), login_limits(request), client_of(request)
    try:
        done = throttle.login(db, username, password, client, limits)
    except PalermoError as exc:  # already audited, without the text typed
        return render(request, "login.html", {"next": next, "error": exc.message, "username": username},
                      status_code=exc.http_status)
    target = safe_next(next)
    if done.second_factor != "none":  # the core decides: a code to check, or an authenticator to set up first
        start_pending(request, done.principal.username, done.session_version, done.second_factor, target)
        return RedirectResponse("/account/security" if done.second_factor == "enrol" else "/login/second-factor",
                                status_code=303)
    throttle.succeeded(db, done.principal, limits, client)
    start_session(request, done.principal.username, done.session_version)
    return RedirectResponse(target, status_code=303)


@pages.post("/logout", dependencies=[Depends(csrf_form)])
def logout(request: Request, s: Session = Depends(db_session)) -> Response:
    """Logging out ends every session of the user (each carries the user's session version)."""
    user = session_account(request, s)
    if user is not None and request.session.get("sv") == user.session_version:
        accounts.end_sessions(s, accounts.principal_for(user), user, action="session.logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@pages.get("/api/docs")
def api_docs(request: Request, principal: Principal = Depends(visitor_principal)) -> Response:
    """The API reference (Swagger UI, shipped by the swagger-ui-bundle-v2 package and served by the app)."""
    return render(request, "api_docs.html", {"title": N_("API reference"), "openapi_url": OPENAPI_URL})


@pages.get("/")
def home(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    return render(request, "home.html", {"title": N_("Home")})


@pages.get("/admin")
def admin(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    users = accounts.list_users(s, principal)
    tokens = {u.id: [t for t in accounts.user_tokens(s, principal, u.username) if not t.revoked] for u in users}
    locked = {lock.user_id for lock in throttle.lockouts(s, principal)}
    return render(request, "admin.html", {"title": N_("Administration"), "orgs": accounts.list_organisations(s),
                                          "user_orgs": accounts.user_organisations(s, principal),
                                          "manageable": accounts.manageable(principal, users),
                                          "users": users, "tokens": tokens, "locked": locked, "roles": ROLES,
                                          "org_types": ORG_TYPES, "message": flashed(request)})


def _back(request: Request, message: Message) -> Response:
    flash(request, message)
    return RedirectResponse("/admin", status_code=303)


@pages.post("/admin/users/{username}/deactivate", dependencies=[Depends(csrf_form)])
def admin_deactivate(request: Request, username: str, principal: Principal = Depends(page_principal),
                     s: Session = Depends(db_session)) -> Response:
    principal.require("admin", action=N_("deactivate users"))
    user = accounts.deactivate_user(s, principal, username)
    return _back(request, N_("User {username} deactivated: signed out everywhere, API tokens revoked", username=user.username))


@pages.post("/admin/users/{username}/sessions/end", dependencies=[Depends(csrf_form)])
def admin_end_sessions(request: Request, username: str, principal: Principal = Depends(page_principal),
                       s: Session = Depends(db_session)) -> Response:
    principal.require("admin", action=N_("end other users' sessions"))
    user = accounts.get_visible_user(s, principal, username)
    accounts.end_sessions(s, principal, user)
    return _back(request, N_("User {username} signed out everywhere", username=user.username))


@pages.post("/admin/users/{username}/unlock", dependencies=[Depends(csrf_form)])
def admin_unlock(request: Request, username: str, principal: Principal = Depends(page_principal),
                 s: Session = Depends(db_session)) -> Response:
    principal.require("admin", action=N_("lift login lock-outs"))
    user = accounts.get_visible_user(s, principal, username)
    throttle.lift(s, principal, user)
    return _back(request, N_("Login lock-out of {username} lifted", username=user.username))


@pages.post("/admin/tokens/{reference}/revoke", dependencies=[Depends(csrf_form)])
def admin_revoke_token(request: Request, reference: str = Path(..., min_length=1, max_length=40),
                       principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    principal.require("admin", action=N_("revoke API tokens"))
    rec = accounts.revoke_token(s, principal, reference)
    return _back(request, N_("API token {name} ({prefix}…) revoked", name=rec.name, prefix=rec.prefix))


@pages.post("/admin/users", dependencies=[Depends(csrf_form)])
def admin_add_user(request: Request, username: str = Form(...), password: str = Form(...), organisation: str = Form(...),
                   roles: list[str] = Form(...), full_name: str = Form(""),
                   principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    user = accounts.create_user(s, principal, username=username, password=password, organisation=organisation,
                                roles=roles, full_name=full_name)
    return _back(request, N_("User {username} added", username=user.username))


@pages.post("/admin/organisations", dependencies=[Depends(csrf_form)])
def admin_add_org(request: Request, short_name: str = Form(...), name: str = Form(...), org_type: str = Form(...),
                  country: str = Form(""), principal: Principal = Depends(page_principal),
                  s: Session = Depends(db_session)) -> Response:
    org = accounts.create_organisation(s, principal, name=name, short_name=short_name, org_type=org_type,
                                       country=country or None)
    return _back(request, N_("Organisation {short_name} added", short_name=org.short_name))


@pages.get("/audit")
def audit_page(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    entries = audit.entries_page(s, principal, audit.AUDIT_LIST.parse(request.query_params))
    try:
        status: dict[str, Any] = {"ok": True, "summary": audit.verify(s, principal).summary()}
    except AuditChainBroken as exc:
        status = {"ok": False, "message": exc.message}
    return render(request, "audit.html", {"title": N_("Audit log"), "entries": entries, "status": status,
                                          "whole": audit.reads_whole_chain(principal)})


# ---------------------------------------------------------------- API
class OrganisationOut(BaseModel):
    id: int
    name: str
    short_name: str
    org_type: str
    country: str | None


class OrganisationIn(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(min_length=1, max_length=40)
    org_type: OrgType
    country: Country | None = None


class UserOut(BaseModel):
    # no row id: users are named by username, and the id counted every organisation's accounts
    username: str
    organisation: str
    roles: list[str]
    active: bool


class UserIn(RequestBody):
    username: NoBlanks = Field(min_length=1, max_length=80)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)
    organisation: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)
    full_name: str = Field("", max_length=200)


class MeOut(BaseModel):
    username: str
    organisation_id: int | None
    roles: list[str]


# the audit list's item is the core's EntryView (its numbering and hash rules live there), less the details
AuditEntryOut = view_schema(audit.EntryView, exclude=("details",), name="AuditEntryOut")


class TokenOut(BaseModel):
    reference: str = Field(description="the token's name (tok-…): revoke it by this")
    name: str
    prefix: str
    created_at: datetime
    revoked: bool


class UnlockOut(BaseModel):
    username: str
    lockouts_lifted: int


class AuditVerifyOut(BaseModel):
    ok: bool
    entries: int | None = Field(None, description="entries verified that the caller may count: the whole chain for "
                                                   "the hub operator's admins, else the caller's organisation's")
    scope: Literal["chain", "organisation"] | None = Field(None, description="what entries counts")
    first_bad_entry: int | None = Field(None, description="only when the caller may read that entry's organisation's "
                                                           "trail, numbered as the audit list numbers it")
    message: str | None = None


def _user_out(u: Any) -> UserOut:
    return UserOut(username=u.username, organisation=u.organisation.short_name,
                   roles=sorted(u.role_set), active=u.active)


@api.get("/me", response_model=MeOut)
def me(principal: Principal = Depends(api_principal)) -> MeOut:
    """The caller: username, organisation and roles of the account the token belongs to."""
    return MeOut(username=principal.username, organisation_id=principal.organisation_id, roles=sorted(principal.roles))


@api.get("/organisations", response_model=list[OrganisationOut])
def api_orgs(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[OrganisationOut]:
    """The directory of participating organisations (shared by design: partners must be able to name each other)."""
    # The directory of participating organisations is shared by design: partners must be able to name each other.
    return [OrganisationOut(id=o.id, name=o.name, short_name=o.short_name, org_type=o.org_type, country=o.country)
            for o in accounts.list_organisations(s)]


@api.post("/organisations", response_model=OrganisationOut, status_code=201)
def api_add_org(body: OrganisationIn, principal: Principal = Depends(api_principal),
                s: Session = Depends(db_session)) -> OrganisationOut:
    """Add an organisation (admins of the hub operator only)."""
    o = accounts.create_organisation(s, principal, **body.model_dump())
    return OrganisationOut(id=o.id, name=o.name, short_name=o.short_name, org_type=o.org_type, country=o.country)


@api.get("/users", response_model=list[UserOut])
def api_users(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[UserOut]:
    """The user accounts of the caller's organisation (every organisation's for the hub operator's admins)."""
    return [_user_out(u) for u in accounts.list_users(s, principal)]


@api.post("/users", response_model=UserOut, status_code=201)
def api_add_user(body: UserIn, principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> UserOut:
    """Add a user account with its roles (an administrator)."""
    return _user_out(accounts.create_user(s, principal, **body.model_dump()))


@api.get("/users/{username}/tokens", response_model=list[TokenOut])
def api_user_tokens(username: str = Path(..., max_length=200), principal: Principal = Depends(api_principal),
                    s: Session = Depends(db_session)) -> list[TokenOut]:
    """A user's API tokens (never the tokens themselves): the user's own, or any of the organisation's for an admin."""
    return [TokenOut.model_validate(t, from_attributes=True) for t in accounts.user_tokens(s, principal, username)]


@api.post("/tokens/{reference}/revoke", response_model=TokenOut)
def api_revoke_token(reference: str = Path(..., min_length=1, max_length=40), principal: Principal = Depends(api_principal),
                     s: Session = Depends(db_session)) -> TokenOut:
    """Revoke an API token, named by its reference: refused from the next request on."""
    return TokenOut.model_validate(accounts.revoke_token(s, principal, reference), from_attributes=True)


@api.post("/users/{username}/deactivate", response_model=UserOut)
def api_deactivate(username: str = Path(..., max_length=200), principal: Principal = Depends(api_principal),
                   s: Session = Depends(db_session)) -> UserOut:
    """Deactivate an account: no more logins, its web sessions end and its API tokens are revoked."""
    principal.require("admin", action=N_("deactivate users"))
    return _user_out(accounts.deactivate_user(s, principal, username))


@api.post("/users/{username}/sessions/end", response_model=UserOut)
def api_end_sessions(username: str = Path(..., max_length=200), principal: Principal = Depends(api_principal),
                     s: Session = Depends(db_session)) -> UserOut:
    """Log a user out everywhere: every web session of the account ends at once."""
    principal.require("admin", action=N_("end other users' sessions"))
    user = accounts.get_visible_user(s, principal, username)
    accounts.end_sessions(s, principal, user)
    return _user_out(user)


@api.post("/users/{username}/unlock", response_model=UnlockOut)
def api_unlock(username: str = Path(..., max_length=200), principal: Principal = Depends(api_principal),
               s: Session = Depends(db_session)) -> UnlockOut:
    """Lift the login lock-out of an account (after too many failed logins)."""
    principal.require("admin", action=N_("lift login lock-outs"))
    user = accounts.get_visible_user(s, principal, username)
    return UnlockOut(username=user.username, lockouts_lifted=throttle.lift(s, principal, user))


@api.get("/audit", response_model=list[AuditEntryOut])  # type: ignore[valid-type]  # built from the core's view
def api_audit(limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9),
              action: str | None = Query(None, max_length=80), since: IsoDateTime | None = None,
              principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[BaseModel]:
    """Entries of the hash-chained audit trail the caller may read, newest first; filtered by action and time."""
    rows = audit.entries(s, principal, limit=limit, offset=offset, action=action,
                         since=audit.parse_since(since.isoformat()) if since else None)
    return [AuditEntryOut.model_validate(e, from_attributes=True) for e in rows]


@api.get("/audit/verify", response_model=AuditVerifyOut)
def api_audit_verify(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> AuditVerifyOut:
    """Recompute the audit trail's hash chain: ok, or the first entry that was altered, removed or reordered."""
    try:
        result = audit.verify(s, principal)
    except AuditChainBroken as exc:
        return AuditVerifyOut(ok=False, first_bad_entry=exc.seq, message=exc.message)
    return AuditVerifyOut(ok=True, entries=result.entries, scope="chain" if result.whole_chain else "organisation",
                          message=result.summary())

"""Creating and finding organisations, users and API tokens; authenticating them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.models import ApiToken, Organisation, User
from palermo.auth.passwords import DUMMY_HASH, MIN_PASSWORD_LENGTH, hash_password, new_token, token_digest, verify_password
from palermo.auth.permissions import allowed, require
from palermo.auth.roles import ORG_TYPES, Principal, parse_roles
from palermo.countries import iso3
from palermo.errors import AuthenticationFailed, Conflict, NextStep, NotFound, PermissionDenied, Problem, ValidationError
from palermo.messages import N_, joined


def normalise_country(value: str | None, *, field: str = "country") -> str | None:
    """ISO 3166-1 alpha-3 for a code or a name pycountry knows; a clear error otherwise."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    code = iso3(text)
    if code is None:
        raise ValidationError(
            N_("{field} {text!r} is not an ISO 3166 country code or name; use a code such as NLD, ITA or NGA",
               field=field, text=text),
            [Problem(N_("not an ISO 3166 country"), field=field, value=text)],
        )
    return code


def normalise_username(text: str) -> str:
    """The account a typed username names: Unicode NFKC, surrounding whitespace removed, lower case.

    Login looks accounts up by this text and the login throttle counts by it, so no variant of a
    username (case, full-width letters, spaces around it) escapes the throttle and still logs in.
    """
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def principal_for(user: User) -> Principal:
    return Principal(user.id, user.username, user.organisation_id, user.role_set,
                     bool(user.organisation.is_operator and "admin" in user.role_set))


def create_organisation(session: Session, principal: Principal, *, name: str, short_name: str, org_type: str,
                        country: str | None = None, is_operator: bool = False) -> Organisation:
    if not (principal.is_system or (principal.is_operator and principal.has("admin"))):
        raise PermissionDenied(N_("user {username!r} may not add organisations: only admins of the hub operator can",
                                  username=principal.username))
    problems = []
    if not name.strip():
        problems.append(Problem(N_("name is empty"), field="name"))
    if not short_name.strip():
        problems.append(Problem(N_("short name is empty"), field="short_name"))
    if org_type not in ORG_TYPES:
        problems.append(Problem(N_("unknown organisation type; use one of {org_types}",
                                   org_types=', '.join(ORG_TYPES)), field="org_type", value=org_type))
    try:
        iso = normalise_country(country)
    except ValidationError as exc:
        problems.extend(exc.problems)
        iso = None
    if problems:
        raise ValidationError(N_("organisation not created: {problems}", problems=joined(p.text for p in problems)), problems)
    dup = session.execute(select(Organisation).where(
        (func.lower(Organisation.name) == name.strip().lower()) | (func.lower(Organisation.short_name) == short_name.strip().lower())
    )).scalar_one_or_none()
    if dup is not None:
        raise Conflict(N_("an organisation named {name!r} ({short_name}) already exists; choose another name",
                          name=dup.name, short_name=dup.short_name))
    org = Organisation(name=name.strip(), short_name=short_name.strip(), org_type=org_type, country=iso,
                       is_operator=is_operator)
    session.add(org)
    session.flush()
    audit.record(session, principal, "organisation.create", "organisation", org.id, details={"name": org.name})
    return org


def get_organisation(session: Session, ref: str | int) -> Organisation:
    """Find an organisation by id, short name or full name (case-insensitive)."""
    text = str(ref).strip()
    q = select(Organisation)
    if text.isdigit():
        org = session.get(Organisation, int(text))
    else:
        org = session.execute(q.where((func.lower(Organisation.short_name) == text.lower())
                                      | (func.lower(Organisation.name) == text.lower()))).scalar_one_or_none()
    if org is None:
        raise NotFound(N_("no organisation {text!r}", text=text), next_step=NextStep("list_organisations"))
    return org


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.execute(select(Organisation).order_by(Organisation.name)).scalars())


def create_user(session: Session, principal: Principal, *, username: str, password: str, organisation: str | int,
                roles: str | list[str], full_name: str = "", email: str = "") -> User:
    # Hash first: argon2 is slow on purpose and must not run while this transaction holds a write lock.
    password_hash = hash_password(password) if len(password) >= MIN_PASSWORD_LENGTH else ""
    org = get_organisation(session, organisation)
    if not _administers(principal, org.id):
        raise PermissionDenied(N_("user {username!r} may not add users to {short_name}: needs the admin role there",
                                  username=principal.username, short_name=org.short_name))
    problems = []
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        problems.append(Problem(N_("username must be 1-80 characters without spaces"), field="username", value=username))
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem(N_("password must have at least {min_password_length} characters",
                                   min_password_length=MIN_PASSWORD_LENGTH), field="password"))
    try:
        role_list = parse_roles(roles)
    except ValidationError as exc:
        problems.extend(exc.problems or [Problem(exc.message, field="roles")])
        role_list = []
    if problems:
        raise ValidationError(N_("user not created: {problems}", problems=joined(p.text for p in problems)), problems)
    if session.execute(select(User).where(func.lower(User.username) == username.lower())).scalar_one_or_none():
        raise Conflict(N_("a user named {username!r} already exists; choose another username", username=username))
    user = User(username=username, password_hash=password_hash, organisation_id=org.id,
                roles=",".join(role_list), full_name=full_name, email=email)
    session.add(user)
    session.flush()
    audit.record(session, principal, "user.create", "user", user.username, details={"username": username, "roles": role_list,
                                                                          "organisation": org.short_name})
    return user


def list_users(session: Session, principal: Principal) -> list[User]:
    """Users of the principal's organisation (all for the hub operator's admins); rules table: ``users.list``."""
    require(principal, "users.list")
    q = select(User).order_by(User.username)
    if not allowed(principal, "users.manage_all"):
        q = q.where(User.organisation_id == principal.organisation_id)
    return list(session.execute(q).scalars())


def _administers(principal: Principal, organisation_id: int | None) -> bool:
    """Admins of an organisation manage its accounts; the hub operator's admins every organisation's."""
    return allowed(principal, "users.manage_all") or (
        principal.has("admin") and organisation_id is not None and principal.organisation_id == organisation_id)


def user_organisations(session: Session, principal: Principal) -> list[Organisation]:
    """The organisations ``principal`` may add users to (what the add-user form offers)."""
    return [o for o in list_organisations(session) if _administers(principal, o.id)]


def manageable(principal: Principal, users: list[User]) -> set[int]:
    """Ids of the active accounts among ``users`` that ``principal`` may deactivate, sign out or reset: those it
    administers, never its own (an admin does not lock itself out; ``deactivate_user`` refuses it)."""
    return {u.id for u in users if u.active and u.id != principal.user_id and _administers(principal, u.organisation_id)}


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a password; the same message for unknown users and wrong passwords."""
    user = find_user(session, username)
    if user is None:
        verify_password(DUMMY_HASH, password)
        raise AuthenticationFailed(N_("wrong username or password"))
    if not verify_password(user.password_hash, password) or not user.active:
        raise AuthenticationFailed(N_("wrong username or password"))
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its digest is stored
    record: ApiToken


def issue_token(session: Session, principal: Principal, user: User, name: str) -> IssuedToken:
    own_admin = principal.has("admin") and principal.organisation_id == user.organisation_id
    if not principal.is_system and principal.user_id != user.id and not own_admin:
        raise PermissionDenied(N_("user {username!r} may not issue tokens for {username2!r}",
                                  username=principal.username, username2=user.username))
    token = new_token()
    rec = ApiToken(user_id=user.id, name=name, prefix=token[:10], token_hash=token_digest(token))
    session.add(rec)
    session.flush()
    audit.record(session, principal, "token.issue", "api_token", rec.reference, details={"user": user.username, "name": name})
    return IssuedToken(token, rec)


class TokenRefused(AuthenticationFailed):
    """An API token that is unknown, revoked or belongs to a deactivated user; ``audit`` says which."""

    def __init__(self, reason: str, token: str | None, organisation_id: int | None) -> None:
        super().__init__("invalid or revoked API token; ask an administrator for a new one")
        self.audit = {"reason": reason, "token": token, "organisation_id": organisation_id}


def user_for_token(session: Session, token: str) -> User:
    rec = session.execute(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).scalar_one_or_none()
    if rec is None:
        raise TokenRefused(N_("unknown token"), None, None)
    if rec.revoked or not rec.user.active:
        raise TokenRefused(N_("revoked token") if rec.revoked else N_("user deactivated"), rec.reference,
                           rec.user.organisation_id)
    return rec.user


def find_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(func.lower(User.username) == normalise_username(username))).scalar_one_or_none()


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound(N_("no user {username!r}", username=username), next_step=NextStep("list_users"))
    return user


def require_user_admin(principal: Principal, user: User, what: str) -> None:
    """Admins of the user's organisation, and of the hub operator, manage its account."""
    if _administers(principal, user.organisation_id):
        return
    if not allowed(principal, "users.manage_all") and principal.organisation_id != user.organisation_id:
        raise NotFound(N_("no user {username!r} in your organisation", username=user.username))
    raise PermissionDenied(N_("user {username!r} may not {what} {username2!r}: needs the admin role",
                              username=principal.username, what=what, username2=user.username))


def get_visible_user(session: Session, principal: Principal, username: str) -> User:
    """A user by name, as not found when it belongs to an organisation the principal does not administer."""
    user = get_user(session, username)
    if not (principal.is_system or principal.is_operator or principal.organisation_id == user.organisation_id):
        raise NotFound(N_("no user {username!r} in your organisation", username=username))
    return user


def end_sessions(session: Session, principal: Principal, user: User, *, action: str = "user.sessions_ended") -> None:
    """End every web session of ``user`` at once (they carry the session version, which moves on).

    Logging out does this for the user's own sessions; an admin does it to log a user out everywhere."""
    if principal.user_id != user.id:
        require_user_admin(principal, user, N_("end the sessions of"))
    user.session_version = (user.session_version or 0) + 1
    session.flush()
    audit.record(session, principal, action, "user", user.username, details={"username": user.username})


def change_password(session: Session, principal: Principal, user: User, password: str) -> None:
    """A new password (the user's own, or set by an admin) ends every session of the user."""
    if principal.user_id != user.id:
        require_user_admin(principal, user, N_("set the password of"))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(N_("password must have at least {min_password_length} characters",
                                 min_password_length=MIN_PASSWORD_LENGTH),
                              [Problem(N_("password must have at least {min_password_length} characters",
                                          min_password_length=MIN_PASSWORD_LENGTH), field="password")])
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1
    session.flush()
    audit.record(session, principal, "user.password_changed", "user", user.username, details={"username": user.username})


def deactivate_user(session: Session, principal: Principal, username: str) -> User:
    """Deactivate an account: it can no longer log in, its sessions end and its API tokens stop working."""
    user = get_visible_user(session, principal, username)
    require_user_admin(principal, user, N_("deactivate"))
    if principal.user_id == user.id:
        raise Conflict(N_("you cannot deactivate your own account; ask another admin"))
    user.active = False
    user.session_version = (user.session_version or 0) + 1
    revoked = 0
    for rec in session.execute(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))).scalars():
        rec.revoked = True
        revoked += 1
    session.flush()
    audit.record(session, principal, "user.deactivate", "user", user.username,
                 details={"username": user.username, "tokens_revoked": revoked})
    return user


def user_tokens(session: Session, principal: Principal, username: str) -> list[ApiToken]:
    """The API tokens of a user (never the tokens themselves: name, prefix, date, state)."""
    user = get_visible_user(session, principal, username)
    if principal.user_id != user.id:
        require_user_admin(principal, user, N_("list the tokens of"))
    return list(session.execute(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).scalars())


def revoke_token(session: Session, principal: Principal, reference: str) -> ApiToken:
    """Revoke one API token, named by its reference (``tok-…``): refused from the next request on."""
    rec = session.execute(select(ApiToken).where(ApiToken.reference == reference)).scalar_one_or_none()
    if rec is None or not (principal.is_system or principal.is_operator or rec.user.organisation_id == principal.organisation_id):
        raise NotFound(N_("no API token {reference}", reference=reference), next_step=NextStep("list_tokens"))
    if principal.user_id != rec.user_id:
        require_user_admin(principal, rec.user, N_("revoke the tokens of"))
    if rec.revoked:
        raise Conflict(N_("API token {reference} is already revoked", reference=reference))
    rec.revoked = True
    session.flush()
    audit.record(session, principal, "token.revoke", "api_token", rec.reference, details={"user": rec.user.username, "name": rec.name})
    return rec

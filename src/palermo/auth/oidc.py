"""Single sign-on with OpenID Connect: the authorization-code flow (PKCE, nonce) and accounts from claims.

A deployment whose agencies have an identity provider lets their staff sign in there. The provider
says who the user is; the configured mapping (:class:`Mapping`, from settings) says which organisation
and which roles that means. A user whose organisation or roles are not mapped is refused, and so is a
username already used by an account the provider has never signed in (no silent takeover of a local
account). Each login updates the roles, so the provider stays the one place they are granted.

The second factor: when the ID token says the provider checked one (``amr``/``acr`` values the
deployment lists), Palermo asks for none of its own; otherwise its own rules apply (palermo.auth.mfa).
The protocol work (discovery, PKCE, code exchange) is Authlib's; ID token signatures and claims are
checked with joserfc (Authlib's JOSE library).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo.auth import accounts, audit, mfa
from palermo.auth.models import OidcIdentity, User
from palermo.auth.roles import ROLES, Principal, parse_roles
from palermo.db.base import utcnow
from palermo.errors import AuthenticationFailed, ConfigurationError, NotFound, ValidationError
from palermo.messages import N_, joined

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
_SYSTEM = Principal(None, "system:oidc", None, frozenset(ROLES), True)
NO_PASSWORD = "!oidc"  # not an argon2 hash: a password login of this account always fails


class SignOnRefused(AuthenticationFailed):
    """The identity provider vouched for someone Palermo will not let in; ``reason`` says why (audited)."""

    http_status = 403

    def __init__(self, reason: str) -> None:
        super().__init__(f"single sign-on refused: {reason}; ask your administrator")
        self.reason = reason


@dataclass(frozen=True)
class Mapping:
    """The deployment's identity provider and how its claims become a Palermo account."""

    issuer: str
    client_id: str
    client_secret: str
    provider_name: str
    scopes: str
    username_claim: str
    organisation_claim: str
    organisations: dict[str, str]
    roles_claim: str
    roles: dict[str, tuple[str, ...]]
    mfa_amr: frozenset[str]
    mfa_acr: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Any) -> Mapping | None:
        """The mapping the settings declare, or None when single sign-on is off; every mistake at once."""
        if not settings.oidc_issuer:
            return None
        problems = [f"PALERMO_OIDC_{name.upper()} is empty" for name in ("client_id", "client_secret")
                    if not getattr(settings, f"oidc_{name}")]
        roles: dict[str, tuple[str, ...]] = {}
        for value, names in settings.oidc_roles.items():
            try:
                roles[value] = tuple(parse_roles(names))
            except ValidationError as exc:
                problems.append(f"PALERMO_OIDC_ROLES maps {value!r} to {names!r}: {exc.message}")
        if not settings.oidc_organisations:
            problems.append("PALERMO_OIDC_ORGANISATIONS maps no organisation (JSON: claim value -> short name)")
        if not roles and not problems:
            problems.append("PALERMO_OIDC_ROLES maps no role (JSON: claim value -> roles)")
        if problems:
            raise ConfigurationError(N_("single sign-on is misconfigured: {problems}", problems=joined(problems)))
        split = lambda text: frozenset(v.strip() for v in text.split(",") if v.strip())  # noqa: E731
        return cls(settings.oidc_issuer.rstrip("/"), settings.oidc_client_id, settings.oidc_client_secret,
                   settings.oidc_provider_name, settings.oidc_scopes, settings.oidc_username_claim,
                   settings.oidc_organisation_claim, dict(settings.oidc_organisations), settings.oidc_roles_claim,
                   roles, split(settings.oidc_mfa_amr), split(settings.oidc_mfa_acr))


# ---------------------------------------------------------------- the protocol
_metadata: dict[str, tuple[float, dict[str, Any]]] = {}


def provider_metadata(mapping: Mapping, *, max_age: float = 3600) -> dict[str, Any]:
    """The provider's discovery document (cached for an hour); its issuer must be the configured one."""
    cached = _metadata.get(mapping.issuer)
    if cached and time.monotonic() - cached[0] < max_age:
        return cached[1]
    try:
        doc = httpx.get(f"{mapping.issuer}/.well-known/openid-configuration", timeout=10).raise_for_status().json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ConfigurationError(N_("the identity provider {issuer} cannot be reached or answers no discovery "
                                    "document ({exc}); try again later or check PALERMO_OIDC_ISSUER",
                                    issuer=mapping.issuer, exc=exc)) from exc
    if str(doc.get("issuer", "")).rstrip("/") != mapping.issuer:
        raise ConfigurationError(N_("the identity provider calls itself {get!r}, not {issuer!r}; set "
                                    "PALERMO_OIDC_ISSUER to exactly its issuer",
                                    get=doc.get('issuer'), issuer=mapping.issuer))
    _metadata[mapping.issuer] = (time.monotonic(), doc)
    return doc


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and what must come back with it (kept by the face until the callback)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


def _client(mapping: Mapping, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(mapping.client_id, mapping.client_secret, scope=mapping.scopes, redirect_uri=redirect_uri,
                        code_challenge_method="S256", timeout=10)


def authorization(mapping: Mapping, redirect_uri: str) -> Authorization:
    """Start the authorization-code flow with PKCE (S256), a state and a nonce."""
    meta = provider_metadata(mapping)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    with _client(mapping, redirect_uri) as client:
        url, _ = client.create_authorization_url(meta["authorization_endpoint"], state=state, nonce=nonce,
                                                 code_verifier=verifier)
    return Authorization(url, state, nonce, verifier)


def claims_from_callback(mapping: Mapping, redirect_uri: str, params: dict[str, str], expected: Authorization) -> dict[str, Any]:
    """Check the callback, exchange its code and return the verified claims (ID token, then userinfo).

    Refuses a state that is not the one sent (a forged callback), an error from the provider, an ID
    token not signed by the provider's keys or not for this client, expired, or without the nonce."""
    if not expected.state or not secrets.compare_digest(params.get("state", ""), expected.state):
        raise AuthenticationFailed(N_("the sign-in answer does not belong to this browser's sign-in; start again"))
    if params.get("error"):
        raise SignOnRefused(N_("the identity provider answered {error!r}", error=params['error']))
    meta = provider_metadata(mapping)
    if params.get("iss") and params["iss"].rstrip("/") != mapping.issuer:  # RFC 9207: mix-up attacks
        raise AuthenticationFailed(N_("the sign-in answer comes from another identity provider; start again"))
    try:
        with _client(mapping, redirect_uri) as client:
            token = client.fetch_token(meta["token_endpoint"], code=params.get("code", ""),
                                       code_verifier=expected.code_verifier)
            keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"], timeout=10).raise_for_status().json())
            decoded = jwt.decode(token["id_token"], keys, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(leeway=60, iss={"essential": True, "value": mapping.issuer},
                                  aud={"essential": True, "value": mapping.client_id},
                                  nonce={"essential": True, "value": expected.nonce},
                                  sub={"essential": True}, exp={"essential": True}).validate(decoded.claims)
            claims = dict(decoded.claims)
            if meta.get("userinfo_endpoint"):
                info = client.get(meta["userinfo_endpoint"]).raise_for_status().json()
                if info.get("sub") == claims["sub"]:  # OpenID Connect Core 5.3.2
                    claims = {**info, **claims}
    except (JoseError, KeyError, ValueError) as exc:
        raise AuthenticationFailed(N_("the identity provider's answer could not be verified ({exc}); start again",
                                      exc=exc)) from exc
    except httpx.HTTPError as exc:
        raise AuthenticationFailed(N_("the identity provider could not be reached to finish the sign-in ({exc})",
                                      exc=exc)) from exc
    return claims


# ---------------------------------------------------------------- claims -> account
@dataclass(frozen=True)
class Identity:
    """What the claims say, mapped: the account to log in as and whether the provider checked a second factor."""

    subject: str
    username: str
    organisation: str
    roles: tuple[str, ...]
    full_name: str
    email: str
    second_factor_by_provider: bool


def _values(claim: Any) -> list[str]:
    if claim is None:
        return []
    return [str(v) for v in claim] if isinstance(claim, (list, tuple)) else [str(claim)]


def identity(claims: dict[str, Any], mapping: Mapping) -> Identity:
    """Map verified claims to an organisation and roles; refused (with the reason) when the mapping has none."""
    username = accounts.normalise_username(str(claims.get(mapping.username_claim) or ""))
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise SignOnRefused(N_("the provider gave no usable {username_claim!r} claim for the username",
                               username_claim=mapping.username_claim))
    orgs = sorted({mapping.organisations[v] for v in _values(claims.get(mapping.organisation_claim))
                   if v in mapping.organisations})
    if len(orgs) != 1:
        raise SignOnRefused(N_("the {organisation_claim!r} claim maps to {join}",
                               organisation_claim=mapping.organisation_claim,
                               join='no Palermo organisation' if not orgs else 'several organisations: ' + ', '.join(orgs)))
    roles = sorted({r for v in _values(claims.get(mapping.roles_claim)) for r in mapping.roles.get(v, ())})
    if not roles:
        raise SignOnRefused(N_("the {roles_claim!r} claim maps to no Palermo role", roles_claim=mapping.roles_claim))
    amr = set(_values(claims.get("amr")))
    by_provider = bool(amr & mapping.mfa_amr) or str(claims.get("acr", "")) in mapping.mfa_acr
    return Identity(str(claims["sub"]), username, orgs[0], tuple(roles), str(claims.get("name") or ""),
                    str(claims.get("email") or ""), by_provider)


def provision(session: Session, mapping: Mapping, who: Identity) -> User:
    """The account of this identity: created at its first sign-in, its roles brought up to date each time."""
    link = session.execute(select(OidcIdentity).where(OidcIdentity.issuer == mapping.issuer,
                                                      OidcIdentity.subject == who.subject)).scalar_one_or_none()
    try:
        org = accounts.get_organisation(session, who.organisation)
    except NotFound as exc:
        raise SignOnRefused(N_("the configured organisation {organisation!r} does not exist in Palermo",
                               organisation=who.organisation)) from exc
    if link is None:
        if session.execute(select(User).where(func.lower(User.username) == who.username)).scalar_one_or_none():
            raise SignOnRefused(N_("an account named {username!r} already exists and was never signed in through "
                                   "this identity provider; an administrator must rename or remove it first",
                                   username=who.username))
        user = accounts.create_user(session, _SYSTEM, username=who.username, password=secrets.token_urlsafe(24),
                                    organisation=org.id, roles=list(who.roles), full_name=who.full_name,
                                    email=who.email)
        user.password_hash = NO_PASSWORD
        link = OidcIdentity(issuer=mapping.issuer, subject=who.subject, user_id=user.id)
        session.add(link)
        session.flush()
        return user
    linked = session.get(User, link.user_id)
    if linked is None or not linked.active:
        raise SignOnRefused(N_("this account is deactivated"))
    user = linked
    if user.organisation_id != org.id:
        raise SignOnRefused(N_("the provider now places this user in {short_name}, not {short_name2}; an "
                               "administrator must move the account",
                               short_name=org.short_name, short_name2=user.organisation.short_name))
    before = sorted(user.role_set)
    if before != list(who.roles):
        user.roles = ",".join(who.roles)
        audit.record(session, _SYSTEM, "user.roles_from_provider", "user", user.username,
                     details={"username": user.username, "before": before, "after": list(who.roles),
                              "issuer": mapping.issuer})
    user.full_name, user.email = who.full_name or user.full_name, who.email or user.email
    link.last_login_at = utcnow()
    session.flush()
    return user


@dataclass(frozen=True)
class SignedOn:
    principal: Principal
    session_version: int
    second_factor: mfa.NextStep  # what Palermo still asks for ("none" when the provider checked one)
    by_provider: bool


def sign_on(session: Session, mapping: Mapping, claims: dict[str, Any]) -> SignedOn:
    """Log in from verified claims; a refusal is audited (with its reason, never the claims themselves)."""
    try:
        who = identity(claims, mapping)
        user = provision(session, mapping, who)
    except SignOnRefused as exc:
        raise audit.refused(exc, Principal.anonymous(), "session.login_failed", "user", "-",
                            details={"method": "oidc", "issuer": mapping.issuer}) from None
    step: mfa.NextStep = "none" if who.second_factor_by_provider else mfa.next_step(session, user)
    return SignedOn(accounts.principal_for(user), user.session_version or 0, step, who.second_factor_by_provider)

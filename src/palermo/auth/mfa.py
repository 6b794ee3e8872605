"""The second factor: TOTP authenticators (RFC 6238) and single-use recovery codes.

Who must have one is decided here, not by the faces: :data:`REQUIRED_ROLES` (admins manage accounts,
data owners release personal data) must enrol before their first session; everyone else may. A code
is accepted once: the last time step used is stored and only later steps pass (replay protection),
one step of clock drift either way. Secrets are kept encrypted with a key derived from the
deployment's secret key; recovery codes as SHA-256 digests. Every change is audited, never with a
code or a secret in it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal, cast

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from palermo.auth import accounts, audit
from palermo.auth.models import RecoveryCode, TotpCredential, User
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import AuthenticationFailed, Conflict, PermissionDenied
from palermo.messages import N_

REQUIRED_ROLES = frozenset({"admin", "data_owner"})
ISSUER = "Palermo"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the previous or next 30 s step is accepted (clocks of phones drift)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper

Method = Literal["totp", "recovery"]
NextStep = Literal["none", "verify", "enrol"]


def required(roles: frozenset[str] | set[str]) -> bool:
    """Whether accounts with these roles must have a second factor before they get a session."""
    return bool(REQUIRED_ROLES.intersection(roles))


def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"palermo-mfa:{key}".encode()).digest()))


def _credential(session: Session, user: User) -> TotpCredential | None:
    return session.execute(select(TotpCredential).where(TotpCredential.user_id == user.id)).scalar_one_or_none()


def is_enrolled(session: Session, user: User) -> bool:
    cred = _credential(session, user)
    return cred is not None and cred.confirmed_at is not None


def next_step(session: Session, user: User) -> NextStep:
    """What a login whose password (or identity provider) was accepted still needs before a session."""
    if is_enrolled(session, user):
        return "verify"
    return "enrol" if required(user.role_set) else "none"


def session_allowed(user: User, second_factor: str | None) -> bool:
    """Whether a session opened with ``second_factor`` (None: password only) may act as ``user`` now.

    Checked on every request, so an account given the admin role mid-session must log in again."""
    return bool(second_factor) or not required(user.role_set)


@dataclass(frozen=True)
class Enrolment:
    """A new authenticator waiting for its first code: the secret to type or scan, and its otpauth URI."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four, as authenticator apps let it be typed."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def start_enrolment(session: Session, user: User, key: str, *, secret: str | None = None) -> Enrolment:
    """The secret a user is enrolling with: the pending one if a page was reloaded, else a new one.

    An enrolled user must disable the factor first (or have it reset) to enrol another device."""
    cred = _credential(session, user)
    if cred is not None and cred.confirmed_at is not None:
        raise Conflict(N_("a second factor is already set up for this account; disable it first to set up another "
                          "device"))
    if cred is not None and secret is None:
        try:
            secret = _fernet(key).decrypt(cred.secret.encode()).decode()
        except InvalidToken:  # the deployment's secret key changed since: start again
            secret = None
    secret = secret or pyotp.random_base32(32)  # 160 bits, RFC 4226's recommended length
    sealed = _fernet(key).encrypt(secret.encode()).decode()
    if cred is None:
        session.add(TotpCredential(user_id=user.id, secret=sealed, last_step=0))
    else:
        cred.secret = sealed
    session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def _steps(now: float | None) -> range:
    step = int((time.time() if now is None else now) // STEP_SECONDS)
    return range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1)


def _accept_totp(session: Session, cred: TotpCredential, code: str, key: str, now: float | None) -> bool:
    """Accept a TOTP code of a time step later than the last one used, and remember its step."""
    digits = "".join(code.split())
    if len(digits) != 6 or not digits.isdigit():
        return False
    try:
        totp = pyotp.TOTP(_fernet(key).decrypt(cred.secret.encode()).decode())
    except InvalidToken:
        return False
    for step in _steps(now):
        if step > cred.last_step and hmac.compare_digest(totp.generate_otp(step), digits):
            # Conditional update: two servers receiving the same code at once accept it only once.
            moved = cast(CursorResult[Any], session.execute(update(TotpCredential).where(TotpCredential.id == cred.id,
                                                                 TotpCredential.last_step < step)
                                    .values(last_step=step).execution_options(synchronize_session=False)))
            session.refresh(cred)
            return bool(moved.rowcount)
    return False


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.lower().split()).replace("-", "").encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))  # 16 x log2(31) = 79 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        session.add(RecoveryCode(user_id=user.id, code_hash=_digest(raw)))
    session.flush()
    return codes


def confirm_enrolment(session: Session, principal: Principal, user: User, code: str, key: str,
                      *, now: float | None = None) -> list[str]:
    """Finish enrolling with the first code from the authenticator; returns the recovery codes (shown once)."""
    _require_self(principal, user, N_("set up a second factor for"))
    cred = _credential(session, user)
    if cred is None or cred.confirmed_at is not None:
        raise Conflict(N_("no authenticator is waiting to be confirmed; open the page that sets one up again"))
    if not _accept_totp(session, cred, code, key, now):
        raise AuthenticationFailed(N_("that code is not right; type the 6 digits your authenticator shows now"))
    cred.confirmed_at = utcnow()
    codes = _new_recovery_codes(session, user)
    audit.record(session, principal, "mfa.enrol", "user", user.username, details={"username": user.username,
                                                                           "recovery_codes": len(codes)})
    return codes


def verify(session: Session, user: User, code: str, key: str, *, now: float | None = None) -> Method:
    """Check a second-factor code: a TOTP code (once per time step) or an unused recovery code (once).

    Raises AuthenticationFailed when it is neither; the caller counts that as a failed login."""
    cred = _credential(session, user)
    if cred is None or cred.confirmed_at is None:
        raise AuthenticationFailed(N_("no second factor is set up for this account"))
    if _accept_totp(session, cred, code, key, now):
        return "totp"
    rec = session.execute(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                     RecoveryCode.code_hash == _digest(code),
                                                     RecoveryCode.used_at.is_(None))).scalar_one_or_none()
    if rec is not None:
        used = cast(CursorResult[Any], session.execute(update(RecoveryCode).where(RecoveryCode.id == rec.id, RecoveryCode.used_at.is_(None))
                               .values(used_at=utcnow()).execution_options(synchronize_session=False)))
        if used.rowcount:
            left = recovery_codes_left(session, user)
            audit.record(session, accounts.principal_for(user), "mfa.recovery_used", "user", user.username,
                         details={"username": user.username, "recovery_codes_left": left})
            return "recovery"
    raise AuthenticationFailed(N_("that code is not right; type the 6 digits your authenticator shows now, or one of "
                                  "your recovery codes"))


def recovery_codes_left(session: Session, user: User) -> int:
    return int(session.execute(select(func.count()).select_from(RecoveryCode)
                               .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar() or 0)


def new_recovery_codes(session: Session, principal: Principal, user: User, code: str, key: str,
                       *, now: float | None = None) -> list[str]:
    """Replace the recovery codes (the old ones stop working), proven with a current code."""
    _require_self(principal, user, N_("renew the recovery codes of"))
    verify(session, user, code, key, now=now)
    codes = _new_recovery_codes(session, user)
    audit.record(session, principal, "mfa.recovery_codes_renewed", "user", user.username,
                 details={"username": user.username, "recovery_codes": len(codes)})
    return codes


def disable(session: Session, principal: Principal, user: User, code: str, key: str,
            *, now: float | None = None) -> None:
    """Remove one's own second factor, proven with a current code; refused where the role requires one."""
    _require_self(principal, user, N_("remove the second factor of"))
    if required(user.role_set):
        raise PermissionDenied(N_("your role (admin or data owner) requires a second factor, so it cannot be turned "
                                  "off; to move to a new device, ask an administrator to reset it and set it up again"))
    verify(session, user, code, key, now=now)
    _remove(session, user)
    audit.record(session, principal, "mfa.disable", "user", user.username, details={"username": user.username})


def reset(session: Session, principal: Principal, user: User) -> bool:
    """An administrator removes a user's second factor (a lost phone); the user sets one up at next login.

    Every session of the user ends. Returns whether there was one to remove."""
    accounts.require_user_admin(principal, user, N_("reset the second factor of"))
    had = _credential(session, user) is not None
    _remove(session, user)
    user.session_version = (user.session_version or 0) + 1
    session.flush()
    audit.record(session, principal, "mfa.reset", "user", user.username, details={"username": user.username, "had": had})
    return had


def _remove(session: Session, user: User) -> None:
    session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()


def _require_self(principal: Principal, user: User, what: str) -> None:
    if principal.user_id != user.id:
        raise PermissionDenied(N_("user {username!r} may not {what} {username2!r}: only the account's owner can, "
                                  "after logging in",
                                  username=principal.username, what=what, username2=user.username))

"""Who may do what with hits and requests: asked by the core functions that act and by the faces that
offer the action, so a form is shown exactly to those whose submission would be accepted.

Each function returns ``None`` when the principal may act, or the reason it may not (in words a worker
reads); :func:`require` turns a reason into a refusal.
"""

from __future__ import annotations

from palermo.auth.roles import Principal
from palermo.errors import PermissionDenied

FILE_ROLES = ("officer", "analyst", "data_owner")  # front-line and analytical staff follow up their own hits
ANSWER_ROLES = ("data_owner",)  # only a data owner decides on releasing the organisation's personal data


def _roles(principal: Principal, roles: tuple[str, ...], action: str) -> str | None:
    if principal.organisation_id is None:
        return f"{action} is done by an organisation; use an account of the agency concerned"
    if not principal.has(*roles):
        return (f"user {principal.username!r} may not {action}: needs role {' or '.join(roles)}, "
                f"has {', '.join(sorted(principal.roles)) or 'none'}")
    return None


def why_not_file(principal: Principal) -> str | None:
    return _roles(principal, FILE_ROLES, "file follow-up requests")


def why_not_answer(principal: Principal, owner_org_id: int) -> str | None:
    if principal.organisation_id != owner_org_id or not principal.has(*ANSWER_ROLES):
        return "only a data owner of the organisation holding the data may answer a request"
    return None


def require(reason: str | None) -> None:
    if reason is not None:
        raise PermissionDenied(reason)

"""Who may do what with hits and requests, as the rules table says (``palermo.auth.permissions``):
asked by the core functions that act and by the faces that offer the action, so a form is shown exactly
to those whose submission would be accepted.

Each function returns ``None`` when the principal may act, or the reason it may not (in words a worker
reads).
"""

from __future__ import annotations

from palermo.auth import permissions
from palermo.auth.roles import Principal
from palermo.messages import N_


def why_not_file(principal: Principal) -> str | None:
    """Filing is done by an organisation (``exchange.request``: officers, analysts, data owners)."""
    if principal.organisation_id is None:
        return N_("filing follow-up requests is done by an organisation; use an account of the agency concerned")
    decision = permissions.decide(principal, "exchange.request")
    return None if decision else decision.reason


def why_not_answer(principal: Principal, owner_org_id: int) -> str | None:
    """Only a data owner of the organisation holding the data answers (``exchange.answer``, own organisation)."""
    if principal.organisation_id is None:
        return N_("only a data owner of the organisation holding the data may answer a request")
    decision = permissions.decide(principal, "exchange.answer", owner_org_id)
    return None if decision else decision.reason

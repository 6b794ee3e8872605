"""The policy decision: may organisation R obtain category C of data from organisation O for purpose P?

One function answers it for the CLI, the API, the linkage hub and follow-up requests: allowed, with the
agreement and the clause that allow it, or refused with every reason, from every agreement that binds
the two parties.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.models import Organisation
from palermo.errors import NotFound, Problem, ValidationError
from palermo.exchange.codelists import CATEGORIES, PURPOSES, STATE_AUTHORITY_TYPES
from palermo.exchange.models import Agreement


@dataclass
class Decision:
    allowed: bool
    agreement_id: int | None = None
    agreement_ref: str | None = None
    clause: str | None = None
    reasons: list[str] = field(default_factory=list)
    handling_codes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_party(agreement: Agreement, org: Organisation) -> bool:
    """An organisation is bound directly, or as an authority of a state that is a party."""
    for p in agreement.parties:
        if p.organisation_id == org.id:
            return True
        if p.country and org.country == p.country and org.org_type in STATE_AUTHORITY_TYPES:
            return True
    return False


def agreements_between(session: Session, a: Organisation, b: Organisation) -> list[Agreement]:
    return [ag for ag in session.execute(select(Agreement).order_by(Agreement.reference)).scalars()
            if is_party(ag, a) and is_party(ag, b)]


def check_terms(category: str, purpose: str) -> None:
    problems = []
    if category not in CATEGORIES:
        problems.append(Problem(f"unknown data category; use one of {', '.join(CATEGORIES)}", field="category", value=category))
    if purpose not in PURPOSES:
        problems.append(Problem(f"unknown purpose; use one of {', '.join(PURPOSES)}", field="purpose", value=purpose))
    if problems:
        raise ValidationError("; ".join(str(p) for p in problems), problems)


def agreement_reasons(ag: Agreement, category: str, purpose: str, on: date) -> list[str]:
    """Why this agreement does not allow it (empty when it does)."""
    reasons = []
    if ag.status in ("draft", "signed"):
        reasons.append(f"agreement {ag.reference} is {ag.status}, not in force")
    elif ag.status == "suspended":
        reasons.append(f"agreement {ag.reference} is suspended")
    elif ag.status == "expired":
        reasons.append(f"agreement {ag.reference} has expired")
    if ag.valid_from and on < ag.valid_from:
        reasons.append(f"agreement {ag.reference} is not valid before {ag.valid_from}")
    if ag.valid_to and on > ag.valid_to and ag.status != "expired":
        reasons.append(f"agreement {ag.reference} expired on {ag.valid_to}")
    if category not in ag.categories:
        reasons.append(f"agreement {ag.reference} does not cover {CATEGORIES[category].lower()}")
    if purpose not in ag.purposes:
        reasons.append(f"agreement {ag.reference} does not cover the purpose {PURPOSES[purpose].lower()}")
    return reasons


def decide(session: Session, *, requester_org_id: int, owner_org_id: int, category: str, purpose: str,
           on: date | None = None, onward_from_org_id: int | None = None) -> Decision:
    """Allowed with the agreement and clause, or refused with every reason.

    ``onward_from_org_id``: the owner received the data from that organisation; passing it on is then
    also refused when every agreement under which it came forbids onward transmission (handling code H2).
    """
    check_terms(category, purpose)
    on = on or date.today()
    requester, owner = session.get(Organisation, requester_org_id), session.get(Organisation, owner_org_id)
    if requester is None or owner is None:
        raise NotFound(f"unknown organisation id {requester_org_id if requester is None else owner_org_id}")
    if requester.id == owner.id:
        return Decision(True, None, None, "own data", [], [])
    reasons: list[str] = []
    candidates = agreements_between(session, requester, owner)
    if not candidates:
        reasons.append(f"no agreement between {requester.short_name} and {owner.short_name}")
    allowed: Agreement | None = None
    for ag in candidates:
        why = agreement_reasons(ag, category, purpose, on)
        if not why and allowed is None:
            allowed = ag
        reasons.extend(why)
    if onward_from_org_id is not None and onward_from_org_id not in (requester.id, owner.id):
        source = session.get(Organisation, onward_from_org_id)
        if source is not None:
            upstream = agreements_between(session, source, owner)
            if upstream and all("H2" in ag.handling_codes for ag in upstream):
                refs = ", ".join(ag.reference for ag in upstream)
                return Decision(False, reasons=[f"onward transmission of data from {source.short_name} is forbidden "
                                                f"by {refs} (handling code H2) without its permission"])
    if allowed is not None:
        clause = allowed.clauses.get(category) or allowed.clauses.get("*") or f"{allowed.reference}: {category} for {purpose}"
        return Decision(True, allowed.id, allowed.reference, clause, [], list(allowed.handling_codes))
    return Decision(False, reasons=reasons)

"""May the hub compare two agencies' lists? The agreements registry decides (palermo.exchange.policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

CATEGORY = "hit_no_hit"


@dataclass(frozen=True)
class Permission:
    allowed: bool
    agreement: str | None = None
    reasons: list[str] = field(default_factory=list)


def may_compare(session: Session, requester_org_id: int, owner_org_id: int, purpose: str,
                on: date | None = None) -> Permission:
    """Hit/no-hit between two organisations needs an agreement covering it for this purpose, both ways:
    each side learns that the other holds a matching record."""
    from palermo.exchange.policy import decide

    reasons: list[str] = []
    refs: list[str] = []
    for req, own in ((requester_org_id, owner_org_id), (owner_org_id, requester_org_id)):
        d = decide(session, requester_org_id=req, owner_org_id=own, category=CATEGORY, purpose=purpose, on=on)
        if d.allowed:
            refs.append(d.agreement_ref or str(d.agreement_id))
        else:
            reasons.extend(d.reasons)
    if reasons:
        return Permission(False, None, sorted(set(reasons)))
    return Permission(True, " / ".join(dict.fromkeys(refs)))

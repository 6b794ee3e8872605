"""May the hub compare two agencies' lists? The agreements registry decides (palermo.exchange.policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from palermo.auth import permissions
from palermo.auth.roles import Principal

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


# Which lists an organisation holds, by its type, and what each kind of list is compared for. A victims'
# list is compared to protect and identify victims (and, at the hub, to estimate their number); a
# suspects' list to prevent, investigate and prosecute, which only authorities and agencies with that
# mandate do. An NGO worker is offered victims' lists for victim protection, never suspects' lists.
ENFORCEMENT_TYPES = {"police", "prosecution", "court", "immigration", "labour_inspection", "eu_agency",
                     "international_organisation"}
SUSPECT_PURPOSES = ("prevention", "investigation", "prosecution")
VICTIM_PURPOSES = ("victim_protection", "investigation", "research")


def list_offers(org_type: str) -> dict[str, tuple[str, ...]]:
    """The kinds of list an organisation of this type may submit, each with the purposes it may state."""
    if org_type in ENFORCEMENT_TYPES:
        return {"suspects": SUSPECT_PURPOSES, "victims": VICTIM_PURPOSES}
    if org_type == "private_company":  # customer or passenger lists, compared under a narrow protocol
        return {"suspects": ("prevention", "investigation"), "victims": ("victim_protection",)}
    # NGOs, UN agencies, rapporteurs, ministries, networks, consulates: victims, never suspects
    return {"victims": ("victim_protection", "research")}


def upload_offers(principal: Principal, org_type: str | None) -> dict[str, tuple[str, ...]]:
    """What the upload form offers this principal: nothing unless it may submit lists at all."""
    if principal.organisation_id is None or org_type is None or not permissions.allowed(principal, "linkage.upload"):
        return {}
    return list_offers(org_type)


def why_not_upload(org_type: str, list_kind: str, purpose: str) -> str | None:
    """None when an organisation of this type may submit this kind of list for this purpose; else why not."""
    offers = list_offers(org_type)
    if list_kind not in offers:
        kinds = " or ".join(f"{k}'" for k in offers)
        return (f"an organisation of type {org_type.replace('_', ' ')} submits {kinds} lists, "
                f"not {list_kind}' lists")
    if purpose not in offers[list_kind]:
        return (f"a {list_kind}' list is compared for {', '.join(p.replace('_', ' ') for p in offers[list_kind])}, "
                f"not for {purpose.replace('_', ' ')}")
    return None

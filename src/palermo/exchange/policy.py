"""The policy decision: may organisation R obtain category C of data from organisation O for purpose P?

One function answers it for the CLI, the API, the linkage hub and follow-up requests: allowed, with the
agreement and the clause that allow it, or refused with every reason, from every agreement that binds
the two organisations.

An agreement binds two organisations only when they fall under *different* parties of it: the
Europol–Netherlands agreement (parties Europol and state:NLD) covers Europol and any Dutch authority,
never two Dutch authorities with each other, since one party never serves as both sides of an exchange.
Two authorities of one state need an agreement of their own, such as a national legal basis recorded
as an agreement of type ``national_law`` with both authorities as parties.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.models import Organisation
from palermo.errors import NotFound, Problem, ValidationError
from palermo.exchange.codelists import CATEGORIES, CATEGORY_IN_TEXT, PURPOSE_IN_TEXT, PURPOSES, STATE_AUTHORITY_TYPES
from palermo.exchange.models import Agreement, AgreementParty
from palermo.messages import N_, Day, joined


class Org(Protocol):
    """What the decision needs to know of an organisation (an ORM row, or any object with these fields)."""

    id: int
    short_name: str
    org_type: str
    country: str | None


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


def party_key(party: AgreementParty) -> tuple[int | None, str | None]:
    return party.organisation_id, party.country


def covers(party: AgreementParty, org: Org) -> bool:
    """A party covers an organisation named as the party, or an authority of the state that is the party."""
    if party.organisation_id is not None:
        return party.organisation_id == org.id
    return bool(party.country) and org.country == party.country and org.org_type in STATE_AUTHORITY_TYPES


def parties_of(agreement: Agreement, org: Org) -> list[AgreementParty]:
    """The parties of ``agreement`` under which ``org`` falls (none when it is not bound by it)."""
    return [p for p in agreement.parties if covers(p, org)]


def is_party(agreement: Agreement, org: Org) -> bool:
    """An organisation is bound directly, or as an authority of a state that is a party."""
    return bool(parties_of(agreement, org))


def binds(agreement: Agreement, a: Org, b: Org) -> bool:
    """Does ``agreement`` bind ``a`` and ``b`` to each other? Only when they fall under different parties."""
    keys_a = {party_key(p) for p in parties_of(agreement, a)}
    keys_b = {party_key(p) for p in parties_of(agreement, b)}
    return any(x != y for x in keys_a for y in keys_b)


def shared_party_only(agreement: Agreement, a: Org, b: Org) -> AgreementParty | None:
    """The one party under which both fall, when the agreement binds them to nobody but each other's side."""
    pa, pb = parties_of(agreement, a), parties_of(agreement, b)
    if pa and pb and not binds(agreement, a, b):
        return pa[0]
    return None


def all_agreements(session: Session) -> list[Agreement]:
    return list(session.execute(select(Agreement).order_by(Agreement.reference)).scalars())


def check_terms(category: str, purpose: str) -> None:
    problems = []
    if category not in CATEGORIES:
        problems.append(Problem(N_("unknown data category; use one of {categories}", categories=', '.join(CATEGORIES)),
                                field="category", value=category))
    if purpose not in PURPOSES:
        problems.append(Problem(N_("unknown purpose; use one of {purposes}", purposes=', '.join(PURPOSES)), field="purpose", value=purpose))
    if problems:
        raise ValidationError(joined(p.text for p in problems), problems)


def agreement_reasons(ag: Agreement, category: str, purpose: str, on: date) -> list[str]:
    """Why this agreement does not allow it (empty when it does), each reason a whole ``N_`` sentence."""
    ref = ag.reference
    reasons: list[str] = []
    if ag.status == "draft":
        reasons.append(N_("agreement {ref} is draft, not in force", ref=ref))
    elif ag.status == "signed":
        reasons.append(N_("agreement {ref} is signed, not in force", ref=ref))
    elif ag.status == "suspended":
        reasons.append(N_("agreement {ref} is suspended", ref=ref))
    elif ag.status == "expired":
        reasons.append(N_("agreement {ref} has expired", ref=ref))
    elif ag.status != "in_force":
        reasons.append(N_("agreement {ref} has status {status!r}, not in force", ref=ref, status=ag.status))
    if ag.valid_from and on < ag.valid_from:
        reasons.append(N_("agreement {ref} is not valid before {day}", ref=ref, day=Day(ag.valid_from)))
    if ag.valid_to and on > ag.valid_to and ag.status != "expired":
        reasons.append(N_("agreement {ref} expired on {day}", ref=ref, day=Day(ag.valid_to)))
    if category not in ag.categories:
        reasons.append(N_("agreement {ref} does not cover {category}", ref=ref, category=CATEGORY_IN_TEXT[category]))
    if purpose not in ag.purposes:
        reasons.append(N_("agreement {ref} does not cover the purpose {purpose}", ref=ref,
                          purpose=PURPOSE_IN_TEXT[purpose]))
    return reasons


def _same_side(ag: Agreement, party: AgreementParty, requester: Org, owner: Org) -> str:
    if party.country:
        return N_("agreement {ref} covers {requester} and {owner} only as one party (state:{state}), and a party is "
                  "never both sides of an exchange; two authorities of {state} need an agreement or a national legal "
                  "basis that binds both", ref=ag.reference, requester=requester.short_name, owner=owner.short_name,
                  state=party.country)
    return N_("agreement {ref} covers {requester} and {owner} only as one party (organisation {party}), and a party "
              "is never both sides of an exchange", ref=ag.reference, requester=requester.short_name,
              owner=owner.short_name, party=party.organisation_id)


def decide_between(agreements: Iterable[Agreement], requester: Org, owner: Org, *, category: str, purpose: str,
                   on: date) -> Decision:
    """The decision over a given set of agreements (the registry, or any list: the property tests use it).

    Allowed under the first agreement, by reference, that binds both as different parties, is in force
    and valid on ``on``, and covers the category and the purpose; otherwise refused with every reason.
    """
    check_terms(category, purpose)
    if requester.id == owner.id:
        return Decision(True, None, None, "own data", [], [])
    reasons: list[str] = []
    allowed: Agreement | None = None
    candidates = 0
    for ag in sorted(agreements, key=lambda a: a.reference):
        if not binds(ag, requester, owner):
            shared = shared_party_only(ag, requester, owner)
            if shared is not None:
                reasons.append(_same_side(ag, shared, requester, owner))
            continue
        candidates += 1
        why = agreement_reasons(ag, category, purpose, on)
        if not why and allowed is None:
            allowed = ag
        reasons.extend(why)
    if not candidates:
        reasons.insert(0, N_("no agreement between {requester} and {owner}", requester=requester.short_name,
                             owner=owner.short_name))
    if allowed is not None:
        clause = allowed.clauses.get(category) or allowed.clauses.get("*") or f"{allowed.reference}: {category} for {purpose}"
        return Decision(True, allowed.id, allowed.reference, clause, [], list(allowed.handling_codes))
    return Decision(False, reasons=reasons)


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
        raise NotFound(N_("unknown organisation id {requester}",
                          requester=requester_org_id if requester is None else owner_org_id))
    registry = all_agreements(session)
    if onward_from_org_id is not None and onward_from_org_id not in (requester.id, owner.id):
        source = session.get(Organisation, onward_from_org_id)
        if source is not None:
            upstream = [ag for ag in registry if binds(ag, source, owner)]
            if upstream and all("H2" in ag.handling_codes for ag in upstream):
                refs = ", ".join(ag.reference for ag in upstream)
                return Decision(False, reasons=[N_("onward transmission of data from {source} is forbidden by {refs} "
                                                   "(handling code H2) without its permission",
                                                   source=source.short_name, refs=refs)])
    return decide_between(registry, requester, owner, category=category, purpose=purpose, on=on)

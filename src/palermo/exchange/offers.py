"""What the request form offers a principal: the owner, category and purposes a request could be filed
with, decided by the same rules that decide the filing (rights, the hit, the agreements), so the form
never offers what would be refused and says why when it offers nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.exchange.codelists import CATEGORIES, CATEGORY_IN_TEXT, PURPOSES
from palermo.exchange.policy import all_agreements, decide_between
from palermo.exchange.rights import why_not_file
from palermo.linkage.hits import get_hit, other_side, request_category
from palermo.messages import N_, Message

PERSONAL = ("personal_data_suspects", "personal_data_victims", "operational_information")


@dataclass
class RequestOffer:
    may_file: bool
    why_not: str | None = None
    match: str | None = None  # the hit the request follows up, when there is one
    owners: list[str] = field(default_factory=list)  # short names: the hit's other party only, with a hit
    owner: str = ""
    categories: dict[str, Message] = field(default_factory=dict)
    category: str = ""
    purposes: dict[str, Message] = field(default_factory=dict)  # those an agreement allows for the owner and category


def request_offer(session: Session, principal: Principal, *, owner: str = "", match: str = "",
                  category: str = "") -> RequestOffer:
    """The request form for ``principal``, following up hit ``match`` if given (NotFound for another
    organisation's hit, as everywhere)."""
    why = why_not_file(principal)
    if why is not None:
        return RequestOffer(False, why)
    me = session.get(Organisation, principal.organisation_id)
    if me is None:
        return RequestOffer(False, N_("your organisation is not registered at this hub"))
    orgs = {o.id: o for o in session.query(Organisation).order_by(Organisation.short_name)}
    registry = all_agreements(session)
    today = date.today()
    if match:
        hit = get_hit(session, principal, match)
        if hit.status != "open":
            return RequestOffer(False, N_("hit {match} is {status}; it can no longer be followed up", match=match,
                                         status=hit.status), match)
        target = orgs[other_side(hit, me.id)]
        cat = request_category(session, hit, me.id)
        owners, categories = [target], {cat: CATEGORIES[cat]}
    else:
        owners = [o for o in orgs.values() if o.id != me.id and any(
            decide_between(registry, me, o, category=c, purpose=p, on=today).allowed for c in PERSONAL for p in PURPOSES)]
        categories = {c: CATEGORIES[c] for c in PERSONAL}
        cat = category if category in categories else next(iter(categories))
    if not owners:
        return RequestOffer(False, N_("no agreement in force gives {org} a basis to request personal data from any "
                                      "organisation", org=me.short_name), match or None)
    chosen = next((o for o in owners if o.short_name == owner), None)
    # without a chosen owner, the purposes some owner allows; filing decides for the owner picked
    candidates = [chosen] if chosen else owners
    purposes = {p: PURPOSES[p] for p in PURPOSES if any(
        decide_between(registry, me, o, category=cat, purpose=p, on=today).allowed for o in candidates)}
    chosen = chosen or owners[0]
    if not purposes:
        return RequestOffer(False, N_("no agreement in force allows {org} to request {category} from {owner}",
                                      org=me.short_name, category=CATEGORY_IN_TEXT[cat], owner=chosen.short_name),
                            match or None,
                            [o.short_name for o in owners], chosen.short_name, categories, cat)
    return RequestOffer(True, None, match or None, [o.short_name for o in owners], chosen.short_name, categories, cat,
                        purposes)

"""Properties of the policy decision over random registries of agreements and organisations (Hypothesis).

The oracle below is the rule in its plainest form, written independently of palermo.exchange.policy:
an agreement allows R to obtain C from O for P on day D when it is in force and valid on D, covers C
and P, and R and O fall under two *different* parties of it (an organisation named as a party, or an
authority of a state that is a party).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from palermo.auth.models import Organisation
from palermo.db import Database
from palermo.exchange.codelists import CATEGORIES, PURPOSES, STATE_AUTHORITY_TYPES, STATUSES
from palermo.exchange.models import Agreement, AgreementParty
from palermo.exchange.policy import decide, decide_between

STATES = ("NLD", "ITA")
TYPES = ("police", "prosecution", "labour_inspection", "ngo", "eu_agency", "private_company")  # half are state authorities
DAY = date(2026, 6, 1)


@dataclass
class Org:
    id: int
    short_name: str
    org_type: str
    country: str | None


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Org], list[Agreement]]:
    n = draw(st.integers(2, 6))
    orgs = [Org(i + 1, f"O{i + 1}", draw(st.sampled_from(TYPES)), draw(st.sampled_from((*STATES, None))))
            for i in range(n)]
    party = st.one_of(st.builds(lambda i: AgreementParty(organisation_id=i, country=None), st.integers(1, n)),
                      st.builds(lambda c: AgreementParty(organisation_id=None, country=c), st.sampled_from(STATES)))
    agreements = []
    for k in range(draw(st.integers(0, 4))):
        start = draw(st.none() | st.dates(date(2020, 1, 1), date(2030, 1, 1)))
        end = draw(st.none() | st.dates(date(2020, 1, 1), date(2032, 1, 1)))
        agreements.append(Agreement(
            id=k + 1, reference=f"AG-{k + 1}", status=draw(st.sampled_from(("in_force", "in_force", *STATUSES))),
            valid_from=start, valid_to=end,
            categories=draw(st.lists(st.sampled_from(list(CATEGORIES)), min_size=1, max_size=6, unique=True)),
            purposes=draw(st.lists(st.sampled_from(list(PURPOSES)), min_size=1, max_size=5, unique=True)),
            handling_codes=[], clauses={}, parties=draw(st.lists(party, min_size=1, max_size=3))))
    return orgs, agreements


def _falls_under(p: AgreementParty, org: Org) -> bool:
    if p.organisation_id is not None:
        return p.organisation_id == org.id
    return org.country == p.country and org.org_type in STATE_AUTHORITY_TYPES


def _lawful(ag: Agreement, r: Org, o: Org, category: str, purpose: str, on: date) -> bool:
    in_force = ag.status == "in_force" and (ag.valid_from is None or ag.valid_from <= on) \
        and (ag.valid_to is None or on <= ag.valid_to)
    sides_r = {(p.organisation_id, p.country) for p in ag.parties if _falls_under(p, r)}
    sides_o = {(p.organisation_id, p.country) for p in ag.parties if _falls_under(p, o)}
    two_parties = any(x != y for x in sides_r for y in sides_o)
    return in_force and category in ag.categories and purpose in ag.purposes and two_parties


MANY = settings(max_examples=200, deadline=None)  # pure functions: cheap, and rare worlds need many draws
pairs = st.tuples(st.integers(0, 5), st.integers(0, 5))
terms = st.tuples(st.sampled_from(list(CATEGORIES)), st.sampled_from(list(PURPOSES)))


@MANY
@given(worlds(), pairs, terms)
def test_an_allowing_decision_names_an_agreement_binding_both_under_different_parties(world, pair, term) -> None:  # type: ignore[no-untyped-def]
    orgs, agreements = world
    r, o = orgs[pair[0] % len(orgs)], orgs[pair[1] % len(orgs)]
    assume(r.id != o.id)
    d = decide_between(agreements, r, o, category=term[0], purpose=term[1], on=DAY)
    lawful = [ag.reference for ag in agreements if _lawful(ag, r, o, term[0], term[1], DAY)]
    assert d.allowed == bool(lawful), (d, lawful)
    if d.allowed:
        assert d.agreement_ref in lawful
        assert not d.reasons
    else:
        assert d.reasons and d.agreement_ref is None


@MANY
@given(worlds(), pairs, terms)
def test_one_party_never_serves_as_both_sides(world, pair, term) -> None:  # type: ignore[no-untyped-def]
    orgs, agreements = world
    r, o = orgs[pair[0] % len(orgs)], orgs[pair[1] % len(orgs)]
    assume(r.id != o.id)
    # keep, of each agreement, only one party: whoever falls under it falls under the same party
    single = [Agreement(id=a.id, reference=a.reference, status="in_force", valid_from=None, valid_to=None,
                        categories=list(CATEGORIES), purposes=list(PURPOSES), handling_codes=[], clauses={},
                        parties=[AgreementParty(organisation_id=a.parties[0].organisation_id, country=a.parties[0].country)])
              for a in agreements]
    d = decide_between(single, r, o, category=term[0], purpose=term[1], on=DAY)
    assert not d.allowed
    for a in single:
        p = a.parties[0]
        if _falls_under(p, r) and _falls_under(p, o):
            assert any(f"{a.reference} covers {r.short_name} and {o.short_name} only as one party" in x for x in d.reasons)


@MANY
@given(worlds(), pairs, terms, st.sampled_from(["suspended", "expired", "draft", "signed", "not_yet", "ended"]))
def test_suspended_expired_or_not_yet_valid_agreements_never_allow(world, pair, term, how) -> None:  # type: ignore[no-untyped-def]
    orgs, agreements = world
    r, o = orgs[pair[0] % len(orgs)], orgs[pair[1] % len(orgs)]
    assume(r.id != o.id)
    for a in agreements:
        if how == "not_yet":
            a.status, a.valid_from = "in_force", DAY + timedelta(days=1)
        elif how == "ended":
            a.status, a.valid_to = "in_force", DAY - timedelta(days=1)
            a.valid_from = None
        else:
            a.status = how
    d = decide_between(agreements, r, o, category=term[0], purpose=term[1], on=DAY)
    assert not d.allowed and d.reasons


@MANY
@given(worlds(), pairs, terms)
def test_the_decision_is_the_same_in_both_directions(world, pair, term) -> None:  # type: ignore[no-untyped-def]
    """Agreements bind their parties mutually, so the basis does not depend on who asks."""
    orgs, agreements = world
    r, o = orgs[pair[0] % len(orgs)], orgs[pair[1] % len(orgs)]
    assume(r.id != o.id)
    there = decide_between(agreements, r, o, category=term[0], purpose=term[1], on=DAY)
    back = decide_between(agreements, o, r, category=term[0], purpose=term[1], on=DAY)
    assert (there.allowed, there.agreement_ref) == (back.allowed, back.agreement_ref)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds(), pair=pairs, term=terms)
def test_the_registry_decides_as_the_rule_says(db: Database, world, pair, term) -> None:  # type: ignore[no-untyped-def]
    """The same property through the database: agreements stored as rows (unvalidated, as a careless import
    or an old row might leave them), decided by ``decide`` on SQLite and PostgreSQL."""
    orgs, agreements = world
    r, o = orgs[pair[0] % len(orgs)], orgs[pair[1] % len(orgs)]
    assume(r.id != o.id)
    with db.session() as s:
        ids = {}
        for org in orgs:
            row = Organisation(name=org.short_name, short_name=org.short_name, org_type=org.org_type, country=org.country)
            s.add(row)
            s.flush()
            ids[org.id] = row.id
        for a in agreements:
            s.add(Agreement(reference=a.reference, title="t", agreement_type="mou", status=a.status,
                            valid_from=a.valid_from, valid_to=a.valid_to, categories=a.categories, purposes=a.purposes,
                            handling_codes=[], clauses={},
                            parties=[AgreementParty(organisation_id=ids[p.organisation_id] if p.organisation_id else None,
                                                    country=p.country) for p in a.parties]))
        s.flush()
        d = decide(s, requester_org_id=ids[r.id], owner_org_id=ids[o.id], category=term[0], purpose=term[1], on=DAY)
        s.rollback()  # each example starts from the empty registry
    lawful = [ag.reference for ag in agreements if _lawful(ag, r, o, term[0], term[1], DAY)]
    assert d.allowed == bool(lawful) and (not d.allowed or d.agreement_ref in lawful)

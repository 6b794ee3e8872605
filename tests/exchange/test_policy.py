"""The policy decision: allowed with agreement and clause, or refused with every reason."""

from __future__ import annotations

from datetime import date

import pytest

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import ImportRejected, ValidationError
from palermo.exchange.agreements import AgreementSpec, list_agreements, save_agreements
from palermo.exchange.policy import decide

SYSTEM = Principal.system()
ADMIN = Principal(None, "registrar", None, frozenset({"admin"}), True)


def _world(db: Database) -> dict[str, int]:
    with db.session() as s:
        for short, typ, cc in (("EUROPOL", "eu_agency", None), ("NL-POL", "police", "NLD"), ("NL-OM", "prosecution", "NLD"),
                               ("IT-POL", "police", "ITA"), ("MTX", "private_company", "NLD"), ("NG", "police", "NGA")):
            accounts.create_organisation(s, SYSTEM, name=short, short_name=short, org_type=typ, country=cc)
        save_agreements(s, ADMIN, [
            AgreementSpec("OPS-NL", "ops", "operational", "in_force", ["EUROPOL", "state:NLD"],
                          ["hit_no_hit", "personal_data_suspects"], ["investigation"], date(2020, 1, 1), date(2030, 1, 1),
                          ["H0", "H2"], {"hit_no_hit": "Art. 18"}),
            AgreementSpec("OLD-IT", "old", "mou", "expired", ["NL-POL", "IT-POL"], ["hit_no_hit"], ["investigation"],
                          date(2010, 1, 1), date(2015, 1, 1)),
            AgreementSpec("SUSP-NG", "susp", "mou", "suspended", ["NL-POL", "NG"], ["hit_no_hit"], ["investigation"]),
            AgreementSpec("DRAFT-NG", "draft", "mou", "draft", ["EUROPOL", "NG"], ["hit_no_hit"], ["investigation"]),
            AgreementSpec("MTX", "mtx", "data_sharing_protocol", "in_force", ["NL-POL", "MTX"], ["hit_no_hit"], ["investigation"],
                          date(2027, 1, 1)),
        ])
        return {o.short_name: o.id for o in accounts.list_organisations(s)}


@pytest.mark.parametrize("req, own, category, purpose, on, allowed, reason", [
    ("NL-POL", "EUROPOL", "hit_no_hit", "investigation", None, True, None),
    ("NL-OM", "EUROPOL", "personal_data_suspects", "investigation", None, True, None),  # state party covers NL-OM
    ("NL-POL", "EUROPOL", "personal_data_victims", "investigation", None, False, "does not cover personal data of victims"),
    ("NL-POL", "EUROPOL", "hit_no_hit", "research", None, False, "does not cover the purpose research"),
    ("NL-POL", "EUROPOL", "hit_no_hit", "investigation", date(2031, 1, 1), False, "expired on 2030-01-01"),
    ("NL-POL", "EUROPOL", "hit_no_hit", "investigation", date(2019, 1, 1), False, "not valid before 2020-01-01"),
    ("NL-POL", "IT-POL", "hit_no_hit", "investigation", None, False, "OLD-IT has expired"),
    ("NL-POL", "NG", "hit_no_hit", "investigation", None, False, "SUSP-NG is suspended"),
    ("EUROPOL", "NG", "hit_no_hit", "investigation", None, False, "DRAFT-NG is draft, not in force"),
    ("IT-POL", "NG", "hit_no_hit", "investigation", None, False, "no agreement between IT-POL and NG"),
    ("NL-POL", "MTX", "hit_no_hit", "investigation", date(2026, 6, 1), False, "not valid before 2027-01-01"),
])
def test_every_refusal_reason(db: Database, req: str, own: str, category: str, purpose: str, on: date | None,
                              allowed: bool, reason: str | None) -> None:
    ids = _world(db)
    with db.session(write=False) as s:
        d = decide(s, requester_org_id=ids[req], owner_org_id=ids[own], category=category, purpose=purpose, on=on)
    assert d.allowed is allowed
    if allowed:
        assert d.agreement_ref == "OPS-NL" and d.handling_codes == ["H0", "H2"]
        assert d.clause == ("Art. 18" if category == "hit_no_hit" else "OPS-NL: personal_data_suspects for investigation")
    else:
        assert any(reason in r for r in d.reasons), d.reasons


def test_onward_transmission_forbidden_by_h2(db: Database) -> None:
    ids = _world(db)
    with db.session() as s:
        save_agreements(s, ADMIN, [AgreementSpec("NL-IT-NEW", "new", "mou", "in_force", ["NL-POL", "IT-POL"],
                                                 ["personal_data_suspects"], ["investigation"])])
    with db.session(write=False) as s:
        direct = decide(s, requester_org_id=ids["IT-POL"], owner_org_id=ids["NL-POL"], category="personal_data_suspects",
                        purpose="investigation")
        onward = decide(s, requester_org_id=ids["IT-POL"], owner_org_id=ids["NL-POL"], category="personal_data_suspects",
                        purpose="investigation", onward_from_org_id=ids["EUROPOL"])
    assert direct.allowed and not onward.allowed
    assert "onward transmission" in onward.reasons[0] and "H2" in onward.reasons[0]


def test_bad_agreements_are_refused_and_nothing_stored(db: Database) -> None:
    _world(db)
    bad = AgreementSpec("BAD", "bad", "treaty?", "in_force", ["NL-POL", "NOBODY"], ["gossip"], [], date(2024, 1, 1),
                        date(2023, 1, 1), ["H9"], line=3)
    with db.session() as s, pytest.raises(ImportRejected) as info:
        save_agreements(s, ADMIN, [bad])
    assert {p.field for p in info.value.problems} == {"type", "categories", "purposes", "parties", "valid_to", "handling_codes"}
    contradicting = AgreementSpec("OPS-NL-2", "again", "operational", "in_force", ["EUROPOL", "state:NLD"], ["hit_no_hit"],
                                  ["investigation"], date(2025, 1, 1), None, ["H0"])
    with db.session() as s, pytest.raises(ImportRejected, match="conflicting"):
        save_agreements(s, ADMIN, [contradicting])
    with db.session(write=False) as s, pytest.raises(ValidationError, match="unknown data category"):
        decide(s, requester_org_id=1, owner_org_id=2, category="everything", purpose="investigation")


def test_two_authorities_of_one_state_are_not_both_sides_of_an_agreement(db: Database) -> None:
    """OPS-NL (Europol and state:NLD) covers each Dutch authority with Europol, never two of them with each
    other; a national legal basis naming both gives them a basis, and the decision names it."""
    ids = _world(db)
    with db.session(write=False) as s:
        d = decide(s, requester_org_id=ids["NL-POL"], owner_org_id=ids["NL-OM"], category="personal_data_suspects",
                   purpose="investigation")
    assert not d.allowed and d.agreement_ref is None
    assert any("OPS-NL covers NL-POL and NL-OM only as one party (state:NLD)" in r for r in d.reasons), d.reasons
    assert any("no agreement between NL-POL and NL-OM" in r for r in d.reasons)
    with db.session() as s:
        save_agreements(s, ADMIN, [AgreementSpec("NL-LAW", "Police Data Act", "national_law", "in_force",
                                                 ["NL-POL", "NL-OM"], ["personal_data_suspects"], ["investigation"])])
    with db.session(write=False) as s:
        d = decide(s, requester_org_id=ids["NL-OM"], owner_org_id=ids["NL-POL"], category="personal_data_suspects",
                   purpose="investigation")
        europol = decide(s, requester_org_id=ids["NL-OM"], owner_org_id=ids["EUROPOL"], category="personal_data_suspects",
                         purpose="investigation")
    assert d.allowed and d.agreement_ref == "NL-LAW"
    assert europol.allowed and europol.agreement_ref == "OPS-NL"


@pytest.mark.parametrize("parties, kind, message", [
    (["NL-POL", "NL-POL"], "mou", "at least two different parties"),
    (["EUROPOL", "state:NLD", "NL-POL"], "operational", "NL-POL is an authority of NLD, which is also a party"),
    (["state:NLD", "NL-POL"], "national_law", "name the state or its authorities, not both"),
    (["state:NLD", "EUROPOL"], "national_law", "a national legal basis binds named authorities"),
])
def test_parties_that_would_blur_the_sides_are_refused(db: Database, parties: list[str], kind: str, message: str) -> None:
    _world(db)
    with db.session() as s, pytest.raises(ImportRejected) as info:
        save_agreements(s, ADMIN, [AgreementSpec("BLUR", "t", kind, "in_force", parties, ["hit_no_hit"], ["investigation"])])
    assert any(message in p.reason for p in info.value.problems), [p.reason for p in info.value.problems]
    with db.session(write=False) as s:
        assert "BLUR" not in {a.reference for a in list_agreements(s)}

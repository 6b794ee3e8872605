"""Lawful routes in the demo, and a hit followed up to release or refusal, audited end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from palermo.auth import accounts, audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import Conflict, NotFound, PermissionDenied, ValidationError
from palermo.exchange.lawful_routes import find_routes
from palermo.exchange.requests import answer_request, dashboard, file_request, read_released
from palermo.linkage.hits import hits_for


def test_third_country_routes_in_the_demo(demo_db: Database) -> None:
    with demo_db.session(write=False) as s:
        routes = find_routes(s, "NG-NAPTIP", "EUROPOL", "hit_no_hit", "investigation")
        senegal = find_routes(s, "SN-POL", "EUROPOL", "personal_data_suspects", "investigation")
        with pytest.raises(NotFound, match="no lawful route from LY-DCIM"):
            find_routes(s, "LY-DCIM", "EUROPOL", "hit_no_hit", "investigation")
    assert [(h.from_org, h.to_org, h.agreement) for h in routes[0].hops] == [
        ("NG-NAPTIP", "UK-NCA", "UK-NG-MOU"), ("UK-NCA", "EUROPOL", "EU-UK-TCA")]
    assert [h.to_org for h in senegal[0].hops] == ["ES-POL", "EUROPOL"]


def test_hit_followed_up_to_release_and_refusal(demo_db: Database) -> None:
    with demo_db.session() as s:
        officer = accounts.principal_for(accounts.get_user(s, "nl.officer"))
        owner = accounts.principal_for(accounts.get_user(s, "europol.owner"))
        analyst = accounts.principal_for(accounts.get_user(s, "europol.analyst"))
        hit = next(h for h in hits_for(s, officer) if h.other_agency == "EUROPOL" and h.request_status is None)
        europol = accounts.get_organisation(s, "EUROPOL").id
        req = file_request(s, officer, owner_org_id=europol, category="personal_data_suspects", purpose="investigation",
                           justification="same suspect in our case", case_reference="NL-1", data_wanted="identity",
                           match_reference=hit.reference)
        ref = req.reference
    with demo_db.session() as s, pytest.raises(PermissionDenied, match="only a data owner"):
        answer_request(s, analyst, ref, decision="approve", released="x")
    with demo_db.session() as s, pytest.raises(ValidationError, match="reason"):
        answer_request(s, owner, ref, decision="refuse")
    with demo_db.session() as s:
        done = answer_request(s, owner, ref, decision="approve", released="Name, aliases")
        assert done.handling_codes == ["H0", "H1"] and done.retention_until is not None
    with demo_db.session() as s, pytest.raises(Conflict, match="already answered"):
        answer_request(s, owner, ref, decision="refuse", reason="late")
    with demo_db.session() as s:
        assert read_released(s, officer, ref).released == "Name, aliases"
        stats = dashboard(s, officer)
        assert stats["sent"]["total"] >= 2 and stats["sent"]["median_days"] is not None
    with demo_db.session(write=False) as s:
        actions = [e.action for e in s.execute(select(AuditEntry).where(AuditEntry.object_id == ref)).scalars()]
        legal = {e.legal_basis for e in s.execute(select(AuditEntry).where(AuditEntry.object_id == ref)).scalars()}
        audit.verify(s, Principal.system())
    assert actions == ["exchange.request.file", "exchange.request.approved", "exchange.request.read"]
    assert all(b and b.startswith("EU-OPS-NL") for b in legal)


def test_requests_without_basis_or_purpose_are_refused(demo_db: Database) -> None:
    with demo_db.session() as s:
        officer = accounts.principal_for(accounts.get_user(s, "nl.officer"))
        it = accounts.get_organisation(s, "IT-POL").id
        with pytest.raises(PermissionDenied, match="NL-IT-MOU has expired"):
            file_request(s, officer, owner_org_id=it, category="personal_data_suspects", purpose="investigation",
                         justification="x", case_reference="y", data_wanted="z")
        with pytest.raises(ValidationError, match="purpose"):
            file_request(s, officer, owner_org_id=it, category="personal_data_suspects", purpose="",
                         justification="x", case_reference="y", data_wanted="z")
        viewer = accounts.principal_for(accounts.get_user(s, "viewer"))
        with pytest.raises(PermissionDenied):
            file_request(s, viewer, owner_org_id=it, category="hit_no_hit", purpose="investigation",
                         justification="x", case_reference="y", data_wanted="z")


def test_no_route_edge_joins_two_authorities_under_one_state_party(demo_db: Database) -> None:
    """The graph of agreements links organisations only across parties: from the Dutch prosecution service
    to the Labour Authority there is no direct edge under EU-OPS-NL, only the national legal bases."""
    with demo_db.session(write=False) as s:
        routes = find_routes(s, "NL-OM", "NL-LA", "personal_data_victims", "investigation")
    assert all(len(r.hops) >= 2 for r in routes)
    assert [(h.to_org, h.agreement) for h in routes[0].hops] == [("NL-POL", "NL-WPG-OM"), ("NL-LA", "NL-WPG-LA")]

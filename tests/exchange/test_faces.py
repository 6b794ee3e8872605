"""Faces that fit the role: the hit/no-hit and request pages offer exactly what the core would accept
from the user reading them, decided by core functions (linkage.policy.upload_offers,
exchange.offers.request_offer, exchange.requests.may_answer), not by template logic."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.demo.linkage import DEMO_SECRET
from palermo.errors import ValidationError
from palermo.exchange.requests import file_request
from palermo.linkage.encoding import Encoder
from palermo.linkage.hits import hits_for
from palermo.linkage.hub import submit
from palermo.linkage.models import LinkUpload
from palermo.linkage.policy import list_offers, upload_offers
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from palermo.settings import Settings
from tests.conftest import make_settings
from tests.web_helpers import client_for, csrf, login


@pytest.mark.parametrize("org_type, kinds, victim_purposes", [
    ("police", {"suspects", "victims"}, {"victim_protection", "investigation", "research"}),
    ("eu_agency", {"suspects", "victims"}, {"victim_protection", "investigation", "research"}),
    ("ngo", {"victims"}, {"victim_protection", "research"}),
    ("un_agency", {"victims"}, {"victim_protection", "research"}),
    ("private_company", {"suspects", "victims"}, {"victim_protection"}),
])
def test_lists_offered_by_type_of_organisation(org_type: str, kinds: set[str], victim_purposes: set[str]) -> None:
    offers = list_offers(org_type)
    assert set(offers) == kinds and set(offers["victims"]) == victim_purposes
    assert "prosecution" not in offers.get("victims", ())
    viewer = Principal(1, "v", 7, frozenset({"viewer"}))
    assert upload_offers(viewer, org_type) == {}  # a viewer is offered no upload at all


def _client(db: Database, tmp_path: Path, user: str) -> TestClient:
    c = client_for(make_settings(tmp_path, db), db)
    login(c, user, DEMO_PASSWORD)
    return c


def _options(html: str, name: str) -> list[str]:
    select_ = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]+)"', select_.group(1)) if select_ else []


def test_an_ngo_worker_is_offered_victims_lists_for_victim_protection_not_suspects_for_prosecution(
        sqlite_demo_db: Database, tmp_path: Path) -> None:
    ngo = _options(_client(sqlite_demo_db, tmp_path, "lastrada.worker").get("/linkage").text, "kind_purpose")
    assert ngo == ["victims:victim_protection", "victims:research"]
    police = _options(_client(sqlite_demo_db, tmp_path, "nl.officer").get("/linkage").text, "kind_purpose")
    assert "suspects:prosecution" in police and "victims:victim_protection" in police
    assert 'id="upload-form"' not in _client(sqlite_demo_db, tmp_path, "viewer").get("/linkage").text
    lists, _ = agency_lists({"X": 20}, overlap=0.0, seed=1)
    ds = Encoder(DEFAULT_SCHEMA, DEMO_SECRET).encode(lists["X"], label="x")
    ds.meta["hub"] = Settings().hub_name
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    with sqlite_demo_db.session(write=False) as s:
        before = s.execute(select(func.count()).select_from(LinkUpload)).scalar_one()
    with pytest.raises(ValidationError, match="submits victims' lists, not suspects' lists"):
        with sqlite_demo_db.session() as s:
            submit(s, accounts.principal_for(accounts.get_user(s, "lastrada.worker")), buf.getvalue(), label="x",
                   purpose="prosecution", list_kind="suspects", settings=Settings())
    with pytest.raises(ValidationError, match="compared for victim protection, research, not for prosecution"):
        with sqlite_demo_db.session() as s:
            submit(s, accounts.principal_for(accounts.get_user(s, "lastrada.worker")), buf.getvalue(), label="x",
                   purpose="prosecution", list_kind="victims", settings=Settings())
    with sqlite_demo_db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(LinkUpload)).scalar_one() == before


def test_request_forms_only_to_roles_that_may_use_them(sqlite_demo_db: Database, tmp_path: Path) -> None:
    with sqlite_demo_db.session(write=False) as s:
        hit = next(h for h in hits_for(s, accounts.principal_for(accounts.get_user(s, "nl.officer")))
                   if h.other_agency == "EUROPOL" and h.request_status is None)
    viewer = _client(sqlite_demo_db, tmp_path, "viewer")
    assert "Request the record" not in viewer.get("/linkage").text
    page = viewer.get("/exchange/requests/new").text
    assert 'id="request-form"' not in page and "may not file follow-up requests" in page
    officer = _client(sqlite_demo_db, tmp_path, "nl.officer")
    assert f'href="/exchange/requests/new?match={hit.reference}"' in officer.get("/linkage").text
    form = officer.get(f"/exchange/requests/new?match={hit.reference}").text
    assert 'id="request-form"' in form
    assert re.search(r'name="owner" value="EUROPOL"', form) and re.search(r'name="category" value="personal_data_suspects"', form)
    # the purposes EU-OPS-NL covers, and no other (research is not among them)
    assert _options(form, "purpose") == ["prevention", "investigation", "prosecution", "victim_protection"]


def test_the_owner_answers_from_the_request_page_seeing_the_justification(sqlite_demo_db: Database,
                                                                           tmp_path: Path) -> None:
    with sqlite_demo_db.session() as s:
        officer = accounts.principal_for(accounts.get_user(s, "nl.officer"))
        hit = next(h for h in hits_for(s, officer) if h.other_agency == "EUROPOL" and h.request_status is None)
        ref = file_request(s, officer, owner_org_id=accounts.get_organisation(s, "EUROPOL").id,
                           category="personal_data_suspects", purpose="investigation",
                           justification="Same suspect in the Rotterdam port case", case_reference="NL-9",
                           data_wanted="aliases", match_reference=hit.reference).reference
        theirs = next(h for h in hits_for(s, accounts.principal_for(accounts.get_user(s, "europol.owner")))
                      if h.reference == hit.reference)
    for user in ("nl.officer", "europol.analyst"):  # the requester and a non-owner see it, without the form
        page = _client(sqlite_demo_db, tmp_path, user).get(f"/exchange/requests/{ref}").text
        assert "Same suspect in the Rotterdam port case" in page and 'id="answer"' not in page
    owner = _client(sqlite_demo_db, tmp_path, "europol.owner")
    inbox = owner.get("/exchange/requests").text
    assert f'href="/exchange/requests/{ref}#answer"' in inbox and 'name="decision"' not in inbox
    page = owner.get(f"/exchange/requests/{ref}").text
    assert "Same suspect in the Rotterdam port case" in page and 'id="answer"' in page
    # the owner learns which of its records is wanted, never the requester's record
    assert f"your record <strong>{theirs.my_record}</strong>" in page and hit.my_record not in page
    r = owner.post(f"/exchange/requests/{ref}/answer", data={"csrf_token": csrf(owner), "decision": "approve",
                                                             "released": "two aliases", "reason": ""})
    assert r.status_code == 200 and str(r.url).endswith(f"/exchange/requests/{ref}") and "Answered: approved" in r.text
    assert 'id="answer"' not in r.text and "approved" in r.text
    with sqlite_demo_db.session() as s:
        token = accounts.issue_token(s, Principal.system(), accounts.get_user(s, "nl.officer"), "t").token
    hits = owner.get("/api/v1/linkage/hits", headers={"Authorization": f"Bearer {token}"}).json()
    mine = next(h for h in hits if h["reference"] == hit.reference)
    assert (mine["request_status"], mine["request_reference"], mine["may_request"]) == ("answered", ref, True)
    assert "answered" in _client(sqlite_demo_db, tmp_path, "nl.officer").get("/linkage").text

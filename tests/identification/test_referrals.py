"""Referrals: consent (or child protection law) before anything is shared, the receiving organisation's
inbox and answer, the referring worker's view of it, the audit trail, and who may do what."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.db import Database
from palermo.errors import Conflict, NotFound, PermissionDenied, ValidationError
from palermo.identification.models import Referral, Screening
from palermo.identification.referrals import ReferralRequest, decide, inbox, refer, referrals_of
from palermo.identification.store import get_screening, list_screenings, save_screening
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

SCENARIOS = Path(__file__).parents[2] / "src" / "palermo" / "identification" / "data" / "scenarios"
WOMAN = json.loads((SCENARIOS / "woman-deceived-sexual-exploitation.json").read_text())
MINOR = json.loads((SCENARIOS / "minor-debt-bondage.json").read_text())


def _p(s, username):  # type: ignore[no-untyped-def]
    return accounts.principal_for(accounts.get_user(s, username))


def _count(s, model) -> int:  # type: ignore[no-untyped-def]
    return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_no_referral_without_consent_and_nothing_is_stored(demo_db: Database) -> None:
    with demo_db.session() as s:
        before = (_count(s, Screening), _count(s, Referral))
        with pytest.raises(ValidationError) as exc:
            save_screening(s, _p(s, "gr.officer"), WOMAN, referrals=[ReferralRequest("LSTRADA"),
                                                                     ReferralRequest("NOSUCHORG", consent=True),
                                                                     ReferralRequest("UNICEF", child_protection=True)])
        reasons = [p.reason for p in exc.value.problems]
        assert any("consent" in r and "La Strada" in r for r in reasons)
        assert any("no such organisation" in r for r in reasons)
        assert any("child protection referral is for a child" in r for r in reasons)  # the woman is 23
        assert (_count(s, Screening), _count(s, Referral)) == before


def test_a_child_is_referred_to_child_protection_without_consent(demo_db: Database) -> None:
    with demo_db.session() as s:
        row, _ = save_screening(s, _p(s, "gr.officer"), MINOR, referrals=[ReferralRequest("UNICEF", child_protection=True)])
        views = referrals_of(s, _p(s, "gr.officer"), row)
        assert [(v.to_short_name, v.basis, v.status) for v in views] == [("UNICEF", "child_protection_law", "received")]
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "identification.referral.create",
                                                   AuditEntry.object_id == views[0].reference)).scalar_one()
        assert "child protection" in (entry.legal_basis or "")


def test_inbox_answer_and_what_the_referring_worker_sees(demo_db: Database) -> None:
    with demo_db.session() as s:
        row, _ = save_screening(s, _p(s, "gr.officer"), WOMAN, referrals=[ReferralRequest("LSTRADA", consent=True)])
        ref = referrals_of(s, _p(s, "gr.officer"), row)[0].reference
        screening = row.reference
    with demo_db.session() as s:
        lastrada = _p(s, "lastrada.worker")
        mine = inbox(s, lastrada, status="received")
        assert ref in [v.reference for v in mine]
        assert all(v.to_short_name == "LSTRADA" for v in inbox(s, lastrada))
        with pytest.raises(ValidationError):
            decide(s, lastrada, ref, "declined", "")  # a decline says why
        with pytest.raises(ValidationError):
            decide(s, lastrada, ref, "maybe")
        with pytest.raises(NotFound):
            decide(s, _p(s, "fairwork.worker"), ref, "accepted")  # not referred to FairWork
        view = decide(s, lastrada, ref, "accepted", "Case worker assigned")
        assert view.status == "accepted"
        with pytest.raises(Conflict):
            decide(s, lastrada, ref, "declined", "changed our mind")
    with demo_db.session() as s:
        seen = referrals_of(s, _p(s, "gr.officer"), s.execute(select(Screening).where(Screening.reference == screening)).scalar_one())
        assert [(v.to_organisation, v.status, v.note) for v in seen] == [("La Strada International", "accepted", "Case worker assigned")]
        actions = set(s.execute(select(AuditEntry.action).where(AuditEntry.action.like("identification.referral.%"))).scalars())
        assert actions >= {"identification.referral.create", "identification.referral.inbox", "identification.referral.decide"}
        with pytest.raises(PermissionDenied):
            inbox(s, _p(s, "viewer"))


def test_a_declined_referral_no_longer_opens_the_screening(demo_db: Database) -> None:
    with demo_db.session() as s:
        row, _ = save_screening(s, _p(s, "gr.officer"), WOMAN, referrals=[ReferralRequest("LSTRADA", consent=True)])
        ref = referrals_of(s, _p(s, "gr.officer"), row)[0].reference
        screening = row.reference
        assert get_screening(s, _p(s, "lastrada.worker"), screening)
        decide(s, _p(s, "lastrada.worker"), ref, "declined", "Outside our area")
    with demo_db.session() as s:
        with pytest.raises(NotFound):
            get_screening(s, _p(s, "lastrada.worker"), screening)
        assert screening not in [r.reference for r in list_screenings(s, _p(s, "lastrada.worker"))]
        assert screening in [r.reference for r in list_screenings(s, _p(s, "gr.officer"))]


def test_only_the_screening_organisation_refers_and_only_once(demo_db: Database) -> None:
    with demo_db.session() as s:
        row, _ = save_screening(s, _p(s, "gr.officer"), WOMAN, referrals=[ReferralRequest("LSTRADA", consent=True)])
        with pytest.raises(PermissionDenied):
            refer(s, _p(s, "lastrada.worker"), row, [ReferralRequest("APRAMP", consent=True)])
        with pytest.raises(Conflict):
            refer(s, _p(s, "gr.officer"), row, [ReferralRequest("LSTRADA", consent=True)])
        refer(s, _p(s, "gr.officer"), row, [ReferralRequest("APRAMP", consent=True)])
        assert {v.to_short_name for v in referrals_of(s, _p(s, "gr.officer"), row)} == {"LSTRADA", "APRAMP"}
        assert {v.to_short_name for v in referrals_of(s, _p(s, "lastrada.worker"), row)} == {"LSTRADA"}  # its own only


def test_la_strada_works_its_inbox_on_the_demo(sqlite_demo_db: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, sqlite_demo_db)
    c = client_for(settings, sqlite_demo_db)
    login(c, "lastrada.worker", "palermo-demo-2000")
    page = c.get("/identification/referrals")
    assert page.status_code == 200 and "GR-HCG" not in page.text and "Hellenic" in page.text
    with sqlite_demo_db.session() as s:
        lastrada = _p(s, "lastrada.worker")
        received = [v for v in inbox(s, lastrada, status="received")]
        statuses = {v.status for v in inbox(s, lastrada)}
    assert received and statuses == {"received", "accepted", "declined"}  # the demo answers two of them
    target = received[0]
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post(f"/identification/referrals/{target.reference}/decision",
               data={"csrf_token": token, "decision": "accepted", "note": "Shelter place found", "lang": "en"},
               follow_redirects=False)
    assert r.status_code == 303
    api = c.get("/api/v1/identification/referrals", params={"status": "accepted"}).json()
    assert target.reference in [v["reference"] for v in api]
    # The referring worker sees the answer on the result page.
    c2 = client_for(settings, sqlite_demo_db)
    login(c2, "gr.officer" if target.from_organisation.startswith("Hellenic") else "es.officer", "palermo-demo-2000")
    result = c2.get(f"/identification/screenings/{target.screening_reference}?lang=en").text
    assert "Referred to La Strada International: accepted" in result and "Shelter place found" in result


def test_case_summary_web_form(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "fairwork.worker", "palermo-demo-2000")
    page = c.get("/identification/cases")
    assert 'id="case-form"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "year": "2025", "country": "NLD", "prs_Gender": "Feminine", "age_group": "adult",
            "vic_TypeOfExploitation": "ForcedLabour", "vic_TraffickingStatus": "Actual", "lang": "en"}
    r = c.post("/identification/cases", data=form, follow_redirects=True)
    assert r.status_code == 200 and "1 case summary stored." in r.text
    bad = c.post("/identification/cases", data={**form, "country": "Narnia", "year": "soon"})
    assert bad.status_code == 422 and "country" in bad.text and "year" in bad.text
    c2 = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c2, "gr.officer", "palermo-demo-2000")
    assert 'id="case-form"' not in c2.get("/identification/cases").text  # not an NGO

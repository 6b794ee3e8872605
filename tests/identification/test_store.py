"""Saved screenings are pseudonymised, audited and visible only where they should be; NGO case summaries
count into the statistics as presumed or identified victims."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.db import Database
from palermo.errors import NotFound, PermissionDenied, ValidationError
from palermo.identification.models import Screening
from palermo.identification.referrals import ReferralRequest
from palermo.identification.store import get_screening, list_screenings, save_screening, submit_cases
from palermo.statistics.query import find_observations

SCENARIOS = Path(__file__).parents[2] / "src" / "palermo" / "identification" / "data" / "scenarios"


def _p(s, username):  # type: ignore[no-untyped-def]
    return accounts.principal_for(accounts.get_user(s, username))


def test_saved_screening_visibility_and_audit(demo_db: Database) -> None:
    case = json.loads((SCENARIOS / "woman-deceived-sexual-exploitation.json").read_text())
    with demo_db.session() as s:
        row, result = save_screening(s, _p(s, "gr.officer"), case, referrals=[ReferralRequest("LSTRADA", consent=True)])
        ref = row.reference
    assert result.conclusion == "both"
    with demo_db.session() as s:
        assert get_screening(s, _p(s, "lastrada.worker"), ref)[1].conclusion == "both"  # referred organisation
        assert ref in [r.reference for r in list_screenings(s, _p(s, "gr.officer"))]
        with pytest.raises(NotFound):
            get_screening(s, _p(s, "nl.analyst"), ref)
    with demo_db.session(write=False) as s:
        stored = s.execute(select(Screening).where(Screening.reference == ref)).scalar_one()
        assert "name" not in json.dumps(stored.case).lower()
        actions = [e.action for e in s.execute(select(AuditEntry).where(AuditEntry.object_id == ref)).scalars()]
        assert actions == ["identification.screening.save", "identification.screening.read"]


def test_screening_needs_the_role_and_valid_input(demo_db: Database) -> None:
    with demo_db.session() as s:
        with pytest.raises(PermissionDenied):
            save_screening(s, _p(s, "viewer"), {"age": 20})
        with pytest.raises(ValidationError):
            save_screening(s, _p(s, "gr.officer"), {"observed": ["XX"]})
    with demo_db.session(write=False) as s:
        assert s.execute(select(Screening).where(Screening.created_by == "viewer")).first() is None


def test_ngo_cases_show_up_as_presumed_victims(demo_db: Database) -> None:
    cases = [{"year": 2025, "country": "NLD", "prs_Gender": "Feminine", "age_group": "adult", "prs_Citizenship": "NGA",
              "vic_TypeOfExploitation": "SexualExploitation", "vic_TraffickingStatus": "Possible"},
             {"year": 2025, "country": "NLD", "prs_Gender": "Masculine", "age_group": "child", "prs_Citizenship": "NLD",
              "vic_TypeOfExploitation": "ForcedCriminality", "vic_TraffickingStatus": "Possible"},
             {"year": 2025, "country": "NLD", "prs_Gender": "Feminine", "age_group": "adult",
              "vic_TypeOfExploitation": "ForcedLabour", "vic_TraffickingStatus": "Actual"}]
    def counts() -> tuple[dict, dict]:  # type: ignore[type-arg]
        with demo_db.session(write=False) as s:
            def cells(stage: str) -> dict:  # type: ignore[type-arg]
                return {(o.sex, o.age_group, o.citizenship, o.exploitation): o.value or 0
                        for o in find_observations(s, _p(s, "nl.analyst"), country="NLD", stage=stage, period="2025")
                        if o.source_type == "ngo" and o.source_key.startswith("ngo-cases-fairwork")}
            return cells("presumed"), cells("identified")

    presumed_before, identified_before = counts()
    with demo_db.session() as s:
        assert submit_cases(s, _p(s, "fairwork.worker"), cases) == 3
        with pytest.raises(PermissionDenied, match="non-governmental"):
            submit_cases(s, _p(s, "nl.officer"), cases)
    with demo_db.session() as s, pytest.raises(ValidationError) as info:
        submit_cases(s, _p(s, "fairwork.worker"), [{**cases[0], "prs_FirstName": "Joy", "prs_Gender": "F"}])
    assert {p.field for p in info.value.problems} == {"prs_Gender", "prs_FirstName"}
    presumed, identified = counts()

    def added(after: dict, before: dict, key: tuple[str, ...]) -> float:  # type: ignore[type-arg]
        return after.get(key, 0) - before.get(key, 0)

    total = ("total", "total", "total", "total")
    assert added(presumed, presumed_before, total) == 2 and added(presumed, presumed_before, ("female", "total", "total", "total")) == 1
    assert added(presumed, presumed_before, ("total", "child", "total", "total")) == 1
    assert added(presumed, presumed_before, ("total", "total", "foreign", "total")) == 1
    assert added(presumed, presumed_before, ("total", "total", "total", "criminality")) == 1
    assert added(identified, identified_before, total) == 1


def test_a_saved_screening_keeps_the_catalogue_version_it_was_assessed_with(demo_db: Database) -> None:
    """A screening saved under 2026.1 (strong threats at recruitment) is shown as assessed then."""
    old_case = {"age": 30, "observed": [{"indicator": "CR-THREAT"}, {"indicator": "CR-DOCS"}], "journey": {}}
    with demo_db.session() as s:
        org = accounts.get_user(s, "gr.officer").organisation_id
        s.add(Screening(reference="scr-old2026v1", organisation_id=org, referred_to=[], created_by="gr.officer",
                        catalogue_version="2026.1", lang="en", age_group="adult", conclusion="possible_trafficking",
                        case=old_case))
    with demo_db.session() as s:
        row, result = get_screening(s, _p(s, "gr.officer"), "scr-old2026v1")
    assert result.catalogue_version == "2026.1"
    coercive = next(d for d in result.list_result("adult_labour").dimensions if d.key == "coercive_recruitment")
    assert coercive.positive and coercive.strong == 1  # 2026.1 counted the threat as strong; 2026.2 does not

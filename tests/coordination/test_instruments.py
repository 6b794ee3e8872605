"""Instruments with states' participation, action plans and overdue commitments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from palermo.auth.roles import Principal
from palermo.coordination.instruments import CommitmentSpec, add_action_plan, commitments, instrument_table, load_instruments
from palermo.db import Database
from palermo.errors import ValidationError

SYSTEM = Principal.system()


def test_protocols_load_once_with_dates(db: Database) -> None:
    with db.session() as s:
        n = load_instruments(s)
        assert n > 0 and load_instruments(s) == 0  # idempotent
    with db.session(write=False) as s:
        table = {t["key"]: t for t in instrument_table(s)}
    assert set(table) == {"trafficking-protocol", "smuggling-protocol", "global-compact-migration"}
    ita = next(p for p in table["trafficking-protocol"]["parties"] if p["country"] == "ITA")
    assert ita["consent"] == date(2006, 8, 2) and ita["kind"] == "ratification"
    assert table["global-compact-migration"]["binding"] is False


def test_overdue_commitments_are_flagged(db: Database) -> None:
    today = date(2026, 6, 1)
    with db.session() as s:
        add_action_plan(s, SYSTEM, "Plan", "NGA", [
            CommitmentSpec("late and open", "Agency A", today - timedelta(days=1), "open"),
            CommitmentSpec("late but done", "Agency A", today - timedelta(days=10), "done", "report"),
            CommitmentSpec("not yet due", "Agency B", today + timedelta(days=10), "in_progress")])
    with db.session(write=False) as s:
        rows = {r["text"]: r["overdue"] for r in commitments(s, today=today)}
    assert rows == {"late and open": True, "late but done": False, "not yet due": False}
    with db.session() as s, pytest.raises(ValidationError) as info:
        add_action_plan(s, SYSTEM, "Plan 2", "NGA", [CommitmentSpec("", "A", today, "whenever")])
    assert {p.field for p in info.value.problems} == {"status", "text"}


def test_commitments_show_the_status_their_evidence_shows(sqlite_demo_db: Database) -> None:
    """The demo's plan: one overdue commitment with no initiative (a gap), one delivered by an initiative
    under way and its indicator, one whose statistics were published."""
    with sqlite_demo_db.session(write=False) as s:
        rows = {r["text"].split()[0]: r for r in commitments(s, SYSTEM)}
    assert rows["Adopt"]["gap"] and rows["Adopt"]["evidence_status"] == "not linked"
    assert rows["Train"]["evidence_status"] == "under way" and not rows["Train"]["gap"]
    assert "DEMO-NGA-01 under way" in rows["Train"]["evidence_items"]
    assert "DEMO-NGA-01:Border officers trained: 320 of 500" in rows["Train"]["evidence_items"]
    assert rows["Publish"]["evidence_status"] == "delivered" and not rows["Publish"]["disagrees"]
    assert rows["Publish"]["evidence_items"] == ["statistics ng-naptip-identified: data published up to 2024"]


def test_links_to_unknown_initiatives_or_indicators_are_refused_and_links_can_be_set(db: Database) -> None:
    from palermo.coordination.initiatives import InitiativeSpec, save_initiatives
    from palermo.coordination.instruments import link_commitment
    from palermo.coordination.results import ResultSpec

    today = date(2026, 6, 1)
    with db.session() as s, pytest.raises(ValidationError) as info:
        add_action_plan(s, SYSTEM, "Plan", "NGA", [CommitmentSpec("x", "A", today, initiatives=["NOPE"],
                                                                  indicators=["nonsense", "NOPE:people"])])
    assert [p.field for p in info.value.problems] == ["initiatives", "indicators", "indicators"]
    with db.session() as s:
        save_initiatives(s, SYSTEM, [InitiativeSpec("I-1", "Shelter", [("NGO", "implementing")], themes=["victim_assistance"],
                                                    countries=["NGA"], start=date(2025, 1, 1), end=date(2027, 1, 1),
                                                    results=[ResultSpec("people", date(2025, 1, 1), date(2026, 12, 31),
                                                                        target=10, actual=12)])])
        plan = add_action_plan(s, SYSTEM, "Plan", "NGA", [CommitmentSpec("Shelter 10 victims", "A", today - timedelta(days=5)),
                                                           CommitmentSpec("Report", "A", today - timedelta(days=5), "done")])
        ids = [c.id for c in plan.commitments]
    with db.session(write=False) as s:
        before = {r["text"]: r for r in commitments(s, SYSTEM, today)}
    assert before["Shelter 10 victims"]["gap"] and before["Report"]["disagrees"]
    with db.session() as s:
        link_commitment(s, SYSTEM, ids[0], initiatives=["I-1"], indicators=["I-1:people"])
    with db.session(write=False) as s:
        after = {r["text"]: r for r in commitments(s, SYSTEM, today)}
    assert not after["Shelter 10 victims"]["gap"] and after["Shelter 10 victims"]["evidence_status"] == "delivered"
    assert "I-1:people: 12 of 10, target met" in after["Shelter 10 victims"]["evidence_items"]

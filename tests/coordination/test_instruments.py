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
        rows = {r["text"]: r["overdue"] for r in commitments(s, today)}
    assert rows == {"late and open": True, "late but done": False, "not yet due": False}
    with db.session() as s, pytest.raises(ValidationError) as info:
        add_action_plan(s, SYSTEM, "Plan 2", "NGA", [CommitmentSpec("", "A", today, "whenever")])
    assert {p.field for p in info.value.problems} == {"status", "text"}

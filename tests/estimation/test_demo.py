"""The demo's hub overlap of synthetic NGO, police and labour-inspection lists, and its estimate."""

from __future__ import annotations

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo.estimation import PERIOD, TRUE_SIZE
from palermo.estimation import estimate_population
from palermo.estimation.tables import histories_of, visible_tables


def test_demo_hub_overlap_is_shared_and_its_estimate_covers_the_truth(sqlite_demo_db: Database) -> None:
    with sqlite_demo_db.session() as s:
        someone = Principal(None, "x", -1, frozenset({"viewer"}))  # any organisation sees shared hub overlaps
        tables = [t for t in visible_tables(s, someone) if t.country == "NLD" and t.period == PERIOD]
        assert len(tables) == 1 and tables[0].shared
        h = histories_of(tables[0])
        assert h.lists == ("NGO", "POLICE", "LABOUR_INSPECTION")
        r = estimate_population(h, criterion="bic")
        assert r.lower <= TRUE_SIZE <= r.upper
        assert r.observed < TRUE_SIZE / 2  # most victims are on no list, as in the real data sets

"""The demo: victim lists submitted to the hub as encodings, their overlap, the estimate and its statistics source."""

from __future__ import annotations

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo.estimation import PERIOD, TRUE_SIZE
from palermo.estimation import estimate_population
from palermo.estimation.source import country_estimate_text
from palermo.estimation.tables import histories_of, visible_tables
from palermo.statistics.query import find_observations


def test_demo_hub_overlap_is_shared_and_its_estimate_covers_the_truth(sqlite_demo_db: Database) -> None:
    with sqlite_demo_db.session() as s:
        someone = Principal(None, "x", -1, frozenset({"viewer"}))  # any organisation sees shared hub overlaps
        tables = [t for t in visible_tables(s, someone) if t.country == "NLD" and t.period == PERIOD]
        assert len(tables) == 1 and tables[0].shared and tables[0].origin == "hub"
        h = histories_of(tables[0])
        assert h.lists == ("LABOUR_INSPECTION", "NGO", "POLICE")
        r = estimate_population(h, criterion="bic")
        assert r.lower <= TRUE_SIZE <= r.upper
        assert r.observed < TRUE_SIZE / 2  # most victims are on no list, as in the real data sets


def test_demo_estimate_is_an_estimate_source_never_a_count(demo_db: Database) -> None:
    with demo_db.session() as s:
        system = Principal.system()
        estimated = [o for o in find_observations(s, system, country="NLD", indicator="victims", stage="estimated")
                     if o.source_type == "estimate"]
        assert len(estimated) == 1
        o = estimated[0]
        assert o.period == PERIOD and "estimated" in o.flags
        assert o.lower is not None and o.upper is not None and o.lower < o.value < o.upper
        assert o.lower <= TRUE_SIZE <= o.upper
        text = country_estimate_text(s, system, "NLD")
        assert text is not None and "estimated total" in text

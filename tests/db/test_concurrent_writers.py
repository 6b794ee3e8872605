"""Many writers at once, on PostgreSQL and on SQLite: imports, follow-up requests and their approvals.

No lost update (two answers to one request: one wins, the other is told it was already answered), no
duplicate (two imports into one new source: one source, each cell once), every accepted write in the
audit chain, and every refused one refused with a clear error (never a crash, never half stored).
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

from sqlalchemy import func, select

from palermo.auth import accounts, audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import Conflict, DatabaseUnavailable, PalermoError
from palermo.exchange.models import ExchangeRequest
from palermo.exchange.requests import answer_request, file_request
from palermo.statistics.importers import import_eurostat_tsv
from palermo.statistics.models import Observation, Source

DATA = Path(__file__).parents[1] / "data" / "statistics"
WRITERS = 8


def _race(n: int, work) -> list[str]:  # type: ignore[no-untyped-def]
    """Run ``work(i)`` in n threads released at the same instant; the outcome of each as a word."""
    start = Barrier(n)

    def run(i: int) -> str:
        start.wait()
        try:
            work(i)
            return "ok"
        except Conflict:
            return "conflict"
        except DatabaseUnavailable:
            return "busy"  # SQLite's single writer, refused clearly (503) after its busy timeout
        except PalermoError as exc:
            return f"error: {exc}"

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_imports_into_one_new_source_store_each_cell_once(db: Database) -> None:
    def work(i: int) -> None:
        with db.session() as s:
            import_eurostat_tsv(s, Principal.system(), DATA / "crim_thb_vict.tsv", key="race")

    outcomes = _race(WRITERS, work)
    assert set(outcomes) <= {"ok", "busy"} and outcomes.count("ok") >= 1, outcomes
    with db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Source).where(Source.key == "race")).scalar() == 1
        assert s.execute(select(func.count()).select_from(Observation)).scalar() == 18  # re-imports replace, never add
        imports = s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "stats.import")).scalar()
        assert imports == outcomes.count("ok")
        audit.verify(s, Principal.system())


def test_concurrent_imports_into_different_sources_all_land(db: Database) -> None:
    def work(i: int) -> None:
        with db.session() as s:
            import_eurostat_tsv(s, Principal.system(), DATA / "crim_thb_vict.tsv", key=f"source-{i}")

    outcomes = _race(WRITERS, work)
    assert set(outcomes) <= {"ok", "busy"} and outcomes.count("ok") >= 1, outcomes
    with db.session(write=False) as s:
        stored = s.execute(select(Source.key)).scalars().all()
        assert sorted(stored) == sorted(f"source-{i}" for i, o in enumerate(outcomes) if o == "ok")
        assert s.execute(select(func.count()).select_from(Observation)).scalar() == 18 * outcomes.count("ok")
        audit.verify(s, Principal.system())


def test_concurrent_requests_and_one_answer_per_request(demo_db: Database) -> None:
    with demo_db.session() as s:
        officer = accounts.principal_for(accounts.get_user(s, "nl.officer"))
        owner = accounts.principal_for(accounts.get_user(s, "europol.owner"))
        europol = accounts.get_organisation(s, "EUROPOL").id
        before = s.execute(select(func.count()).select_from(ExchangeRequest)).scalar()

    refs: list[str] = []

    def file(i: int) -> None:
        with demo_db.session() as s:
            req = file_request(s, officer, owner_org_id=europol, category="personal_data_suspects", purpose="investigation",
                               justification="same suspect", case_reference=f"NL-{i}", data_wanted="identity")
            refs.append(req.reference)

    filed = _race(WRITERS, file)
    assert set(filed) <= {"ok", "busy"} and filed.count("ok") >= 1, filed
    assert len(set(refs)) == len(refs) == filed.count("ok")
    target = refs[0]

    def answer(i: int) -> None:  # every data owner session answers the same request at once, differently
        with demo_db.session() as s:
            if i % 2:
                answer_request(s, owner, target, decision="refuse", reason=f"refusal {i}")
            else:
                answer_request(s, owner, target, decision="approve", released=f"release {i}")

    answered = Counter(_race(WRITERS, answer))
    assert answered["ok"] == 1 and set(answered) <= {"ok", "conflict", "busy"}, answered  # one winner, no lost update
    with demo_db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(ExchangeRequest)).scalar() == before + len(refs)
        req = s.execute(select(ExchangeRequest).where(ExchangeRequest.reference == target)).scalar_one()
        decisions = s.execute(select(AuditEntry).where(AuditEntry.object_id == target,
                                                       AuditEntry.action.like("exchange.request.%")
                                                       & (AuditEntry.action != "exchange.request.file"))).scalars().all()
        assert len(decisions) == 1 and decisions[0].action == f"exchange.request.{req.status}"
        if req.status == "refused":  # the stored decision is the audited one, not a mix of two answers
            assert json.loads(decisions[0].details)["reason"] == req.decision_reason and not req.released
        else:
            assert req.status == "approved" and req.released.startswith("release ") and not req.decision_reason
        filings = s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "exchange.request.file",
                                                                                AuditEntry.object_id.in_(refs))).scalar()
        assert filings == len(refs)
        audit.verify(s, Principal.system())


def test_a_unique_constraint_race_is_a_conflict_and_stores_nothing(db: Database) -> None:
    """The safety net under every domain: what a concurrent writer's duplicate key looks like to the caller."""
    import pytest

    from palermo.auth.models import Organisation

    with pytest.raises(Conflict, match="Retry it"), db.session() as s:
        s.add(Organisation(name="Same", short_name="S1", org_type="police"))
        s.flush()
        s.add(Organisation(name="Same", short_name="S2", org_type="police"))
        s.flush()
    with db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Organisation).where(Organisation.name == "Same")).scalar() == 0


def test_a_read_session_cannot_write(db: Database) -> None:
    """Reads take no lock (so they never queue behind writers); the price is that they must not write."""
    import pytest
    from sqlalchemy.exc import DBAPIError

    from palermo.auth.models import Organisation

    with pytest.raises(DBAPIError, match="(?i)read.?only"), db.session(write=False) as s:
        s.add(Organisation(name="Sneaky", short_name="SN", org_type="police"))
        s.flush()
    with db.session() as s:  # a writer's session on the same pooled connection writes normally again
        s.add(Organisation(name="Fine", short_name="FN", org_type="police"))
    with db.session(write=False) as s:
        names = s.execute(select(Organisation.name)).scalars().all()
    assert "Fine" in names and "Sneaky" not in names

"""Many writers appending to the audit trail at once: no fork, no duplicate, no lost entry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from palermo.auth import audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database

WRITERS, EACH = 8, 15


def test_concurrent_appends_keep_one_chain(db: Database) -> None:
    def work(w: int) -> int:
        actor = Principal(w, f"writer{w}", w, frozenset({"officer"}))
        for i in range(EACH):
            with db.session() as s:
                audit.record(s, actor, "concurrent.write", "thing", f"{w}-{i}")
        return w

    with ThreadPoolExecutor(WRITERS) as pool:
        assert sorted(pool.map(work, range(WRITERS))) == list(range(WRITERS))
    with db.session(write=False) as s:
        assert audit.verify(s, Principal.system()).entries == WRITERS * EACH
        objects = s.execute(select(AuditEntry.object_id)).scalars().all()
        assert len(set(objects)) == WRITERS * EACH
        assert s.execute(select(func.max(AuditEntry.seq))).scalar() == WRITERS * EACH


def test_a_failed_operation_leaves_no_audit_entry(db: Database) -> None:
    actor = Principal(1, "a", 1, frozenset({"officer"}))
    try:
        with db.session() as s:
            audit.record(s, actor, "doomed", "thing", 1)
            raise RuntimeError("operation fails after auditing")
    except RuntimeError:
        pass
    with db.session() as s:
        audit.record(s, actor, "kept", "thing", 2)
    with db.session(write=False) as s:
        assert audit.verify(s, Principal.system()).entries == 1
        assert s.execute(select(AuditEntry.action)).scalars().all() == ["kept"]

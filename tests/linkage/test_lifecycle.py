"""Uploads with a life: superseded by a newer upload of the same list (hits keep their references),
withdrawn by their organisation, expired at the shortest retention of their agreements and purged on a
clock the test controls; refusals change nothing and are audited; the audit chain still verifies."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from palermo.auth import accounts, audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo.linkage import DEMO_SECRET
from palermo.errors import Conflict, NotFound, PermissionDenied, ValidationError
from palermo.exchange.models import Agreement, ExchangeRequest
from palermo.exchange.requests import answer_request, file_request
from palermo.linkage.encoding import Encoder
from palermo.linkage.hits import hits_for
from palermo.linkage.hub import submit
from palermo.linkage.lifecycle import uploads_for, withdraw
from palermo.linkage.models import LinkHit, LinkPurge, LinkUpload
from palermo.linkage.retention import purge
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from palermo.settings import Settings

LISTS, TRUTH = agency_lists({"A": 120, "B": 120}, overlap=0.3, noise=0.05, seed=4)
UTC = UTC


def _bytes(rows: list[dict[str, str | None]], secret: bytes = DEMO_SECRET, epoch: int | None = None) -> bytes:
    ds = Encoder(DEFAULT_SCHEMA, secret).encode(rows, label="x")
    ds.meta["hub"] = "palermo-hub"
    if epoch is not None:
        ds.meta["key_epoch"] = str(epoch)
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return buf.getvalue()


def _who(s, user):  # type: ignore[no-untyped-def]
    return accounts.principal_for(accounts.get_user(s, user))


def _submit(s, user: str, rows, label: str, **kw):  # type: ignore[no-untyped-def]
    return submit(s, _who(s, user), _bytes(rows, **kw), label=label, purpose="investigation", list_kind="suspects",
                  settings=Settings())


def _count(s, action: str) -> int:  # type: ignore[no-untyped-def]
    return int(s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)).scalar() or 0)


def test_a_new_upload_of_the_same_list_supersedes_the_old_and_keeps_its_hits(demo_db: Database) -> None:
    with demo_db.session() as s:
        a = _submit(s, "es.officer", LISTS["A"], "A")
        b = _submit(s, "europol.analyst", LISTS["B"], "B")
        pairs = {(h.record_b, h.record_a): h.reference for h in b.hits if h.org_b_id == a.upload.organisation_id}
        assert len(pairs) >= 30
        a2 = _submit(s, "es.officer", LISTS["A"], "A")  # the same list again
        a_id, a2_id = a.upload.id, a2.upload.id
    with demo_db.session(write=False) as s:
        old, new = s.get(LinkUpload, a_id), s.get(LinkUpload, a2_id)
        assert old.status == "superseded" and old.encodings is None and f"upload {new.reference}" in old.ended_reason
        assert new.status == "live" and new.encodings is not None
        carried = {((h.record_a, h.record_b) if h.upload_a_id == a2_id else (h.record_b, h.record_a)): h.reference
                   for h in s.execute(select(LinkHit).where((LinkHit.upload_a_id == a2_id) | (LinkHit.upload_b_id == a2_id))).scalars()}
        assert carried == pairs  # the same hits, same references: nothing duplicated, nothing lost
        assert not s.execute(select(LinkHit).where((LinkHit.upload_a_id == a_id) | (LinkHit.upload_b_id == a_id))).scalars().all()
    # A smaller list: hits of the records no longer on it end as superseded, the others stay open.
    kept = [r for r in LISTS["A"] if r["record_id"] not in {k[0] for k in list(pairs)[:5]}]
    dropped = {ref for (rec, _), ref in pairs.items() if rec not in {r["record_id"] for r in kept}}
    with demo_db.session() as s:
        _submit(s, "es.officer", kept, "A")
    with demo_db.session(write=False) as s:
        status = {h.reference: h.status for h in hits_for(s, _who(s, "es.officer")) if h.reference in pairs.values()}
        assert {r for r, st in status.items() if st == "superseded"} == dropped and len(dropped) == 5
        assert all(st == "open" for r, st in status.items() if r not in dropped)
        views = {u.reference: u.status for u in uploads_for(s, _who(s, "es.officer"))}
        assert views[s.get(LinkUpload, a_id).reference] == views[s.get(LinkUpload, a2_id).reference] == "superseded"


def test_withdraw_deletes_encodings_and_withdraws_hits_refusals_change_nothing(demo_db: Database) -> None:
    with demo_db.session() as s:
        a = _submit(s, "es.officer", LISTS["A"], "A")
        b = _submit(s, "europol.analyst", LISTS["B"], "B")
        a_id, a_ref = a.upload.id, a.upload.reference
        refs = {h.reference for h in b.hits if h.org_b_id == a.upload.organisation_id}
        refused_before = _count(s, "link.upload.withdraw_refused")
    for user, error in (("europol.analyst", NotFound), ("nl.admin", PermissionDenied), ("europol.owner", NotFound)):
        with pytest.raises(error), demo_db.session() as s:
            withdraw(s, _who(s, user), a_ref)
    with pytest.raises(NotFound, match="no upload upl-000000000000 "), demo_db.session() as s:
        withdraw(s, _who(s, "es.officer"), "upl-000000000000")
    with demo_db.session(write=False) as s:
        assert s.get(LinkUpload, a_id).status == "live" and s.get(LinkUpload, a_id).encodings is not None
        assert _count(s, "link.upload.withdraw_refused") == refused_before + 4
        assert {h.status for h in hits_for(s, _who(s, "europol.analyst")) if h.reference in refs} == {"open"}
    with demo_db.session() as s:
        upload, n = withdraw(s, _who(s, "es.officer"), a_ref)
        assert n == len(refs)
    with pytest.raises(Conflict, match="already withdrawn"), demo_db.session() as s:
        withdraw(s, _who(s, "es.officer"), a_ref)
    with demo_db.session(write=False) as s:
        u = s.get(LinkUpload, a_id)
        assert u.status == "withdrawn" and u.encodings is None
        # the other side learns the hit is withdrawn, so it files no request on it
        assert {h.status for h in hits_for(s, _who(s, "europol.analyst")) if h.reference in refs} == {"withdrawn"}
        audit.verify(s, Principal.system())


def test_expiry_at_the_shortest_retention_and_the_purge_on_a_controlled_clock(demo_db: Database) -> None:
    t0 = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    with demo_db.session() as s:
        s.execute(select(Agreement).where(Agreement.reference == "EU-OPS-ES")).scalar_one().retention_days = 30
    with time_machine.travel(t0, tick=False), demo_db.session() as s:
        a = _submit(s, "es.officer", LISTS["A"], "A")
        b = _submit(s, "europol.analyst", LISTS["B"], "B")
        ids = (a.upload.id, b.upload.id)
        assert a.upload.expires_at == t0 + timedelta(days=30)  # EU-OPS-ES's 30 days, not the hub's 1095
        assert b.upload.expires_at == t0 + timedelta(days=30)  # the shortest among EU-OPS-ES/-NL/-IT
        # a request answered with released data, delete-by date 30 days on
        ref = next(h.reference for h in b.hits if h.org_b_id == a.upload.organisation_id)
        req = file_request(s, _who(s, "europol.analyst"), owner_org_id=a.upload.organisation_id,
                           category="personal_data_suspects", purpose="investigation", justification="j",
                           case_reference="c", data_wanted="d", match_reference=ref)
        answer_request(s, _who(s, "es.owner"), req.reference, decision="approve", released="name and address")
        req_ref = req.reference
        assert req.retention_until == date(2027, 3, 31)
    system = Principal.system()
    with time_machine.travel(t0 + timedelta(days=29), tick=False), demo_db.session() as s:
        first = purge(s, system)
        assert {s.get(LinkUpload, i).status for i in ids} == {"live"}
        assert first.on == date(2027, 3, 30)
    with time_machine.travel(t0 + timedelta(days=30, hours=1), tick=False):
        with demo_db.session() as s:
            end = datetime(2027, 4, 1, tzinfo=UTC)
            due = s.execute(select(LinkUpload).where(LinkUpload.status == "live", LinkUpload.expires_at < end)).scalars().all()
            expected = (len(due), sum(u.records for u in due))
            open_hits = s.execute(select(func.count()).select_from(LinkHit).where(
                LinkHit.status == "open",
                (LinkHit.upload_a_id.in_([u.id for u in due])) | (LinkHit.upload_b_id.in_([u.id for u in due])))).scalar()
            result = purge(s, system)
        assert set(ids) <= {u.id for u in due}
        assert (result.counts["uploads_expired"], result.counts["encodings_deleted"]) == expected
        assert result.counts["hits_ended"] == open_hits > 0
        assert result.counts["released_records_deleted"] == 1
        with demo_db.session(write=False) as s:
            assert {(s.get(LinkUpload, i).status, s.get(LinkUpload, i).encodings) for i in ids} == {("expired", None)}
            assert s.execute(select(ExchangeRequest).where(ExchangeRequest.reference == req_ref)).scalar_one().released == ""
            purges = s.execute(select(func.count()).select_from(LinkPurge)).scalar()
            entry = s.execute(select(AuditEntry).where(AuditEntry.action == "maintenance.purge")
                              .order_by(AuditEntry.seq.desc())).scalars().first()
            assert entry is not None and '"uploads_expired":' + str(expected[0]) in entry.details
        # a purge going back before the last one, or ahead of today: refused, nothing changed, audited
        for on, message in ((date(2027, 3, 29), "before the last purge"), (date(2027, 4, 2), "after today")):
            with pytest.raises(ValidationError, match=message), demo_db.session() as s:
                purge(s, system, on)
        with pytest.raises(PermissionDenied), demo_db.session() as s:
            purge(s, _who(s, "nl.admin"))
        with demo_db.session(write=False) as s:
            assert s.execute(select(func.count()).select_from(LinkPurge)).scalar() == purges
            assert _count(s, "maintenance.purge_refused") == 3
            assert audit.verify(s, Principal.system()).entries > 0  # the chain still verifies after deletions
        with demo_db.session() as s:  # purging the same day again finds nothing left to do
            again = purge(s, system)
        assert sum(again.counts.values()) == 0


def test_upload_references_say_nothing_of_other_agencies_uploads(demo_db: Database) -> None:
    """Upload ids counted every agency's uploads: ES's two ids around EUROPOL's three would be 3 apart.
    An organisation sees its uploads by random reference only: in its list, its audit entries and the
    supersede reason."""
    with demo_db.session() as s:
        first = _submit(s, "es.officer", LISTS["A"], "A").upload.reference
        for n in range(3):
            _submit(s, "europol.analyst", LISTS["B"], f"B{n}")
        second = _submit(s, "es.officer", LISTS["A"], "A").upload.reference
    with demo_db.session(write=False) as s:
        es = _who(s, "es.officer")
        views = [v for v in uploads_for(s, es) if v.reference in (first, second)]
        logged = {e.object_id for e in audit.entries(s, es, action="link.") if e.object_type in ("link_upload", "link_run")}
    assert len(views) == 2 and all(re.fullmatch(r"upl-[0-9a-f]{12}", v.reference) for v in views)
    assert not any(hasattr(v, "id") for v in views) and "id" not in views[0].to_dict()
    assert {first, second} <= logged and not any(x.isdigit() for x in logged)
    old = next(v for v in views if v.reference == first)
    assert old.ended_reason == f"superseded by upload {second}"

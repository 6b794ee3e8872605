"""Key rotation: a new epoch is opened with a transition window, both epochs are accepted and compared
only like with like, encodings declared with the wrong epoch are refused (audited, nothing stored), and
after the window the old epoch is refused and its encodings are purged."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from palermo.auth import accounts, audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo.linkage import DEMO_SECRET
from palermo.errors import Conflict, PermissionDenied, ValidationError
from palermo.linkage.encoding import Encoder
from palermo.linkage.epochs import epochs, rotate
from palermo.linkage.hub import submit
from palermo.linkage.models import LinkUpload
from palermo.linkage.retention import purge
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from palermo.settings import Settings

LISTS, _ = agency_lists({"A": 100, "B": 100}, overlap=0.3, noise=0.05, seed=21)
NEW_SECRET = b"the-agencies-second-shared-secret-2027-xxxxxxxx"
T0 = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


def _bytes(agency: str, secret: bytes, epoch: int) -> bytes:
    ds = Encoder(DEFAULT_SCHEMA, secret).encode(LISTS[agency], label=agency)
    ds.meta.update(hub="palermo-hub", key_epoch=str(epoch))
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return buf.getvalue()


def _submit(s, user: str, agency: str, secret: bytes, epoch: int, label: str):  # type: ignore[no-untyped-def]
    return submit(s, accounts.principal_for(accounts.get_user(s, user)), _bytes(agency, secret, epoch), label=label,
                  purpose="investigation", list_kind="suspects", settings=Settings())


def test_rotation_window_like_with_like_then_the_old_epoch_is_purged(demo_db: Database) -> None:
    system = Principal.system()
    with time_machine.travel(T0, tick=False):
        with demo_db.session() as s:
            old_a = _submit(s, "es.officer", "A", DEMO_SECRET, 1, "A")
            assert old_a.upload.key_epoch == 1
            with pytest.raises(PermissionDenied):
                rotate(s, accounts.principal_for(accounts.get_user(s, "es.officer")), "suspects", 30)
            new = rotate(s, system, "suspects", 30)
            assert new.epoch == 2
            old_a_id = old_a.upload.id
        with pytest.raises(Conflict, match="already under way"), demo_db.session() as s:
            rotate(s, system, "suspects", 30)
        refused_before = 0
        with demo_db.session(write=False) as s:
            refused_before = s.execute(select(func.count()).select_from(AuditEntry)
                                       .where(AuditEntry.action == "link.upload.refused")).scalar()
            uploads_before = s.execute(select(func.count()).select_from(LinkUpload)).scalar()
        bad = [(NEW_SECRET, 3, "key epoch 3 is not open"), (DEMO_SECRET, 2, "made with the secret of epoch 1")]
        for secret, epoch, message in bad:
            with pytest.raises(ValidationError, match=message), demo_db.session() as s:
                _submit(s, "europol.analyst", "B", secret, epoch, "B")
        with demo_db.session() as s:
            b2 = _submit(s, "europol.analyst", "B", NEW_SECRET, 2, "B")  # first of epoch 2: pins its fingerprint
            assert b2.run.compared == []  # epoch 1's uploads (the demo's, Spain's A) are not comparable
            a2 = _submit(s, "es.officer", "A", NEW_SECRET, 2, "A")
            assert a2.run.compared == [b2.upload.id] and len(a2.hits) >= 20
            b1 = _submit(s, "europol.analyst", "B", DEMO_SECRET, 1, "B old key")  # epoch 1 still accepted
            assert old_a_id in b1.run.compared and b2.upload.id not in b1.run.compared
            # a new epoch-2 upload does not supersede the same list's epoch-1 upload during the window
            assert s.get(LinkUpload, old_a_id).status == "live"
            ids = {"a2": a2.upload.id, "b1": b1.upload.id}
        with demo_db.session(write=False) as s:
            assert s.execute(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "link.upload.refused")).scalar() == refused_before + 2
            assert s.execute(select(func.count()).select_from(LinkUpload)).scalar() == uploads_before + 3
            states = {(e.list_kind, e.epoch): e.state for e in epochs(s)}
            assert states == {("suspects", 1): "transition", ("suspects", 2): "current", ("victims", 1): "current"}
    after = T0 + timedelta(days=31)
    with time_machine.travel(after, tick=False):
        with pytest.raises(ValidationError, match="retired on 2027-07-01"), demo_db.session() as s:
            _submit(s, "europol.analyst", "B", DEMO_SECRET, 1, "B old key")
        with demo_db.session() as s:
            epoch1_live = s.execute(select(LinkUpload).where(LinkUpload.key_epoch == 1, LinkUpload.status == "live",
                                                             LinkUpload.list_kind == "suspects")).scalars().all()
            result = purge(s, system)
        assert result.counts["uploads_key_retired"] == len(epoch1_live) >= 5  # the demo's four, Spain's, Europol's
        with demo_db.session(write=False) as s:
            assert s.get(LinkUpload, old_a_id).status == "expired" and s.get(LinkUpload, old_a_id).encodings is None
            assert "key epoch retired" in s.get(LinkUpload, ids["b1"]).ended_reason
            assert s.get(LinkUpload, ids["a2"]).status == "live"
            assert {(e.list_kind, e.epoch, e.state) for e in epochs(s)} == {
                ("suspects", 1, "retired"), ("suspects", 2, "current"), ("victims", 1, "current")}  # victims untouched
            assert s.execute(select(func.count()).select_from(LinkUpload).where(
                LinkUpload.list_kind == "victims", LinkUpload.status == "live")).scalar() > 0
            audit.verify(s, Principal.system())
        assert date(2027, 7, 2) == after.date()

"""The retention purge: what is due is deleted, counted per kind, and audited.

Due on a date ``on``: live uploads whose expiry falls on or before that day (their agreements'
retention, or the hub's maximum), live uploads of a key epoch whose transition window ended before it,
and records released after a follow-up request whose delete-by date has come. The audit trail itself is
never touched (it records *that* something was compared or released, not the data), so it still
verifies after any purge. ``palermo serve`` runs the purge once a day (:func:`daily`); any scheduler can
run ``palermo maintenance purge`` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.permissions import decide
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import PermissionDenied, ValidationError
from palermo.exchange.models import ExchangeRequest
from palermo.linkage import live_cache
from palermo.linkage.models import LinkHit, LinkKeyEpoch, LinkPurge, LinkUpload
from palermo.messages import N_

log = logging.getLogger(__name__)
KINDS = ("uploads_expired", "encodings_deleted", "uploads_key_retired", "hits_ended", "released_records_deleted")


@dataclass
class PurgeResult:
    on: date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "counts": dict(self.counts)}


def last_purge(session: Session) -> date | None:
    return session.execute(select(func.max(LinkPurge.on_date))).scalar()


def _end_many(session: Session, upload_ids: list[int], reason: str, now: datetime) -> int:
    """End a batch of uploads in set-based statements (a million encodings must purge in seconds)."""
    hits = 0
    for start in range(0, len(upload_ids), 500):
        chunk = upload_ids[start:start + 500]
        live_cache.forget(chunk)
        session.execute(update(LinkUpload).where(LinkUpload.id.in_(chunk), LinkUpload.status == "live")
                        .values(status="expired", encodings=None, ended_at=now, ended_reason=reason)
                        .execution_options(synchronize_session=False))
        ended = session.execute(update(LinkHit).where(
            LinkHit.status == "open", or_(LinkHit.upload_a_id.in_(chunk), LinkHit.upload_b_id.in_(chunk)))
            .values(status="expired", ended_at=now).execution_options(synchronize_session=False))
        hits += int(ended.rowcount or 0)  # type: ignore[attr-defined]
    return hits


def purge(session: Session, principal: Principal, on: date | None = None) -> PurgeResult:
    """Delete everything due on ``on`` (default today, UTC).

    Refused, audited and without effect: a date before the last purge (the purge cannot go back) or
    after today (it would delete data before its due date), and callers other than the hub operator.
    """
    today = utcnow().date()
    on = on or today

    def refuse(error: Any) -> Any:
        return audit.refused(error, principal, "maintenance.purge_refused", "link_purge", on.isoformat())

    rule = decide(principal, "linkage.purge")
    if not rule.allowed:
        raise refuse(PermissionDenied(rule.reason))
    last = last_purge(session)
    if last is not None and on < last:
        raise refuse(ValidationError(N_("a purge as of {on} is before the last purge ({last}); what was due then is "
                                        "already deleted. Purge as of {last} or later",
                                        on=on, last=last)))
    if on > today:
        raise refuse(ValidationError(N_("a purge as of {on} is after today ({today}); it would delete data before "
                                        "its due date. Purge as of today or earlier",
                                        on=on, today=today)))
    now = utcnow()
    result = PurgeResult(on)
    end_of_day = datetime.combine(on + timedelta(days=1), time.min, tzinfo=UTC)
    due = session.execute(select(LinkUpload.id, LinkUpload.records).where(
        LinkUpload.status == "live", LinkUpload.expires_at.is_not(None), LinkUpload.expires_at < end_of_day)).all()
    result.counts["uploads_expired"] = len(due)
    result.counts["encodings_deleted"] = sum(r.records for r in due)
    result.counts["hits_ended"] += _end_many(session, [r.id for r in due], f"retention period ended (purge of {on})", now)
    retired = session.execute(select(LinkUpload.id, LinkUpload.records, LinkKeyEpoch.epoch).join(
        LinkKeyEpoch, and_(LinkKeyEpoch.list_kind == LinkUpload.list_kind, LinkKeyEpoch.epoch == LinkUpload.key_epoch))
        .where(LinkUpload.status == "live", LinkKeyEpoch.accepted_until.is_not(None),
               LinkKeyEpoch.accepted_until < on)).all()
    result.counts["uploads_key_retired"] = len(retired)
    result.counts["encodings_deleted"] += sum(r.records for r in retired)
    result.counts["hits_ended"] += _end_many(session, [r.id for r in retired], f"key epoch retired (purge of {on})", now)
    released = session.execute(update(ExchangeRequest).where(
        ExchangeRequest.retention_until.is_not(None), ExchangeRequest.retention_until <= on, ExchangeRequest.released != "")
        .values(released="").execution_options(synchronize_session=False))
    result.counts["released_records_deleted"] = int(released.rowcount or 0)  # type: ignore[attr-defined]
    session.add(LinkPurge(on_date=on, ran_by=principal.username, counts=dict(result.counts)))
    audit.record(session, principal, "maintenance.purge", "link_purge", on.isoformat(),
                 legal_basis="storage limitation: retention periods of the agreements and the hub",
                 details=dict(result.counts))
    return result


def next_run(now: datetime, at: time) -> datetime:
    """The next time of day ``at`` (UTC) strictly after ``now``."""
    candidate = datetime.combine(now.date(), at, tzinfo=UTC)
    return candidate if candidate > now else candidate + timedelta(days=1)


async def daily(job: Callable[[], Any], at: time, *, clock: Callable[[], datetime] = utcnow,
                sleep: Callable[[float], Awaitable[Any]] | None = None, runs: int | None = None) -> None:
    """Run ``job`` (in a worker thread) every day at ``at`` UTC until cancelled; a failing run is logged
    and the next day's run still happens. ``clock``, ``sleep`` and ``runs`` let tests drive the days."""
    import anyio

    pause = sleep or anyio.sleep
    done = 0
    while runs is None or done < runs:
        now = clock()
        await pause(max(0.0, (next_run(now, at) - now).total_seconds()))
        try:
            await anyio.to_thread.run_sync(job)
        except Exception:
            log.exception("the daily retention purge failed; it will run again tomorrow")
        done += 1

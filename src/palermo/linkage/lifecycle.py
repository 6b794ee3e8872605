"""Uploads with a life: live, then superseded, withdrawn or expired; encodings deleted when they end.

Storage limitation (GDPR art. 5(1)(e), the Law Enforcement Directive art. 4(1)(e)) means a hub may keep
an agency's encodings only while they serve the comparisons the agreements allow:

- a new upload of the same list (same organisation, kind, name and key epoch) supersedes the old one;
- the organisation may withdraw an upload at any time;
- every upload expires at the shortest retention period of the agreements that allowed its comparisons
  (counted from the upload), and at most ``link_retention_days`` after it arrived.

An upload that ends loses its encodings at once; the row stays (what was compared, when, under which
agreement) and its open hits end with it. A hit found again by the newer upload of the same list keeps
its reference, its reviews and its requests: it moves to the newer upload instead of being duplicated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, defer

from palermo.auth import audit
from palermo.auth.permissions import decide
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import Conflict, NextStep, NotFound, PermissionDenied
from palermo.exchange.models import Agreement
from palermo.linkage import live_cache
from palermo.linkage.models import LinkHit, LinkUpload
from palermo.messages import N_

UPLOAD_STATUSES = ("live", "superseded", "withdrawn", "expired")
HIT_STATUSES = ("open", "superseded", "withdrawn", "expired")

# A hit seen from one side: (my record, other organisation, other list's name, other record).
PairKey = tuple[str, int, str, str]


def live_uploads(session: Session, upload: LinkUpload) -> list[LinkUpload]:
    """Every other organisation's live upload this one may be compared with: same kind, same key epoch
    (encodings made with different secrets are never compared)."""
    return list(session.execute(select(LinkUpload).where(
        LinkUpload.list_kind == upload.list_kind, LinkUpload.organisation_id != upload.organisation_id,
        LinkUpload.status == "live", LinkUpload.key_epoch == upload.key_epoch, LinkUpload.encodings.is_not(None))
        .options(defer(LinkUpload.encodings))  # read only on a cache miss (linkage.live_cache)
        .order_by(LinkUpload.created_at, LinkUpload.id)).scalars())


def retention_days(session: Session, agreement_refs: str | None) -> int | None:
    """The shortest retention period among the agreements named (``"A / B"`` as the hub records them)."""
    refs = [r.strip() for r in (agreement_refs or "").split("/") if r.strip()]
    if not refs:
        return None
    days = [d for d in session.execute(select(Agreement.retention_days).where(Agreement.reference.in_(refs))).scalars()
            if d]
    return min(days) if days else None


def shorten_expiry(upload: LinkUpload, days: int | None) -> None:
    """An agreement that allowed a comparison of this upload caps how long it may be kept."""
    if days is None:
        return
    until = upload.created_at + timedelta(days=days)
    if upload.expires_at is None or until < upload.expires_at:
        upload.expires_at = until


def carry_index(session: Session, upload: LinkUpload) -> dict[PairKey, LinkHit]:
    """Open hits of the earlier uploads of the same list, by pair, so a match found again keeps its hit."""
    earlier = [u.id for u in session.execute(select(LinkUpload).where(
        LinkUpload.organisation_id == upload.organisation_id, LinkUpload.list_kind == upload.list_kind,
        LinkUpload.label == upload.label, LinkUpload.id != upload.id)).scalars()]
    if not earlier:
        return {}
    hits = list(session.execute(select(LinkHit).where(
        LinkHit.status == "open", or_(LinkHit.upload_a_id.in_(earlier), LinkHit.upload_b_id.in_(earlier)))).scalars())
    labels = dict(session.execute(select(LinkUpload.id, LinkUpload.label)).all()) if hits else {}
    index: dict[PairKey, LinkHit] = {}
    for h in hits:
        if h.upload_a_id in earlier:
            index[(h.record_a, h.org_b_id, labels[h.upload_b_id], h.record_b)] = h
        else:
            index[(h.record_b, h.org_a_id, labels[h.upload_a_id], h.record_a)] = h
    return index


def carry(hit: LinkHit, upload: LinkUpload, other: LinkUpload, run_id: int, score: float, agreement: str | None) -> None:
    """Move an existing hit to the newer uploads on both sides (the pair of records is the same)."""
    if hit.org_a_id == upload.organisation_id:
        hit.upload_a_id, hit.upload_b_id = upload.id, other.id
    else:
        hit.upload_a_id, hit.upload_b_id = other.id, upload.id
    hit.run_id, hit.score, hit.agreement = run_id, score, agreement


def end_upload(session: Session, upload: LinkUpload, status: str, reason: str, now: datetime | None = None) -> int:
    """Delete the encodings of an upload that leaves ``live`` and end its open hits; returns hits ended."""
    now = now or utcnow()
    upload.status, upload.encodings, upload.ended_at, upload.ended_reason = status, None, now, reason[:300]
    live_cache.forget([upload.id])
    ended = session.execute(update(LinkHit).where(
        LinkHit.status == "open", or_(LinkHit.upload_a_id == upload.id, LinkHit.upload_b_id == upload.id))
        .values(status=status, ended_at=now).execution_options(synchronize_session="fetch"))
    return int(ended.rowcount or 0)  # type: ignore[attr-defined]


def supersede_previous(session: Session, principal: Principal, upload: LinkUpload) -> list[int]:
    """The new upload replaces the live uploads of the same list in the same key epoch."""
    old = list(session.execute(select(LinkUpload).where(
        LinkUpload.organisation_id == upload.organisation_id, LinkUpload.list_kind == upload.list_kind,
        LinkUpload.label == upload.label, LinkUpload.key_epoch == upload.key_epoch, LinkUpload.status == "live",
        LinkUpload.id != upload.id)).scalars())
    for u in old:
        hits = end_upload(session, u, "superseded", f"superseded by upload {upload.reference}")
        audit.record(session, principal, "link.upload.supersede", "link_upload", u.reference,
                     details={"by": upload.reference, "records": u.records, "hits_ended": hits})
    return [u.id for u in old]


def withdraw(session: Session, principal: Principal, reference: str) -> tuple[LinkUpload, int]:
    """The organisation takes its upload back: encodings deleted, its open hits withdrawn.

    Another organisation's upload (or an unknown reference) is refused as not found, in the same words, a role that may not
    submit encodings may not withdraw them, an upload no longer live has nothing to withdraw; every
    refusal is audited and changes nothing.
    """
    def refuse(error: Any) -> Any:
        return audit.refused(error, principal, "link.upload.withdraw_refused", "link_upload", reference[:60])

    rule = decide(principal, "linkage.withdraw")
    if not rule.allowed:
        raise refuse(PermissionDenied(rule.reason))
    upload = session.execute(select(LinkUpload).where(LinkUpload.reference == reference)).scalar_one_or_none()
    if upload is None or principal.organisation_id is None or upload.organisation_id != principal.organisation_id:
        raise refuse(NotFound(N_("no upload {upload_id} of your organisation", upload_id=reference[:60]),
                              next_step=NextStep("list_uploads")))
    if upload.status != "live":
        raise refuse(Conflict(N_("upload {upload_id} is already {status}; its encodings were deleted on "
                                 "{ended_at:%Y-%m-%d}",
                                 upload_id=reference, status=upload.status, ended_at=upload.ended_at)))
    hits = end_upload(session, upload, "withdrawn", f"withdrawn by {principal.username}")
    audit.record(session, principal, "link.upload.withdraw", "link_upload", upload.reference,
                 details={"records": upload.records, "hits_withdrawn": hits})
    return upload, hits


@dataclass(frozen=True)
class UploadView:
    reference: str
    label: str
    list_kind: str
    purpose: str
    records: int
    status: str
    key_epoch: int
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    ended_at: datetime | None
    ended_reason: str
    open_hits: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def uploads_for(session: Session, principal: Principal) -> list[UploadView]:
    """The principal's organisation's uploads, newest first, with status, expiry and open hits."""
    rows = list(session.execute(select(LinkUpload).where(LinkUpload.organisation_id == principal.organisation_id)
                                .order_by(LinkUpload.created_at.desc(), LinkUpload.id.desc())).scalars())
    ids = [u.id for u in rows]
    open_hits: dict[int, int] = {}
    if ids:
        for col in (LinkHit.upload_a_id, LinkHit.upload_b_id):
            for uid, n in session.execute(select(col, func.count()).where(col.in_(ids), LinkHit.status == "open")
                                          .group_by(col)).all():
                open_hits[uid] = open_hits.get(uid, 0) + n
    return [UploadView(u.reference, u.label, u.list_kind, u.purpose, u.records, u.status, u.key_epoch, u.created_at,
                       u.created_by, u.expires_at, u.ended_at, u.ended_reason, open_hits.get(u.id, 0)) for u in rows]

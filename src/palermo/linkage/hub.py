"""The hub: agencies upload encodings, the hub matches them where an agreement allows, and tells both
sides "your record R may match a record held by agency X, score s". It stores no plaintext.

Enumeration protection: a hit/no-hit service is an oracle, so uploads are counted against a daily
quota per organisation, each carries a stated purpose, and unusual volume is flagged in the audit log.
"""

from __future__ import annotations

import io
import secrets
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from palermo.auth import audit, permissions
from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import Conflict, RateLimited, ValidationError
from palermo.linkage import entities, epochs, feedback, lifecycle, live_cache
from palermo.linkage.encoding import EncodedDataset, read_encodings
from palermo.linkage.engine import Engine, LocalEngine, check_compatible, match
from palermo.linkage.models import LinkHit, LinkRun, LinkUpload
from palermo.linkage.policy import may_compare, why_not_upload
from palermo.messages import N_, joined
from palermo.settings import Settings

PURPOSES = ("prevention", "investigation", "prosecution", "victim_protection", "research")
LIST_KINDS = ("suspects", "victims")


def dataset_of(upload: LinkUpload) -> EncodedDataset:
    """The encodings of a live upload (refused once they were deleted), decoded once per process while the
    upload is live (``live_cache``): its own copy of the dataset object, so a caller may relabel it."""
    if upload.status != "live":
        raise Conflict(N_("upload {id} ({label}) is {status}: its encodings were deleted",
                          id=upload.reference, label=upload.label, status=upload.status))

    def load() -> EncodedDataset:
        if upload.encodings is None:
            raise Conflict(N_("upload {id} ({label}) has no encodings left", id=upload.reference, label=upload.label))
        return read_encodings(io.BytesIO(upload.encodings), label=f"{upload.id}")  # type: ignore[arg-type]

    # the id alone is not the upload: another database, or an id SQLite reuses after a rolled-back insert,
    # holds other encodings under it; the moment it was stored and its size tell them apart
    version = f"{upload.fingerprint}:{upload.created_at.isoformat()}:{upload.records}"
    return replace(live_cache.get(upload.id, version, load), label=f"{upload.id}")


def check_quota(session: Session, principal: Principal, records: int, settings: Settings) -> None:
    since = utcnow() - timedelta(days=1)
    n, total = session.execute(select(func.count(), func.coalesce(func.sum(LinkUpload.records), 0))
                               .where(LinkUpload.organisation_id == principal.organisation_id,
                                      LinkUpload.created_at >= since)).one()
    if n + 1 > settings.link_uploads_per_day:
        raise RateLimited(N_("your organisation made {n} hit/no-hit uploads in the last 24 hours; the limit is "
                             "{link_uploads_per_day}. Try again later or ask the hub operator",
                             n=n, link_uploads_per_day=settings.link_uploads_per_day))
    if total + records > settings.link_records_per_day:
        raise RateLimited(N_("this upload would bring your organisation to {records:,} records in 24 hours; the "
                             "limit is {link_records_per_day:,}",
                             records=total + records, link_records_per_day=settings.link_records_per_day))


def _unusual(session: Session, principal: Principal, records: int, settings: Settings) -> dict[str, Any] | None:
    now = utcnow()
    recent = session.execute(select(func.coalesce(func.sum(LinkUpload.records), 0)).where(
        LinkUpload.organisation_id == principal.organisation_id, LinkUpload.created_at >= now - timedelta(days=1))).scalar()
    past = session.execute(select(func.coalesce(func.sum(LinkUpload.records), 0)).where(
        LinkUpload.organisation_id == principal.organisation_id, LinkUpload.created_at < now - timedelta(days=1),
        LinkUpload.created_at >= now - timedelta(days=31))).scalar()
    daily = (past or 0) / 30
    volume = (recent or 0) + records
    if daily > 0 and volume > settings.link_unusual_factor * daily:
        return {"records_24h": volume, "daily_average_30d": round(daily, 1)}
    return None


@dataclass
class SubmitResult:
    upload: LinkUpload
    run: LinkRun
    hits: list[LinkHit]


def submit(session: Session, principal: Principal, data: bytes, *, label: str, purpose: str, list_kind: str,
           settings: Settings, engine: Engine | None = None) -> SubmitResult:
    """Store an upload of encodings and match it against the other agencies' uploads the policy allows."""
    permissions.require(principal, "linkage.upload")
    if principal.organisation_id is None:
        raise ValidationError(N_("uploads belong to an organisation; use an account of the agency that holds the list"))
    problems = []
    if purpose not in PURPOSES:
        problems.append(f"purpose {purpose!r} unknown; state one of {', '.join(PURPOSES)}")
    if list_kind not in LIST_KINDS:
        problems.append(f"list kind {list_kind!r} unknown; use suspects or victims")
    if not problems:
        org = session.get(Organisation, principal.organisation_id)
        why = why_not_upload(org.org_type if org else "", list_kind, purpose)
        if why:
            problems.append(why)
    if problems:
        raise ValidationError(joined(problems))
    try:
        ds = read_encodings(io.BytesIO(data), label=label)  # type: ignore[arg-type]
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable payload is bad input
        raise ValidationError(N_("the upload is not a file of encodings made by `palermo link encode` ({exc})",
                                 exc=exc)) from None
    hub = ds.meta.get("hub")
    if hub != settings.hub_name:
        raise ValidationError(N_("these encodings were made for hub {hub!r}, not for this hub ({hub_name!r}); encode "
                                 "again with --hub {hub_name}",
                                 hub=hub, hub_name=settings.hub_name))
    epoch = epochs.admit(session, principal, list_kind, ds.meta, ds.fingerprint)
    check_quota(session, principal, len(ds), settings)
    flag = _unusual(session, principal, len(ds), settings)
    now = utcnow()
    upload = LinkUpload(organisation_id=principal.organisation_id, label=label, list_kind=list_kind, purpose=purpose,
                        fingerprint=ds.fingerprint, records=len(ds), encodings=data, created_by=principal.username,
                        created_at=now, status="live", key_epoch=epoch, schema_digest=ds.schema.digest(),
                        expires_at=now + timedelta(days=settings.link_retention_days))
    session.add(upload)
    session.flush()
    audit.record(session, principal, "link.upload", "link_upload", upload.reference,
                 legal_basis=f"hit/no-hit comparison for {purpose}",
                 details={"records": len(ds), "kind": list_kind, "key_epoch": epoch})
    if flag:
        audit.record(session, principal, "link.unusual_volume", "organisation", principal.organisation_id, details=flag)
    run, hits = run_matching(session, principal, upload, ds, engine or LocalEngine())
    lifecycle.supersede_previous(session, principal, upload)
    return SubmitResult(upload, run, hits)


def run_matching(session: Session, principal: Principal, upload: LinkUpload, ds: EncodedDataset,
                 engine: Engine) -> tuple[LinkRun, list[LinkHit]]:
    run = LinkRun(upload_id=upload.id, compared=[], refused={})
    session.add(run)
    session.flush()
    hits: list[LinkHit] = []
    orgs = {o.id: o.short_name for o in session.execute(select(Organisation)).scalars()}
    earlier = lifecycle.carry_index(session, upload)
    for other in lifecycle.live_uploads(session, upload):
        perm = may_compare(session, upload.organisation_id, other.organisation_id, upload.purpose)
        if not perm.allowed:
            run.refused = {**run.refused, orgs[other.organisation_id]: perm.reasons}
            continue
        a, b = ds, dataset_of(other)
        a.label, b.label = f"u{upload.id}", f"u{other.id}"
        check_compatible([a, b])
        run.compared = [*run.compared, other.id]
        days = lifecycle.retention_days(session, perm.agreement)
        lifecycle.shorten_expiry(upload, days)
        lifecycle.shorten_expiry(other, days)
        learnt = feedback.for_comparison(session, upload.organisation_id, other.organisation_id, upload.schema_digest)
        for m in match([a, b], engine=engine, adjust=learnt.apply if learnt else None):
            hit = earlier.pop((m.record_a, other.organisation_id, other.label, m.record_b), None)
            if hit is not None:  # found again by the newer upload of the same list: same hit, same reference
                lifecycle.carry(hit, upload, other, run.id, m.probability, perm.agreement)
            else:
                hit = LinkHit(reference="hit-" + secrets.token_hex(8), run_id=run.id, upload_a_id=upload.id,
                              record_a=m.record_a, org_a_id=upload.organisation_id, upload_b_id=other.id,
                              record_b=m.record_b, org_b_id=other.organisation_id, score=m.probability,
                              agreement=perm.agreement, status="open")
                session.add(hit)
            hit.levels = feedback.levels_of(m.similarities)
            hit.feedback = learnt.of_levels(hit.levels) if learnt else 0.0
            hits.append(hit)
    session.flush()
    run.hits, run.finished_at = len(hits), utcnow()
    notify(session, principal, upload, hits, orgs)
    # named by its upload, and the lists it was compared with counted, not named: the run's id and the other
    # agencies' upload ids count every agency's activity (their uploads are theirs to name)
    audit.record(session, principal, "link.match_run", "link_upload", upload.reference,
                 details={"compared": len(run.compared), "refused": sorted(run.refused), "hits": len(hits)})
    return run, hits


def notify(session: Session, principal: Principal, upload: LinkUpload, hits: list[LinkHit], orgs: dict[int, str]) -> None:
    """Tell both sides of each compared pair of their hits: one audit entry per recipient and counterpart,
    naming the agreement under which that pair was compared (never another pair's), and the upload by its
    reference (the run's id counts every agency's runs)."""
    pairs: dict[tuple[int, int, str | None], int] = defaultdict(int)
    for h in hits:
        pairs[(h.org_a_id, h.org_b_id, h.agreement)] += 1
    for (a, b, agreement), n in sorted(pairs.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        for recipient, counterpart in ((a, b), (b, a)):
            audit.record(session, principal, "link.notify", "organisation", recipient, legal_basis=agreement,
                         details={"upload": upload.reference, "hits": n, "counterpart": orgs.get(counterpart, str(counterpart))})


def comparable_uploads(session: Session, upload_ids: list[int]) -> list[LinkUpload]:
    """The uploads of an overlap table, refused with every reason at once unless each is live, their labels
    are distinct and every two of them were compared under an agreement: two lists the hub never compared
    (no agreement allows it, or one organisation's own lists) would count their common people twice."""
    uploads = {u.id: u for u in session.execute(select(LinkUpload).where(LinkUpload.id.in_(upload_ids))
                                                .options(defer(LinkUpload.encodings))).scalars()}
    problems = [f"upload {i} unknown" for i in dict.fromkeys(upload_ids) if i not in uploads]
    if len(uploads) < 2:
        problems.append("an overlap table needs at least two uploads")
    problems += [f"upload {u.reference} ({u.label}) is {u.status}: its hits ended with it" for u in uploads.values()
                 if u.status != "live"]
    labels = [u.label for u in uploads.values()]
    problems += [f"two uploads are labelled {x!r}; counts are keyed by label" for x in sorted({x for x in labels
                                                                                               if labels.count(x) > 1})]
    compared: set[frozenset[int]] = set()
    for upload_id, others in session.execute(select(LinkRun.upload_id, LinkRun.compared)
                                             .where(LinkRun.upload_id.in_(list(uploads)))).all():
        compared.update(frozenset((upload_id, o)) for o in others or [])
    for a, b in combinations(sorted(uploads), 2):
        if frozenset((a, b)) not in compared:
            why = ("the hub never compares one organisation's lists with each other"
                   if uploads[a].organisation_id == uploads[b].organisation_id
                   else "no agreement allowed comparing them")
            problems.append(f"uploads {a} ({uploads[a].label}) and {b} ({uploads[b].label}) were never compared: {why}, "
                            "so their common people would count twice")
    if problems:
        raise ValidationError(N_("these uploads cannot make an overlap table: {problems}", problems=joined(problems)))
    return [uploads[i] for i in dict.fromkeys(upload_ids)]


def list_overlap(session: Session, principal: Principal, upload_ids: list[int], threshold: float | None = None
                 ) -> dict[tuple[str, ...], int]:
    """Distinct persons by combination of live uploads, from the hub's entities (``entities.overlap``):
    the open hits across every live upload, rejected hits left out, so a person known to three agencies
    counts once in the three-way cell. Keys are sorted tuples of the uploads' labels; values are counts.

    Only the hub operator may (the table joins several agencies' uploads); ``threshold`` keeps the hits
    with at least that match probability. Nothing is decoded and nothing is matched again.
    """
    permissions.require(principal, "estimation.hub_overlap")
    uploads = comparable_uploads(session, upload_ids)
    counts = entities.overlap(session, uploads, threshold)
    audit.record(session, principal, "link.overlap", "link_upload", ",".join(map(str, upload_ids)),
                 details={"cells": len(counts), "persons": sum(counts.values())})
    return counts

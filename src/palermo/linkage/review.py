"""Reviewed hits: after the follow-up each side says whether the hit was the same person, and the hub
measures precision from those verdicts, beside the precision the match model itself expects.

A false hit leads to a request for someone's personal data, so it must be caught and counted. Only the
two parties of a hit may review it; each organisation's verdict is its own (a new one replaces the old,
the audit trail keeps both), and its note stays with it. Both sides see both verdicts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from statsmodels.stats.proportion import proportion_confint

from palermo.auth import audit
from palermo.auth.permissions import decide
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import NotFound, PermissionDenied, ValidationError
from palermo.linkage.models import LinkHit, LinkHitReview, LinkUpload
from palermo.messages import N_

VERDICTS = ("confirmed", "rejected", "unsure")


def review_hit(session: Session, principal: Principal, reference: str, *, verdict: str, note: str = "") -> LinkHitReview:
    """Record this organisation's verdict on hit ``reference``; refused (and the attempt audited) for
    an unknown verdict, a hit the organisation is not a party to, or a role that may not review."""
    ref = (reference or "").strip()
    if verdict not in VERDICTS:
        raise audit.refused(ValidationError(N_("verdict {verdict!r} unknown; use one of {verdicts}",
                                               verdict=verdict, verdicts=', '.join(VERDICTS))),
                            principal, "link.hit.review_refused", "link_hit", ref, details={"verdict": str(verdict)[:40]})
    rule = decide(principal, "linkage.review")
    if not rule.allowed:
        raise audit.refused(PermissionDenied(rule.reason), principal, "link.hit.review_refused", "link_hit", ref)
    hit = session.execute(select(LinkHit).where(LinkHit.reference == ref)).scalar_one_or_none()
    if hit is None or principal.organisation_id is None or principal.organisation_id not in (hit.org_a_id, hit.org_b_id):
        raise audit.refused(NotFound(N_("no hit {ref!r} for your organisation: only the two parties of a hit may "
                                        "review it",
                                        ref=ref)),
                            principal, "link.hit.review_refused", "link_hit", ref)
    note = (note or "").strip()
    if len(note) > 2000:
        raise audit.refused(ValidationError(N_("the note has {n_note} characters; keep it under 2,000",
                                               n_note=len(note))),
                            principal, "link.hit.review_refused", "link_hit", ref)
    row = session.execute(select(LinkHitReview).where(LinkHitReview.hit_id == hit.id,
                                                      LinkHitReview.organisation_id == principal.organisation_id)
                          ).scalar_one_or_none()
    previous = row.verdict if row else None
    if row is None:
        row = LinkHitReview(hit_id=hit.id, organisation_id=principal.organisation_id)
        session.add(row)
    row.verdict, row.note, row.reviewed_by, row.reviewed_at = verdict, note, principal.username, utcnow()
    session.flush()
    audit.record(session, principal, "link.hit.review", "link_hit", hit.reference, legal_basis=hit.agreement,
                 details={"verdict": verdict, "previous": previous, "noted": bool(note)})
    return row


def outcome(verdicts: list[str]) -> str | None:
    """The hit's outcome from its parties' verdicts: one side's 'rejected' against the other's
    'confirmed' is disputed; otherwise the definite verdict wins over 'unsure'; None when unreviewed."""
    got = set(verdicts)
    if not got:
        return None
    if {"confirmed", "rejected"} <= got:
        return "disputed"
    for v in ("confirmed", "rejected"):
        if v in got:
            return v
    return "unsure"


@dataclass(frozen=True)
class ReviewState:
    """What one party sees of a hit's reviews: its own verdict and note, the other side's verdict."""

    mine: str | None
    my_note: str
    theirs: str | None
    outcome: str | None


def review_states(session: Session, principal: Principal, references: list[str]) -> dict[str, ReviewState]:
    """Review state of each hit (by reference) as the principal's organisation sees it."""
    rows: dict[str, list[LinkHitReview]] = defaultdict(list)
    for start in range(0, len(references), 500):
        for ref, r in session.execute(select(LinkHit.reference, LinkHitReview).join(LinkHitReview, LinkHitReview.hit_id == LinkHit.id)
                                      .where(LinkHit.reference.in_(references[start:start + 500]))).all():
            rows[ref].append(r)
    out = {}
    for ref in references:
        mine = next((r for r in rows[ref] if r.organisation_id == principal.organisation_id), None)
        theirs = next((r for r in rows[ref] if r.organisation_id != principal.organisation_id), None)
        out[ref] = ReviewState(mine.verdict if mine else None, mine.note if mine else "",
                               theirs.verdict if theirs else None, outcome([r.verdict for r in rows[ref]]))
    return out


@dataclass(frozen=True)
class Precision:
    """Measured precision of one group of hits (a schema, an agreement) beside the model's estimate.

    ``measured`` = confirmed / (confirmed + rejected) among reviewed hits with a definite outcome, with a
    95% Wilson interval; ``model`` = the mean match probability the model gave those same hits, which
    is the precision it expects of them; ``model_all`` the same over every hit of the group.
    """

    group: str
    key: str
    hits: int
    reviewed: int
    confirmed: int
    rejected: int
    disputed: int
    unsure: int
    measured: float | None
    low: float | None
    high: float | None
    model: float | None
    model_all: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _precision(group: str, key: str, hits: list[LinkHit], outcomes: dict[int, str | None]) -> Precision:
    counts = {k: sum(outcomes.get(h.id) == k for h in hits) for k in ("confirmed", "rejected", "disputed", "unsure")}
    definite = [h for h in hits if outcomes.get(h.id) in ("confirmed", "rejected")]
    n, k = len(definite), counts["confirmed"]
    low = high = measured = model = None
    if n:
        measured = k / n
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        low, high = float(lo), float(hi)
        model = sum(h.score for h in definite) / n
    return Precision(group, key, len(hits), sum(outcomes.get(h.id) is not None for h in hits),
                     counts["confirmed"], counts["rejected"], counts["disputed"], counts["unsure"], measured, low, high,
                     model, sum(h.score for h in hits) / len(hits) if hits else None)


def precision_report(session: Session, principal: Principal) -> list[Precision]:
    """Precision per schema and per agreement, over the hits the principal's organisation is a party to
    (the hub operator's admins and the system: every hit). Other agencies' hits never enter a reader's
    figures, so no count about them can leak."""
    q = select(LinkHit)
    if not (principal.is_system or (principal.is_operator and principal.has("admin"))):
        q = q.where(or_(LinkHit.org_a_id == principal.organisation_id, LinkHit.org_b_id == principal.organisation_id))
    hits = list(session.execute(q).scalars())
    if not hits:
        return []
    verdicts: dict[int, list[str]] = defaultdict(list)
    ids = [h.id for h in hits]
    for start in range(0, len(ids), 500):
        for r in session.execute(select(LinkHitReview.hit_id, LinkHitReview.verdict)
                                 .where(LinkHitReview.hit_id.in_(ids[start:start + 500]))).all():
            verdicts[r.hit_id].append(r.verdict)
    outcomes = {h.id: outcome(verdicts[h.id]) for h in hits}
    digests = dict(session.execute(select(LinkUpload.id, LinkUpload.schema_digest)).all())
    by_schema: dict[str, list[LinkHit]] = defaultdict(list)
    by_agreement: dict[str, list[LinkHit]] = defaultdict(list)
    for h in hits:
        by_schema[(digests.get(h.upload_a_id) or "unknown")[:12]].append(h)
        by_agreement[h.agreement or "none"].append(h)
    return ([_precision("schema", k, v, outcomes) for k, v in sorted(by_schema.items())]
            + [_precision("agreement", k, v, outcomes) for k, v in sorted(by_agreement.items())])

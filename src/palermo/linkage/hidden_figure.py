"""The hidden-figure estimate from the hub's own live uploads, with the interval that carries linkage
error beside the one that takes links as certain (``palermo.estimation.linkage_error``).

The lists are the uploads as they are at the hub (live, every two compared under an agreement: the same
rule as the overlap tables, ``hub.comparable_uploads``). Their candidate links come from the hub's
matcher down to a low probability (``floor``), with each pair of organisations' reviewed-hit feedback
(``linkage.feedback``) as in their hits; a reviewed hit then counts as certain: probability 1 when its
outcome is confirmed, 0 when rejected (Sadinle 2018 fixes clerically reviewed pairs the same way).
Only the hub operator's administrators and analysts may ask (``linkage.estimate``): the estimate joins
several agencies' lists. Nothing is decoded; the estimate is an aggregate of the whole population.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit, permissions
from palermo.auth.roles import Principal
from palermo.errors import PalermoError, PermissionDenied, ValidationError
from palermo.estimation.linkage_error import (
    Candidate,
    LinkageErrorEstimate,
    estimate_with_linkage_error,
)
from palermo.linkage import feedback
from palermo.linkage.engine import Engine, match
from palermo.linkage.entities import reviewed_outcomes
from palermo.linkage.hub import comparable_uploads, dataset_of
from palermo.linkage.models import LinkHit
from palermo.messages import N_

DEFAULT_FLOOR = 0.05
DEFAULT_DRAWS = 200
MAX_DRAWS = 2_000  # each draw refits the log-linear model: 2,000 take minutes on a hub's lists


@dataclass(frozen=True)
class HubEstimate:
    """The estimate over some live uploads: which lists, how many links were reviewed, both intervals."""

    uploads: list[int]
    lists: list[str]
    records: int
    candidates: int
    reviewed_confirmed: int
    reviewed_rejected: int
    result: LinkageErrorEstimate

    def to_dict(self) -> dict[str, Any]:
        return {"uploads": self.uploads, "lists": self.lists, "records": self.records, "candidates": self.candidates,
                "reviewed_confirmed": self.reviewed_confirmed, "reviewed_rejected": self.reviewed_rejected,
                **self.result.to_dict()}


def estimate_from_uploads(session: Session, principal: Principal, upload_ids: list[int], *,
                          floor: float = DEFAULT_FLOOR, draws: int = DEFAULT_DRAWS, seed: int = 2018,
                          engine: Engine | None = None) -> HubEstimate:
    """The population estimate from these live uploads, with and without linkage error (module docstring).

    Refused with the reason, and the attempt audited: a caller who is not the hub operator's
    administrator or analyst, uploads that may not be counted together, a floor outside (0, 0.5).
    """
    def refuse(error: PalermoError) -> PalermoError:
        return audit.refused(error, principal, "link.estimate_refused", "link_upload", ",".join(map(str, upload_ids)))

    rule = permissions.decide(principal, "linkage.estimate")
    if not rule.allowed:
        raise refuse(PermissionDenied(rule.reason))
    if not 2 <= draws <= MAX_DRAWS:
        raise refuse(ValidationError(N_("draw between 2 and {max_draws:,} link sets, not {draws}",
                                        max_draws=MAX_DRAWS, draws=draws)))
    if not 0 < floor < 0.5:
        raise refuse(ValidationError(N_("the floor {floor} must be above 0 and below 0.5 (links at even odds or "
                                        "better are the ones taken as certain)",
                                        floor=floor)))
    try:
        uploads = comparable_uploads(session, upload_ids)
    except ValidationError as exc:
        raise refuse(exc) from None
    datasets = {u.id: dataset_of(u) for u in uploads}
    for u in uploads:
        datasets[u.id].label = u.label
    links: dict[tuple[str, str, str, str], float] = {}
    for a, b in combinations(uploads, 2):
        learnt = feedback.for_comparison(session, a.organisation_id, b.organisation_id, a.schema_digest)
        for m in match([datasets[a.id], datasets[b.id]], threshold=floor, engine=engine,
                       adjust=learnt.apply if learnt else None):
            links[(m.list_a, m.record_a, m.list_b, m.record_b)] = float(m.probability)
    ids = [u.id for u in uploads]
    label = {u.id: u.label for u in uploads}
    hits = list(session.execute(select(LinkHit).where(LinkHit.upload_a_id.in_(ids), LinkHit.upload_b_id.in_(ids),
                                                      LinkHit.status == "open")).scalars())
    outcomes = reviewed_outcomes(session, [h.id for h in hits])
    confirmed = rejected = 0
    for h in hits:
        verdict = outcomes[h.id]
        if verdict not in ("confirmed", "rejected"):
            continue
        key = (label[h.upload_a_id], h.record_a, label[h.upload_b_id], h.record_b)
        links.pop((key[2], key[3], key[0], key[1]), None)  # the matcher may list the pair the other way round
        links[key] = 1.0 if verdict == "confirmed" else 0.0
        confirmed, rejected = confirmed + (verdict == "confirmed"), rejected + (verdict == "rejected")
    candidates: list[Candidate] = [(la, ra, lb, rb, p) for (la, ra, lb, rb), p in sorted(links.items()) if p > 0]
    records = {u.label: list(datasets[u.id].ids) for u in uploads}
    result = estimate_with_linkage_error(records, candidates, draws=draws, seed=seed)
    out = HubEstimate(ids, [u.label for u in uploads], sum(len(r) for r in records.values()), len(candidates),
                      confirmed, rejected, result)
    audit.record(session, principal, "link.estimate", "link_upload", ",".join(map(str, ids)),
                 details={"draws": draws, "floor": floor, "candidates": len(candidates), "reviewed": confirmed + rejected})
    return out


@dataclass(frozen=True)
class EstimableUpload:
    """A live upload the operator may put into an estimate (what the choice of lists shows)."""

    id: int
    label: str
    organisation: str
    list_kind: str
    records: int


def estimable_uploads(session: Session, principal: Principal) -> list[EstimableUpload]:
    """Every live upload, for the hub operator's choice of lists (refused to anyone else)."""
    from palermo.auth.models import Organisation
    from palermo.linkage.models import LinkUpload

    permissions.require(principal, "linkage.estimate")
    rows = session.execute(select(LinkUpload, Organisation.short_name).join(Organisation, Organisation.id == LinkUpload.organisation_id)
                           .where(LinkUpload.status == "live").order_by(LinkUpload.list_kind, LinkUpload.id)).all()
    return [EstimableUpload(u.id, u.label, org, u.list_kind, u.records) for u, org in rows]

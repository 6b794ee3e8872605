"""One person across many agencies: the records of all live uploads joined by the open hits between them.

Pairwise hits give a graph of records; its connected components are the hub's entities (the same person
held by several agencies). An entity's reference comes from its earliest hit, so it stays the same when
new uploads add records or hits to it (hits found again by a newer upload keep their reference and date;
see ``lifecycle``); two entities that a new hit joins take the older one's reference.

What a caller sees is bound by the legal basis, not by the graph: for each of its own records in an
entity, the other agencies *it may learn about* under a hit/no-hit agreement (``may_compare``), and how
many agencies that makes. An agency linked only through a third one with which the caller has no such
agreement is neither named nor counted: learning that it holds the person would be a hit without a basis.
References only, never data.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.linkage.models import LinkHit, LinkHitReview, LinkUpload
from palermo.linkage.policy import may_compare

Node = tuple[int, str]  # (upload id, record id)


@dataclass(frozen=True)
class EntityView:
    reference: str
    my_record: str
    my_list: str
    agencies: list[str]  # the other agencies the caller may learn hold this person
    known_to: int  # agencies holding the person that the caller may know of, itself included
    hits: list[str] = field(default_factory=list)  # the caller's own hits on this record

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def components(hits: list[LinkHit]) -> dict[Node, Node]:
    """Union-find over the hits' records; returns each record's root."""
    parent: dict[Node, Node] = {}

    def find(x: Node) -> Node:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for h in hits:
        ra, rb = find((h.upload_a_id, h.record_a)), find((h.upload_b_id, h.record_b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in list(parent)}


def entities_for(session: Session, principal: Principal) -> list[EntityView]:
    """The caller's records that other agencies also hold, as far as the caller may know, most agencies first."""
    org = principal.organisation_id
    hits = linking_hits(session)
    root = components(hits)
    uploads = {u.id: u for u in session.execute(select(LinkUpload).where(LinkUpload.status == "live")).scalars()}
    names = {o.id: o.short_name for o in session.execute(select(Organisation)).scalars()}
    members: dict[Node, set[Node]] = defaultdict(set)
    for n, r in root.items():
        members[r].add(n)
    first_hit: dict[Node, str] = {}
    my_hits: dict[Node, list[str]] = defaultdict(list)
    for h in hits:  # in order of creation: the first seen is the earliest
        first_hit.setdefault(root[(h.upload_a_id, h.record_a)], h.reference)
        for side in ((h.upload_a_id, h.record_a), (h.upload_b_id, h.record_b)):
            u = uploads.get(side[0])
            if u is not None and u.organisation_id == org:
                my_hits[side].append(h.reference)
    allowed: dict[tuple[int, str], bool] = {}
    out = []
    for node in sorted(my_hits):
        mine = uploads[node[0]]
        others = {uploads[n[0]].organisation_id for n in members[root[node]] if n[0] in uploads} - {org}
        visible = []
        for other in sorted(others, key=lambda o: names.get(o, "")):
            key = (other, mine.purpose)
            if key not in allowed:
                allowed[key] = may_compare(session, org, other, mine.purpose).allowed  # type: ignore[arg-type]
            if allowed[key]:
                visible.append(names.get(other, str(other)))
        if not visible:
            continue
        ref = "ent-" + hashlib.sha256(first_hit[root[node]].encode()).hexdigest()[:12]
        out.append(EntityView(ref, node[1], mine.label, visible, len(visible) + 1, sorted(my_hits[node])))
    out.sort(key=lambda e: (-e.known_to, e.my_list, e.my_record))
    return out


def reviewed_outcomes(session: Session, hit_ids: list[int]) -> dict[int, str | None]:
    """Each hit's review outcome (``review.outcome``), by hit id; None when nobody reviewed it."""
    from palermo.linkage.review import outcome

    verdicts: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(hit_ids), 500):
        for hit_id, verdict in session.execute(select(LinkHitReview.hit_id, LinkHitReview.verdict)
                                               .where(LinkHitReview.hit_id.in_(hit_ids[start:start + 500]))).all():
            verdicts[hit_id].append(verdict)
    return {i: outcome(verdicts[i]) for i in hit_ids}


def linking_hits(session: Session, min_score: float | None = None) -> list[LinkHit]:
    """The open hits that join records into entities (those of every live upload), less the hits whose
    review outcome is ``rejected`` (not the same person); a disputed hit keeps its score's say."""
    q = select(LinkHit).where(LinkHit.status == "open").order_by(LinkHit.created_at, LinkHit.reference)
    if min_score is not None:
        q = q.where(LinkHit.score >= min_score)
    hits = list(session.execute(q).scalars())
    outcomes = reviewed_outcomes(session, [h.id for h in hits])
    return [h for h in hits if outcomes[h.id] != "rejected"]


def overlap(session: Session, uploads: list[LinkUpload], min_score: float | None = None) -> dict[tuple[str, ...], int]:
    """Distinct persons by combination of ``uploads`` (keys: sorted tuples of their labels), from the
    entities across *all* live uploads: a person known to three of them counts once, in the three-way
    cell, also when two of its records are joined only through an upload not counted here.

    Records of an upload in no entity are people on that list alone. The caller checks that the uploads
    may be counted together (``hub.list_overlap``)."""
    label = {u.id: u.label for u in uploads}
    root = components(linking_hits(session, min_score))
    members: dict[Node, set[Node]] = defaultdict(set)
    for node, r in root.items():
        members[r].add(node)
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    linked: dict[int, int] = defaultdict(int)  # records of each counted upload that are in an entity
    for group in members.values():
        lists = {label[u] for u, _ in group if u in label}
        if not lists:
            continue
        counts[tuple(sorted(lists))] += 1
        for u, _ in group:
            if u in label:
                linked[u] += 1
    for upload in uploads:
        if upload.records - linked[upload.id] > 0:
            counts[(upload.label,)] += upload.records - linked[upload.id]
    return dict(sorted(counts.items(), key=lambda kv: (len(kv[0]), kv[0])))

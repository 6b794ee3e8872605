"""List overlaps for MSE from record linkage: who is on which combination of agencies' lists.

At the hub the agencies' victim lists exist only as encodings; the matching engine links records of
the same person across lists. :func:`overlap_from_matches` turns those links into the counts MSE
needs: records joined by matches (transitively) are one person, and each person counts once under
the sorted tuple of lists they appear on. Nothing is decoded: the input is record references and
match pairs only. :func:`overlap_from_hub` asks the linkage hub for the same counts
(``palermo.linkage.hub.list_overlap``).

Before any overlap table leaves the hub, :func:`protect` hides cells smaller than the disclosure
threshold (``Settings.small_count_threshold``): a cell of 1 or 2 people on a rare combination of
agencies can identify a person. The estimate itself is computed from the exact counts, at the hub.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.errors import ValidationError
from palermo.messages import N_, joined

Overlap = dict[tuple[str, ...], int]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def add(self, x: Hashable) -> None:
        self.parent.setdefault(x, x)

    def find(self, x: Hashable) -> Hashable:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def overlap_from_matches(records: Mapping[str, Iterable[Hashable]],
                         matches: Iterable[tuple[str, Hashable, str, Hashable]]) -> Overlap:
    """Count persons by the combination of lists they are on.

    ``records`` maps each list label to its record references (e.g. encoding ids); ``matches`` are
    accepted links ``(list_a, record_a, list_b, record_b)`` from the matching engine. Links are
    followed transitively, so a person matched NGO-police and police-labour inspection is one person
    on all three lists.
    """
    uf = _UnionFind()
    problems: list[str] = []
    known: set[tuple[str, Hashable]] = set()
    for label, refs in records.items():
        for ref in refs:
            node = (label, ref)
            known.add(node)
            uf.add(node)
    for la, ra, lb, rb in matches:
        a, b = (la, ra), (lb, rb)
        missing = [n for n in (a, b) if n not in known]
        if missing:
            problems.append(f"match {la}:{ra} ~ {lb}:{rb} names a record that is not on the lists: {missing}")
            continue
        uf.union(a, b)
    if problems:
        raise ValidationError(N_("the matches do not fit the lists: {problems}", problems=joined(problems[:5])))
    persons: dict[Hashable, set[str]] = {}
    for node in known:
        persons.setdefault(uf.find(node), set()).add(node[0])
    out: Overlap = {}
    for lists in persons.values():
        key = tuple(sorted(lists))
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (len(kv[0]), kv[0])))


def overlap_from_identities(lists: Mapping[str, Iterable[Hashable]]) -> Overlap:
    """The same counts from plaintext lists where a person's identity is known (the reference in tests)."""
    where: dict[Hashable, set[str]] = {}
    for label, people in lists.items():
        for person in people:
            where.setdefault(person, set()).add(label)
    out: Overlap = {}
    for labels in where.values():
        key = tuple(sorted(labels))
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (len(kv[0]), kv[0])))


def overlap_from_hub(session: Session, principal: Principal, upload_ids: Sequence[int],
                     threshold: float | None = None) -> Overlap:
    """Ask the linkage hub for the overlap of uploaded encoded lists (computed from encodings only)."""
    from palermo.linkage.hub import list_overlap  # the matcher (numba, Arrow) loads only when a hub overlap is asked for

    return {tuple(k): int(v) for k, v in list_overlap(session, principal, list(upload_ids), threshold=threshold).items()}


@dataclass(frozen=True)
class ProtectedCell:
    lists: tuple[str, ...]
    count: int | None  # None when suppressed
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"lists": list(self.lists), "count": self.count, "suppressed": self.suppressed}


def protect(overlap: Mapping[tuple[str, ...], int], threshold: int) -> list[ProtectedCell]:
    """The overlap table as it may be published: cells with 1 to threshold-1 people are suppressed.

    Zero cells are not listed at all (as in the published MSE tables), so a suppressed cell reveals
    only that a few people (at least one) are on that combination.
    """
    cells = []
    for lists, count in overlap.items():
        if count <= 0:
            continue
        small = count < threshold
        cells.append(ProtectedCell(tuple(lists), None if small else int(count), small))
    return cells

"""Plausible partitions of the records into people, drawn jointly per group of candidate links.

Drawing each candidate link on its own and joining the drawn links transitively is not a draw of who
is who: in a triangle of candidate links (one person on three lists) any two links already make the
person, so the third link's probability is spent on nothing, while the false links elsewhere that
calibration balances against it still merge people. The draws then hold too few people and the
estimate is biased low (measured in ``docs/linkage.md``). Here a draw is a *partition* (Sadinle 2017,
*JASA* 112, and 2018, *AoAS* 12): the records of each connected group of candidate links are split
into people, every person at most once on each list and every two of his records a candidate pair
(pairs the matcher did not propose are different people, as blocking makes them), with probability

    P(partition) ∝ ∏ over people ∏ over pairs of their records  odds(p_ij) · exp(t_AB)

the matcher's own model of independent pairs conditioned on the partition being consistent (Sadinle's
likelihood of comparisons given a partition, with the matcher's odds in place of m/u). A lone pair is
then linked with exactly its probability. Consistency removes links (a record joins one person), so
one tilt ``t_AB`` per pair of lists, fitted by Newton's method, brings the expected number of linked
pairs back to the sum of the probabilities, which calibration makes the expected number of true ones.
The probabilities are all it needs, so it stays a layer over any matcher.

Small groups are enumerated exactly (and fit the tilts); a group with too many partitions is sampled by
Gibbs sweeps with the same tilts (each record moved to a compatible person or alone).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from palermo.errors import ValidationError
from palermo.messages import N_, joined

Candidate = tuple[str, Hashable, str, Hashable, float]  # (list a, record a, list b, record b, match probability)
MAX_LOGIT = 30.0  # a reviewed hit (probability 1 or 0) is split from its pair once in e^30 draws: never
ENUMERATE_LIMIT = 4_000  # partitions of one group enumerated exactly; more and the group is Gibbs-sampled
BURN_IN = 50  # Gibbs sweeps before the first kept draw of a large group
TILT_LIMIT = 5.0  # at most e^5 more (or less) odds per linked pair to keep the expected links


@dataclass(frozen=True)
class PartitionDraws:
    """Drawn overlap tables: ``tables[d, mask - 1]`` people whose lists form the bit mask ``mask`` in draw d."""

    lists: tuple[str, ...]
    tables: NDArray[np.int64]
    links: NDArray[np.int64]  # linked record pairs in each draw
    exact_groups: int
    sampled_groups: int
    tilt: dict[tuple[int, int], float]  # log odds added per linked pair of lists (lists by index)

    def table(self, d: int) -> dict[tuple[str, ...], int]:
        """Draw ``d`` as an overlap table (the sorted tuple of lists a person is on → people)."""
        out = {}
        for cell, count in enumerate(self.tables[d]):
            if count:
                out[tuple(n for i, n in enumerate(self.lists) if (cell + 1) >> i & 1)] = int(count)
        return out


class _Graph:
    """Records as nodes (list index per node) and candidate pairs with their log odds."""

    def __init__(self, records: Mapping[str, Sequence[Hashable]], candidates: Sequence[Candidate]) -> None:
        self.lists = tuple(records)
        where = {n: i for i, n in enumerate(self.lists)}
        self.node: dict[tuple[str, Hashable], int] = {}
        self.list_of: list[int] = []
        for name, refs in records.items():
            for ref in refs:
                if (name, ref) not in self.node:
                    self.node[(name, ref)] = len(self.list_of)
                    self.list_of.append(where[name])
        problems = []
        logit: dict[tuple[int, int], float] = {}
        for la, ra, lb, rb, p in candidates:
            a, b = self.node.get((la, ra)), self.node.get((lb, rb))
            if a is None or b is None:
                problems.append(f"candidate {la}:{ra} ~ {lb}:{rb} names a record that is not on the lists")
            elif la == lb:
                problems.append(f"candidate {la}:{ra} ~ {lb}:{rb} joins two records of the same list; "
                                "deduplicate each list before linking it to the others")
            elif p > 0:
                key = (min(a, b), max(a, b))
                q = min(max(float(p), 1e-300), 1.0)
                lo = max(-MAX_LOGIT, min(MAX_LOGIT, math.log(q) - math.log1p(-q) if q < 1 else MAX_LOGIT))
                logit[key] = max(lo, logit.get(key, -math.inf))  # the pair listed both ways: keep the surer
        if problems:
            raise ValidationError(N_("the candidate links do not fit the lists: {problems}",
                                     problems=joined(problems[:5])))
        self.edges: dict[int, dict[int, float]] = {}
        for (a, b), lo in logit.items():
            self.edges.setdefault(a, {})[b] = lo
            self.edges.setdefault(b, {})[a] = lo

    def _lists_key(self, a: int, b: int) -> tuple[int, int]:
        la, lb = self.list_of[a], self.list_of[b]
        return (min(la, lb), max(la, lb))

    def groups(self) -> list[list[int]]:
        """Connected groups of records through candidate links (records with none are left out)."""
        seen: set[int] = set()
        out = []
        for start in self.edges:
            if start in seen:
                continue
            stack, group = [start], []
            seen.add(start)
            while stack:
                x = stack.pop()
                group.append(x)
                for y in self.edges[x]:
                    if y not in seen:
                        seen.add(y)
                        stack.append(y)
            out.append(sorted(group))
        return out

    def fits(self, r: int, person: Sequence[int]) -> bool:
        """Whether record r may join this person: not on one of his lists, a candidate of each of his records."""
        e = self.edges[r]
        return all(j in e and self.list_of[j] != self.list_of[r] for j in person)

    def weight(self, person: Sequence[int], tilt: Mapping[tuple[int, int], float] | None = None) -> float:
        """Log weight of one person: the log odds of each pair of his records, plus ``tilt`` per pair of lists."""
        total = 0.0
        for i in range(len(person)):
            for j in range(i + 1, len(person)):
                total += self.edges[person[i]][person[j]]
                if tilt:
                    total += tilt.get(self._lists_key(person[i], person[j]), 0.0)
        return total

    def pair_counts(self, people: Sequence[Sequence[int]], index: Mapping[tuple[int, int], int]) -> NDArray[np.float64]:
        """Linked record pairs per pair of lists in these people."""
        out = np.zeros(len(index))
        for p in people:
            for i in range(len(p)):
                for j in range(i + 1, len(p)):
                    out[index[self._lists_key(p[i], p[j])]] += 1
        return out

    def cell(self, person: Sequence[int]) -> int:
        mask = 0
        for r in person:
            mask |= 1 << self.list_of[r]
        return mask - 1


def _enumerate(g: _Graph, group: list[int]) -> list[list[list[int]]] | None:
    """Every valid partition of the group, or None when there are more than ENUMERATE_LIMIT."""
    out: list[list[list[int]]] = []

    def extend(i: int, people: list[list[int]]) -> bool:
        if i == len(group):
            out.append([list(p) for p in people])
            return len(out) <= ENUMERATE_LIMIT
        r = group[i]
        for p in people:
            if g.fits(r, p):
                p.append(r)
                ok = extend(i + 1, people)
                p.pop()
                if not ok:
                    return False
        people.append([r])
        ok = extend(i + 1, people)
        people.pop()
        return ok

    return out if extend(0, []) else None


def _summary(g: _Graph, people: Sequence[Sequence[int]], cells: int) -> tuple[NDArray[np.int64], int]:
    row = np.zeros(cells, dtype=np.int64)
    links = 0
    for p in people:
        row[g.cell(p)] += 1
        links += len(p) * (len(p) - 1) // 2
    return row, links


def _gibbs(g: _Graph, group: list[int], draws: int, rng: np.random.Generator, cells: int,
           tilt: Mapping[tuple[int, int], float]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Gibbs sweeps over the group's records; one kept draw per sweep after the burn-in."""
    person = {r: i for i, r in enumerate(group)}  # start with everyone alone
    members: dict[int, list[int]] = {i: [r] for i, r in enumerate(group)}
    tables = np.zeros((draws, cells), dtype=np.int64)
    links = np.zeros(draws, dtype=np.int64)
    for sweep in range(BURN_IN + draws):
        for r in rng.permutation(group):
            r = int(r)
            own = members[person[r]]
            own.remove(r)
            if not own:
                del members[person[r]]
            options: list[int | None] = [None]
            logw = [0.0]
            for pid in {person[j] for j in g.edges[r] if j != r and person[j] in members}:
                p = members[pid]
                if g.fits(r, p):
                    options.append(pid)
                    logw.append(g.weight([*p, r], tilt) - g.weight(p, tilt))
            w = np.exp(np.array(logw) - max(logw))
            choice = options[int(rng.choice(len(options), p=w / w.sum()))]
            if choice is None:
                choice = max(members, default=-1) + 1
                members[choice] = []
            members[choice].append(r)
            person[r] = choice
        if sweep >= BURN_IN:
            tables[sweep - BURN_IN], links[sweep - BURN_IN] = _summary(g, list(members.values()), cells)
    return tables, links


def _fit_tilt(weights: NDArray[np.float64], counts: NDArray[np.float64], starts: NDArray[np.intp],
              target: NDArray[np.float64]) -> NDArray[np.float64]:
    """The tilt per pair of lists that makes the expected linked pairs equal ``target`` (Newton's method on
    the convex dual of the exponential family: gradient E[counts] - target, Hessian the covariance)."""
    t = np.zeros(counts.shape[1])
    if not len(weights):
        return t
    for _ in range(50):
        logw = weights + counts @ t
        logw -= np.repeat(np.maximum.reduceat(logw, starts), np.diff(np.append(starts, len(logw))))
        w = np.exp(logw)
        w /= np.repeat(np.add.reduceat(w, starts), np.diff(np.append(starts, len(w))))
        mean_g = np.add.reduceat(w[:, None] * counts, starts)  # expected pairs per group
        grad = mean_g.sum(0) - target
        if np.all(np.abs(grad) <= 1e-6 * np.maximum(target, 1.0)):
            break
        second = (w[:, None, None] * counts[:, :, None] * counts[:, None, :]).sum(0)
        hess = second - np.einsum("gi,gj->ij", mean_g, mean_g)
        step = np.linalg.lstsq(hess + 1e-9 * np.eye(len(t)), grad, rcond=None)[0]
        t = np.clip(t - step, -TILT_LIMIT, TILT_LIMIT)  # a target no partition can reach stops at the limit
    return t


def draw_partitions(records: Mapping[str, Sequence[Hashable]], candidates: Sequence[Candidate], draws: int,
                    rng: np.random.Generator) -> PartitionDraws:
    """``draws`` partitions of the records into people (module docstring), as overlap tables."""
    g = _Graph(records, candidates)
    cells = 2 ** len(g.lists) - 1
    index = {(a, b): k for k, (a, b) in enumerate((a, b) for a in range(len(g.lists)) for b in range(a + 1, len(g.lists)))}
    tables = np.zeros((draws, cells), dtype=np.int64)
    links = np.zeros(draws, dtype=np.int64)
    linked = set(g.edges)
    for r, li in enumerate(g.list_of):
        if r not in linked:
            tables[:, (1 << li) - 1] += 1
    exact: list[tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]] = []
    large: list[list[int]] = []
    target = np.zeros(len(index))
    for group in g.groups():
        parts = _enumerate(g, group)
        if parts is None:
            large.append(group)
            continue
        for a in group:  # the matcher's expected true pairs in the group
            for b, lr in g.edges[a].items():
                if a < b:
                    key = g._lists_key(a, b)
                    target[index[key]] += 1 / (1 + math.exp(-lr))
        rows = [_summary(g, part, cells) for part in parts]
        exact.append((np.array([sum(g.weight(p) for p in part) for part in parts]),
                      np.array([g.pair_counts(part, index) for part in parts]),
                      np.array([row for row, _ in rows]), np.array([k for _, k in rows])))
    starts = np.cumsum([0] + [len(e[0]) for e in exact[:-1]]).astype(np.intp)
    t = _fit_tilt(np.concatenate([e[0] for e in exact]) if exact else np.zeros(0),
                  np.concatenate([e[1] for e in exact]) if exact else np.zeros((0, len(index))), starts, target)
    for base, counts, rows_t, rows_n in exact:
        logw = base + counts @ t
        w = np.exp(logw - logw.max())
        pick = rng.choice(len(w), size=draws, p=w / w.sum())
        tables += rows_t[pick]
        links += rows_n[pick]
    tilt = {key: float(t[k]) for key, k in index.items()}
    for group in large:
        t_g, n_g = _gibbs(g, group, draws, rng, cells, tilt)
        tables += t_g
        links += n_g
    return PartitionDraws(g.lists, tables, links, len(exact), len(large), tilt)

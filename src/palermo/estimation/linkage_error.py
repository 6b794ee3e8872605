"""Estimates that carry linkage error: the hidden figure from hub overlaps when the links are uncertain.

An overlap table built from record linkage treats every accepted link as certain; a missed link makes
one person two, a false one makes two people one, and the estimate's interval knows nothing of it.
Sadinle (2018, *Annals of Applied Statistics* 12(2), "Bayesian propagation of record linkage
uncertainty into population size estimation of human rights violations") draws plausible link sets
from the posterior of the linkage, re-estimates on each and combines. We follow the same idea as
multiple imputation: each candidate link is drawn with its match probability (a reviewed hit with 1 if
confirmed, 0 if rejected), links are kept one-to-one between two lists (most probable first), the
overlap table is rebuilt and the model refitted, and the draws are combined with Rubin's rules on the
log scale (within-draw variance from each profile interval, between-draw variance of the estimates).
Unlike Sadinle's joint model the links are drawn from the matcher's probabilities, not updated by the
population model; that keeps it a layer over any matcher.

The naive interval (links with probability at least ``threshold`` taken as certain) is reported beside
it. :func:`simulate_case` makes a case with known truth.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import beta as beta_dist
from scipy.stats import norm

from palermo.errors import ValidationError
from palermo.estimation.histories import CaptureHistories
from palermo.estimation.intervals import profile_interval
from palermo.estimation.loglinear import Pair, fit_model
from palermo.estimation.overlap import overlap_from_matches

Candidate = tuple[str, Hashable, str, Hashable, float]  # (list a, record a, list b, record b, match probability)


@dataclass(frozen=True)
class LinkageErrorEstimate:
    """Point estimate and interval treating links as certain, and the same carrying linkage error."""

    naive_estimate: float
    naive_lower: float
    naive_upper: float
    estimate: float
    lower: float
    upper: float
    confidence: float
    draws: int
    between_share: float  # share of the total variance (log scale) that comes from linkage uncertainty
    links_naive: int
    links_mean: float

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _fit(records: Mapping[str, Sequence[Hashable]], links: list[tuple[str, Hashable, str, Hashable]],
         pairs: Sequence[Pair], confidence: float) -> tuple[float, float, float]:
    h = CaptureHistories.from_overlap(overlap_from_matches(records, links), lists=list(records))
    fit = fit_model(h, pairs)
    iv = profile_interval(fit, h.observed, confidence)
    return h.observed + fit.dark_figure, iv.lower, iv.upper


def one_to_one(links: list[Candidate]) -> list[tuple[str, Hashable, str, Hashable]]:
    """Keep links most probable first, each record linked at most once to each other list."""
    taken: set[tuple[str, Hashable, str]] = set()
    out = []
    for la, ra, lb, rb, _p in sorted(links, key=lambda c: -c[4]):
        if (la, ra, lb) in taken or (lb, rb, la) in taken:
            continue
        taken.update({(la, ra, lb), (lb, rb, la)})
        out.append((la, ra, lb, rb))
    return out


def estimate_with_linkage_error(records: Mapping[str, Sequence[Hashable]], candidates: Sequence[Candidate], *,
                                pairs: Sequence[Pair] = (), draws: int = 200, confidence: float = 0.95,
                                threshold: float = 0.5, seed: int = 2018) -> LinkageErrorEstimate:
    """The population estimate with and without linkage uncertainty (see the module docstring).

    ``records``: each list's record references; ``candidates``: candidate links with their match
    probability; ``pairs``: the interactions of the log-linear model (list indexes), main effects only by
    default; the same model is fitted on every draw.
    """
    problems = [f"candidate {c[0]}:{c[1]} ~ {c[2]}:{c[3]} has probability {c[4]!r}; give one between 0 and 1"
                for c in candidates if not 0 <= c[4] <= 1]
    if len(records) < 2:
        problems.append("an estimate needs at least two lists")
    if not 2 <= draws <= 10_000:
        problems.append(f"draws must be between 2 and 10,000, got {draws}")
    if problems:
        raise ValidationError("; ".join(problems[:5]))
    naive_links = one_to_one([c for c in candidates if c[4] >= threshold])
    n0, lo0, hi0 = _fit(records, naive_links, pairs, confidence)
    rng = np.random.default_rng(seed)
    probs = np.array([c[4] for c in candidates], dtype=float)
    z = float(norm.ppf(0.5 + confidence / 2))
    logs, within, sizes = [], [], []
    for _ in range(draws):
        keep = rng.random(len(probs)) < probs
        links = one_to_one([c for c, k in zip(candidates, keep) if k])
        n, lo, hi = _fit(records, links, pairs, confidence)
        logs.append(math.log(n))
        within.append(((math.log(hi) - math.log(lo)) / (2 * z)) ** 2 if math.isfinite(hi) and lo > 0 else math.inf)
        sizes.append(len(links))
    q = float(np.mean(logs))
    w, b = float(np.mean(within)), float(np.var(logs, ddof=1))
    total = w + (1 + 1 / draws) * b
    sd = math.sqrt(total)
    return LinkageErrorEstimate(n0, lo0, hi0, math.exp(q), math.exp(q - z * sd), math.exp(q + z * sd) if math.isfinite(sd) else math.inf,
                                confidence, draws, (1 + 1 / draws) * b / total if math.isfinite(total) and total > 0 else 0.0,
                                len(naive_links), float(np.mean(sizes)))


@dataclass
class SyntheticCase:
    records: dict[str, list[int]]
    candidates: list[Candidate]
    true_total: int


def simulate_case(total: int = 2000, capture: Sequence[float] = (0.3, 0.25, 0.2), *, seed: int = 1,
                  true_score: tuple[float, float] = (2.0, 2.0), false_score: tuple[float, float] = (1.0, 6.0),
                  false_ratio: float = 0.3) -> SyntheticCase:
    """Lists drawn independently from ``total`` people; every pair of records of one person is a
    candidate whose score follows Beta(``true_score``), and ``false_ratio`` as many pairs of different
    people (each on only one of the two lists, drawn without repeats) are candidates with scores from
    Beta(``false_score``). Each candidate's probability is the
    exact posterior P(same person | score), so the probabilities are calibrated by construction: hard
    true links (middling scores) get middling probabilities, as a well-calibrated matcher gives them."""
    rng = np.random.default_rng(seed)
    names = [f"L{i + 1}" for i in range(len(capture))]
    on = {n: np.flatnonzero(rng.random(total) < p) for n, p in zip(names, capture)}
    records = {n: [int(x) for x in on[n]] for n in names}
    f1, f0 = beta_dist(*true_score), beta_dist(*false_score)
    candidates: list[Candidate] = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = np.intersect1d(on[a], on[b])
            n_false = int(round(false_ratio * len(both)))
            scores_t = f1.rvs(len(both), random_state=rng)
            # false candidates between people on only one of the two lists: a record with a true
            # candidate has no rival for it, so the probabilities are calibrated record by record too
            only_a, only_b = np.setdiff1d(on[a], on[b]), np.setdiff1d(on[b], on[a])
            pa, pb = rng.choice(only_a, n_false, replace=False), rng.choice(only_b, n_false, replace=False)
            keep = pa != pb
            scores_f = f0.rvs(int(keep.sum()), random_state=rng)
            prior = len(both) / max(1, len(both) + int(keep.sum()))
            for (ra, rb), s in zip([(x, x) for x in both] + list(zip(pa[keep], pb[keep])), np.concatenate([scores_t, scores_f])):
                num = prior * f1.pdf(s)
                p = float(num / (num + (1 - prior) * f0.pdf(s)))
                candidates.append((a, int(ra), b, int(rb), min(1.0, max(0.0, p))))
    return SyntheticCase(records, candidates, total)

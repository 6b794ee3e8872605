"""The default cut never offers hits expected less precise than weights.MIN_PRECISION: each hit may lead
to a request for a person's data. Checked on mixtures of true and false pairs whose best expected F1
lies below that precision, with the false matches measured as the run measures them (within-list bests)."""

from __future__ import annotations

import numpy as np

from palermo.linkage import weights
from palermo.linkage.false_matches import FalseMatches


def _case(seed: int) -> tuple[np.ndarray, FalseMatches]:
    rng = np.random.default_rng(seed)
    n = 10_000
    true_p = rng.beta(8, 1.5, size=int(rng.integers(30, 120)))  # matches: mostly high
    false_p = rng.beta(4, 2, size=int(rng.integers(50, 400)))  # namesakes and look-alikes: middling to high
    p = np.concatenate([true_p, false_p])
    best = np.sort(rng.beta(4, 2, size=2_000) * rng.uniform(0.9, 1.0))  # within-list bests: how high non-matches score
    return p, FalseMatches(best, best.copy(), n, n)


def test_the_default_cut_expects_at_least_min_precision() -> None:
    offered = 0
    for seed in range(40):
        p, false = _case(seed)
        op = weights.operating_point(p, np.arange(len(p)), None, false=false)
        if op.matches:
            offered += 1
            assert op.precision >= weights.MIN_PRECISION - 1e-9, (seed, op)
    assert offered >= 10  # most cases still offer hits: the floor is not 'no hits at all'


def test_an_explicit_threshold_is_kept_as_asked() -> None:
    p, false = _case(1)
    op = weights.operating_point(p, np.arange(len(p)), 0.5, false=false)
    assert op.threshold == 0.5 and op.matches == int((p >= 0.5).sum())

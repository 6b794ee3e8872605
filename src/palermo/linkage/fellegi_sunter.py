"""Fellegi-Sunter weights, estimated by expectation maximisation from the candidate pairs themselves.

Each field's Dice similarity is cut into agreement levels; m (level distribution among matches) and u
(among non-matches) are estimated by EM under conditional independence, u starting from random pairs,
so no labelled data is needed. A missing value contributes no evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = (0.97, 0.92, 0.85, 0.70, 0.55)  # Dice cut points: level 5 (>= .97) … level 0 (< .55)


def levels(sims: np.ndarray) -> np.ndarray:
    """Agreement level per pair: 3, 2, 1, 0, or -1 for missing."""
    out = np.zeros(len(sims), dtype=np.int8)
    for k, cut in enumerate(sorted(LEVELS), start=1):
        out[sims >= cut] = k
    out[np.isnan(sims)] = -1
    return out


@dataclass
class FSModel:
    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    prior: float

    def log2_bayes(self, lv: dict[str, np.ndarray]) -> np.ndarray:
        total = np.zeros(len(next(iter(lv.values()))), dtype=np.float64)
        looked_up = np.empty_like(total)  # one buffer for every field's lookup: tens of millions of pairs
        for f, lvl in lv.items():
            w = np.log2(np.maximum(self.m[f], 1e-9) / np.maximum(self.u[f], 1e-9))
            table = np.append(w, 0.0)  # level -1 (missing) indexes the appended 0: no evidence
            total += np.take(table, lvl, out=looked_up)
        return total

    def probability(self, lv: dict[str, np.ndarray]) -> np.ndarray:
        return self.probability_of_weight(self.log2_bayes(lv))

    def probability_of_weight(self, weight: np.ndarray) -> np.ndarray:
        """Match probability from the match weight (log2 Bayes factor) and the prior."""
        p = np.array(weight, dtype=np.float64)  # the log odds, turned in place into p: one array, not five
        p += np.log2(self.prior / (1 - self.prior))
        np.clip(p, -60, 60, out=p)
        np.negative(p, out=p)
        np.exp2(p, out=p)
        p += 1.0
        return np.divide(1.0, p, out=p)

    def weights(self) -> dict[str, list[float]]:
        return {f: [round(float(np.log2(max(m, 1e-9) / max(u, 1e-9))), 2) for m, u in zip(self.m[f], self.u[f])]
                for f in self.m}


def estimate(lv: dict[str, np.ndarray], u_lv: dict[str, np.ndarray], prior: float = 0.05, iterations: int = 25) -> FSModel:
    """EM over candidate-pair levels ``lv``; ``u_lv`` are levels of random pairs (almost all non-matches)."""
    n_levels = len(LEVELS) + 1
    u = {}
    counts: np.ndarray
    for f, lvl in u_lv.items():
        counts = np.bincount(lvl[lvl >= 0], minlength=n_levels).astype(float) + 1.0
        u[f] = counts / counts.sum()
    # Matches agree: start m peaked at the top level; the prior starts from the share of pairs that agree
    # at the top level on most of their fields (a deterministic-rule guess, as Splink's is).
    start = np.array([0.005, 0.01, 0.02, 0.03, 0.10, 0.835])[-n_levels:]
    m = {f: start / start.sum() for f in lv}
    top = np.mean([np.where(lvl >= 0, lvl == n_levels - 1, True) for lvl in lv.values()], axis=0) if lv else np.array([])
    if len(top):
        prior = float(np.clip(np.mean(top >= 0.8), 1e-4, 0.5))
    model = FSModel(m, u, prior)
    if not len(next(iter(lv.values()), [])):
        return model
    # Both m and u are re-estimated among the candidate pairs: blocking makes candidate non-matches agree
    # far more often than random pairs on the blocked fields, so u from random pairs only starts the EM.
    for _ in range(iterations):
        p = model.probability(lv)
        new_m: dict[str, np.ndarray] = {}
        new_u: dict[str, np.ndarray] = {}
        for f, lvl in lv.items():
            ok = lvl >= 0
            counts = np.bincount(lvl[ok], weights=p[ok], minlength=n_levels) + 1e-3
            new_m[f] = counts / counts.sum()
            counts = np.bincount(lvl[ok], weights=1 - p[ok], minlength=n_levels) + 1e-3
            new_u[f] = counts / counts.sum()
        model = FSModel(new_m, new_u, float(np.clip(p.mean(), 1e-6, 0.999)))
    return model


def from_labels(lv: dict[str, np.ndarray], is_match: np.ndarray) -> FSModel:
    """m and u counted directly among labelled candidate pairs (true matches vs the rest)."""
    n_levels = len(LEVELS) + 1
    m, u = {}, {}
    for f, lvl in lv.items():
        ok = lvl >= 0
        m[f] = (np.bincount(lvl[ok & is_match], minlength=n_levels) + 0.5) / (np.sum(ok & is_match) + 0.5 * n_levels)
        u[f] = (np.bincount(lvl[ok & ~is_match], minlength=n_levels) + 0.5) / (np.sum(ok & ~is_match) + 0.5 * n_levels)
    return FSModel(m, u, float(np.clip(is_match.mean(), 1e-6, 0.5)))

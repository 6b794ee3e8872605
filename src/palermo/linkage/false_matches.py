"""How many false matches a cut lets through, estimated on the lists at hand: no truth, no calibration.

Fellegi-Sunter probabilities assume fields independent given match status; on real lists they are not
(names tell nationality and sex, a common name comes with a common nationality), so the probabilities
are overconfident, by an amount that depends on the population: a cut learned on one generator's
lists is too high or too low on another's. The lists themselves show how high two *different* people
score: two records of one agency's list are (nearly always) two people, with every correlation
between fields that the cross-list non-matches have. Scored with the run's own weights, the best
partner each record finds *within its own list* is the decoy of the target-decoy method of proteomics
(Elias and Gygi, Nature Methods 4, 2007); its rate above a cut, scaled by the size of the other list,
is each record's chance of a non-match partner above that cut there, and the false matches among the
pairs above it follow from the records left without a true match.

Within-list duplicates (one person recorded twice by one agency) count as false matches: the estimate
is then conservative (a higher cut, a lower expected precision), never the reverse. A one-to-one
assignment gives a record at most one partner, so the estimate is for records whose best non-match is
free, conservative again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from palermo.linkage.encoding import EncodedDataset

DECOY_RECORDS = 5_000  # records per list whose within-list partners are scored (all of a shorter list)

# (left list, right list, left records, right records, agreement levels) -> match probability per pair
PairScore = Callable[[EncodedDataset, EncodedDataset, np.ndarray, np.ndarray, dict[str, np.ndarray]], np.ndarray]


def records(d: EncodedDataset, idx: np.ndarray) -> EncodedDataset:
    """The records ``idx`` of ``d`` as a list of their own (same schema, same fingerprint)."""
    blocks = {k: pl.Series(k, v, dtype=pl.Utf8).gather(idx) for k, v in d.blocks.items()}
    return EncodedDataset([d.ids[i] for i in idx.tolist()], {f: v[idx] for f, v in d.filters.items()},
                          {f: v[idx] for f, v in d.present.items()}, blocks, d.fingerprint, d.schema, d.label)


def best_within(d: EncodedDataset, score: PairScore, sample: int = DECOY_RECORDS, seed: int = 0) -> np.ndarray:
    """For ``sample`` records of ``d`` (all when fewer), the probability of the best pair each forms with
    another record of ``d``, scored as the run scores pairs across lists (0 without any candidate)."""
    from palermo.linkage.engine import candidate_pairs
    from palermo.linkage.similarity import field_levels

    n = len(d)
    idx = np.arange(n) if n <= sample else np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    left = d if n <= sample else records(d, idx)
    ia, ib = candidate_pairs(left, d)
    other = idx[ia] != ib  # a record and itself are one person
    ia, ib = ia[other], ib[other]
    best = np.zeros(len(idx))
    if len(ia):
        lv = field_levels(left, d, ia, ib)
        np.maximum.at(best, ia, score(left, d, ia, ib, lv))
    return np.sort(best)


@dataclass(frozen=True)
class FalseMatches:
    """Each list's within-list best scores (sorted) and the two list sizes."""

    best_a: np.ndarray
    best_b: np.ndarray
    n_a: int
    n_b: int

    @property
    def records(self) -> int:
        """Records whose within-list partners were scored, on the shorter side: what the estimate rests on."""
        return min(len(self.best_a), len(self.best_b))

    @staticmethod
    def rate(best: np.ndarray, own: int, others: int, cut: np.ndarray) -> np.ndarray:
        """A record's chance of a non-match above ``cut`` among ``others`` records of the other list: the
        share of within-list bests (among ``own`` - 1 other records) above it, scaled to ``others``."""
        above = (len(best) - np.searchsorted(best, cut, side="left")) / max(1, len(best))
        return np.clip(above * others / max(1, own - 1), 0.0, 0.999)

    def expected(self, cut: np.ndarray, above: np.ndarray) -> np.ndarray:
        """Expected false matches among the ``above`` one-to-one pairs at or above each ``cut``: each
        side's records left without a true match, times their chance of a non-match above the cut;
        the mean of the two sides' estimates, at most ``above``."""
        cut, above = np.asarray(cut, dtype=np.float64), np.asarray(above, dtype=np.float64)
        out = np.zeros(len(cut))
        for best, own, others in ((self.best_a, self.n_a, self.n_b), (self.best_b, self.n_b, self.n_a)):
            r = self.rate(best, own, others, cut)
            # false = r x (own - true) and true = above - false, solved for false
            out += r * np.maximum(own - above, 0.0) / (1 - r)
        return np.minimum(out / 2, above)


def estimate(a: EncodedDataset, b: EncodedDataset, score: PairScore, sample: int = DECOY_RECORDS) -> FalseMatches:
    """The within-list bests of both lists, scored by ``score`` (the run's own weights)."""
    return FalseMatches(best_within(a, score, sample), best_within(b, score, sample, seed=1), len(a), len(b))

"""Calibration of a schema: Fellegi-Sunter weights and the decision threshold, from labelled synthetic data.

Similarity distributions depend on the schema (fields, filter sizes, hashes, hardening) and on how
names and dates vary, not on the key; so Palermo generates realistic synthetic lists with known truth
(``synthetic.py``), encodes them with the schema under a throw-away key, counts m and u among the
candidate pairs, and picks the match-weight threshold with the best F1. Thresholds are thus calibrated
per schema, not guessed; EM on the agencies' own candidate pairs remains available (``model.estimate``)
but latent classes can lock onto a field such as nationality, which labelled calibration avoids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from palermo.linkage import fellegi_sunter as fs
from palermo.linkage.encoding import Encoder
from palermo.linkage.schema import LinkageSchema

# A fixed, public key for the synthetic calibration lists: the similarity distributions do not depend on
# the key, and a fixed one makes the weights, the threshold and so every match run reproducible.
CALIBRATION_KEY = hashlib.sha256(b"palermo linkage calibration").digest()


@dataclass(frozen=True)
class Calibration:
    model: fs.FSModel
    threshold: float  # on the log2 Bayes factor (match weight)
    precision: float
    recall: float
    f1: float
    pairs: int
    matches: int  # true matches among the calibration's candidate pairs: with ``pairs``, the prior it assumed
    # How often pairs of each probability estimated on the lists themselves (``weights.probabilities``) were
    # true matches on labelled lists (``weights.reliability_table``): how a run weighs its pairs when it
    # estimates the share of matches its blocking keys propose (the cut itself follows the false matches
    # measured on the lists at hand, ``false_matches``, not this generator's).
    reliability: tuple[float, ...] = ()

    def threshold_for(self, candidates: int, found: int) -> float:
        """The threshold moved by the difference in prior odds between these lists and the calibration
        lists: larger lists bring more candidate pairs per true match, so the same weight is weaker
        evidence. ``found`` (matches at the calibrated threshold) estimates the true matches. Never lower."""
        if candidates == 0 or found == 0:
            return self.threshold
        prior_here = (found / max(self.recall, 0.1)) / candidates
        prior_calibration = self.matches / max(1, self.pairs)
        return self.threshold + max(0.0, float(np.log2(prior_calibration / prior_here)))


def _sims(schema: LinkageSchema, n: int, overlap: float, noise: float, seed: int, sample: str):  # type: ignore[no-untyped-def]
    from palermo.linkage.engine import candidate_pairs
    from palermo.linkage.similarity import field_levels
    from palermo.linkage.synthetic import agency_lists, in_schema_columns, true_pairs

    lists, truth = agency_lists({"A": n, "B": n}, overlap=overlap, noise=noise, seed=seed)
    enc = Encoder(schema, CALIBRATION_KEY)
    # The synthetic people in the schema's own columns, by field kind: any column names calibrate.
    a, b = (enc.encode(in_schema_columns(schema, lists[k], [truth[(k, r["record_id"])] for r in lists[k]],
                                         noise=noise, seed=seed + i), label=k, workers=1)
            for i, k in enumerate(("A", "B")))
    pos_a = {r: i for i, r in enumerate(a.ids)}
    pos_b = {r: i for i, r in enumerate(b.ids)}
    true = np.fromiter((pos_a[x] * len(b) + pos_b[y] for x, y in true_pairs(truth, "A", "B")), dtype=np.int64)
    if sample == "pairs":
        ia, ib = candidate_pairs(a, b)
        return (a, b, ia, ib), np.isin(ia.astype(np.int64) * len(b) + ib, true), len(true)
    if sample == "weights":
        # m among all true pairs, u among random pairs (as Fellegi and Sunter, and Splink, estimate them):
        # candidate pairs were chosen because they agree on a blocking key, so counting u among them
        # would make agreement on that key look like no evidence at all.
        rng = np.random.default_rng(seed)
        ra, rb = rng.integers(0, len(a), 200_000), rng.integers(0, len(b), 200_000)
        ia, ib = np.concatenate([true // len(b), ra]), np.concatenate([true % len(b), rb])
        is_match = np.concatenate([np.ones(len(true), bool), np.isin(ra * len(b) + rb, true)])
    else:
        ia, ib = candidate_pairs(a, b)
        is_match = np.isin(ia.astype(np.int64) * len(b) + ib, true)
    return field_levels(a, b, ia, ib), is_match, len(true)


@lru_cache(maxsize=32)
def _calibrate(schema_json: str, n: int, overlap: float, noise: float) -> Calibration:
    # per process in memory (this cache), across processes on disk (calibration_cache, when configured)
    from palermo.linkage import calibration_cache

    return calibration_cache.cached(schema_json, (n, overlap, noise), lambda: _compute(schema_json, n, overlap, noise))


def _compute(schema_json: str, n: int, overlap: float, noise: float) -> Calibration:
    schema = LinkageSchema.model_validate_json(schema_json)
    lv, is_match, n_true = _sims(schema, n, overlap, noise, seed=7, sample="weights")
    model = fs.from_labels(lv, is_match)
    # the threshold is chosen on a second, independent sample
    lv2, is_match2, n_true2 = _sims(schema, n, overlap, noise, seed=11, sample="candidates")
    w = model.log2_bayes(lv2)
    best = (0.0, 0.0, 0.0, 0.0)
    for t in np.unique(np.round(w, 1)):
        pred = w >= t
        tp = int(np.sum(pred & is_match2))
        prec, rec = tp / max(1, int(pred.sum())), tp / max(1, n_true2)
        f1 = 2 * prec * rec / max(1e-9, prec + rec)
        if f1 > best[0]:
            best = (f1, float(t), prec, rec)
    return Calibration(model, best[1], round(best[2], 4), round(best[3], 4), round(best[0], 4), len(w), n_true2,
                       _reliability(schema, model, best[1], n, overlap, noise))


def _reliability(schema: LinkageSchema, start: fs.FSModel, start_weight: float, n: int, overlap: float,
                 noise: float) -> tuple[float, ...]:
    """Run the estimation on the lists at hand (``weights.probabilities``) on a third labelled sample: how
    often the one-to-one pairs of each estimated probability were true matches (``weights.reliability_table``)."""
    from palermo.linkage.engine import one_to_one
    from palermo.linkage.similarity import field_levels
    from palermo.linkage.weights import probabilities, reliability_table

    (a, b, ia, ib), is_match, _ = _sims(schema, n, overlap, noise, seed=13, sample="pairs")
    if not len(ia):
        return ()
    lv = field_levels(a, b, ia, ib)
    _, p = probabilities(a, b, ia, ib, lv, start, start_weight)
    kept = one_to_one(ia, ib, p, 0.01)  # the pairs a run's expectations are summed over
    return reliability_table(p[kept], is_match[kept])


def calibrate(schema: LinkageSchema, n: int = 4000, overlap: float = 0.2, noise: float = 0.3) -> Calibration:
    """Weights and threshold for ``schema`` (cached per schema, settings and code version: in memory, and
    on disk in ``calibration_cache.directory()``)."""
    return _calibrate(schema.canonical(), n, overlap, noise)

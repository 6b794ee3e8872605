"""Matching engines behind one seam: candidate pairs from keyed blocking, per-field Dice, Fellegi-Sunter
probability, 1-to-1 assignment per pair of agencies, for N agencies at once.

``LocalEngine`` runs in process on numpy; ``palermo.linkage.spark_engine.SparkEngine`` runs the same
steps on Spark. Both return identical matches on identical input (tested with one test body).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from itertools import combinations
from typing import Any, Protocol

import numpy as np
import polars as pl

from palermo.errors import ValidationError
from palermo.linkage import capture, false_matches, weights
from palermo.linkage import fellegi_sunter as fs
from palermo.linkage.calibration import calibrate
from palermo.linkage.encoding import EncodedDataset
from palermo.linkage.similarity import (
    all_pairs_dice,
    block_pairs_above,
    dice,
    field_levels,
    field_similarities,
    greedy_kernel,
)
from palermo.linkage.weights import OperatingPoint
from palermo.messages import N_

# (agreement levels per field, log2 odds per pair) -> the pairs' log2 odds after reviewed-hit feedback
Adjustment = Callable[[dict[str, np.ndarray], np.ndarray], np.ndarray]
MAX_BLOCK_PAIRS = 2_500  # 50 x 50 records share one key value: beyond that the key does not discriminate
DEFAULT_THRESHOLD = 0.9  # match probability; calibrated on synthetic data (docs/linkage.md)
U_SAMPLE = 20_000


@dataclass(frozen=True)
class Match:
    list_a: str
    record_a: str
    list_b: str
    record_b: str
    probability: float
    similarities: dict[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def swapped(self) -> Match:
        """The same match seen from the other list."""
        return Match(self.list_b, self.record_b, self.list_a, self.record_a, self.probability, self.similarities)


def canonical_order(a: EncodedDataset, b: EncodedDataset) -> tuple[EncodedDataset, EncodedDataset]:
    """Two lists in an order fixed by their contents (size, then their first encodings), not by the
    order they were handed in: random pairs, samples and ties are then drawn alike for ``[A, B]`` and
    ``[B, A]``, so both give the same matches and probabilities."""
    def key(d: EncodedDataset) -> tuple[int, bytes]:
        first = d.schema.fields[0].name
        return len(d), hashlib.sha256(np.ascontiguousarray(d.filters[first][:1000]).tobytes()).digest()
    return (b, a) if key(b) < key(a) else (a, b)


def check_compatible(datasets: list[EncodedDataset]) -> None:
    """Encodings made with another secret or schema cannot be compared: refuse instead of matching noise."""
    if len(datasets) < 2:
        raise ValidationError(N_("matching needs at least two lists of encodings"))
    first = datasets[0]
    bad = [d.label for d in datasets[1:] if d.fingerprint != first.fingerprint]
    if bad:
        raise ValidationError(
            N_("encodings of {bad} were made with a different secret or schema than those of {label}; every agency "
               "must encode with the same schema and shared secret",
               bad=', '.join(bad), label=first.label))
    labels = [d.label for d in datasets]
    if len(set(labels)) != len(labels):
        raise ValidationError(N_("list labels must be distinct, got {labels}", labels=labels))


# An oversized block of at most this many pairs (about 220 x 220 records) is not dropped but searched: its
# pairs whose match weight under the schema's calibration reaches the rescue floor are kept. At a million
# per side, a date of birth or a name with the year is shared by 50-150 records per side, and 13% of the
# true pairs shared only such keys (measured, docs/linkage.md); larger blocks (a common name alone) stay out.
RESCUE_BLOCK_PAIRS = 50_000
RESCUE_OFFSET = 4.0  # the floor: the calibration's match-weight threshold plus 4 bits. Measured at a million
# per side: 2,459 true pairs more among 195,717 pairs; at the threshold less 4 bits 5,227 among 2.0 million, but
# those scored below the run's cut (recall 0.415 against 0.413) and cost 170 MiB of the memory headroom
Rescue = tuple[fs.FSModel, float]  # the weights that score an oversized block's pairs, and the floor they must reach
# Off by default: at a million per side the search found 0.002 more recall (0.415 against 0.413) while the
# match took 65.1 s and 4,084 MiB against 38.1 s and 3,671 MiB without it, over the kept target of 60 s and 4 GiB
# (measured idle, docs/linkage.md). Recall at scale is lost to the prior odds and the cut, not to the cap.
SEARCH_OVERSIZED = False


def candidate_pairs(a: EncodedDataset, b: EncodedDataset, max_block_pairs: int | None = None,
                    rescue: Rescue | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs sharing at least one keyed blocking key (all pairs when the schema has no blocking).

    ``max_block_pairs`` (default :data:`MAX_BLOCK_PAIRS`) skips a key value whose block would yield more
    pairs than that: a key shared by hundreds of records on each side (a common name without a date)
    does not tell them apart, grows with the square of the lists, and the other keys still propose the
    pairs that can be decided. ``0`` keeps every block. With ``rescue`` (weights and a floor on the match
    weight), a skipped block of at most :data:`RESCUE_BLOCK_PAIRS` pairs still proposes those of its pairs
    that reach the floor (:func:`rescued_pairs`).
    """
    cap = MAX_BLOCK_PAIRS if max_block_pairs is None else max_block_pairs
    if not a.schema.blocking:
        return all_pairs_candidates(a, b)
    found = []
    for spec in a.schema.blocking:
        # A hash join in Polars (Rust) rather than a dict in Python: a million records per side in seconds.
        left = pl.DataFrame({"k": a.blocks[spec.name], "i": np.arange(len(a), dtype=np.int64)}).drop_nulls("k")
        right = pl.DataFrame({"k": b.blocks[spec.name], "j": np.arange(len(b), dtype=np.int64)}).drop_nulls("k")
        if cap:
            sizes = (left.group_by("k").len().join(right.group_by("k").len(), on="k", suffix="_b")
                     .with_columns(pairs=pl.col("len") * pl.col("len_b")))
            if rescue is not None:
                found.extend(rescued_pairs(a, b, left, right, sizes.filter(
                    (pl.col("pairs") > cap) & (pl.col("pairs") <= RESCUE_BLOCK_PAIRS)), rescue))
            left = left.join(sizes.filter(pl.col("pairs") <= cap).select("k"), on="k", how="semi")
        found.append(left.join(right, on="k", how="inner").select(pair=pl.col("i") * len(b) + pl.col("j")))
    pairs = pl.concat(found)["pair"].unique().to_numpy()
    del found
    pairs.sort()
    return _pair_index(pairs // len(b), len(a)), _pair_index(pairs % len(b), len(b))


def rescued_pairs(a: EncodedDataset, b: EncodedDataset, left: pl.DataFrame, right: pl.DataFrame,
                  blocks: pl.DataFrame, rescue: Rescue) -> list[pl.DataFrame]:
    """The pairs of the oversized ``blocks`` (key values) whose match weight under ``rescue``'s weights
    reaches its floor (``similarity.block_pairs_above``: a compiled pass over each block's records, the
    blocks' pairs never in memory), as a frame of ``pair`` codes (``i * len(b) + j``)."""
    model, floor = rescue
    if not blocks.height:
        return []
    ids = blocks.select("k").with_row_index("g")
    ga = left.join(ids, on="k").sort("g", "i")
    gb = right.join(ids, on="k").sort("g", "j")
    n = blocks.height
    starts_a = np.searchsorted(ga["g"].to_numpy(), np.arange(n + 1)).astype(np.int64)
    starts_b = np.searchsorted(gb["g"].to_numpy(), np.arange(n + 1)).astype(np.int64)
    tables = {f: np.append(np.log2(np.maximum(model.m[f], 1e-9) / np.maximum(model.u[f], 1e-9)), 0.0)
              for f in model.m}
    ia, ib = block_pairs_above(a, b, ga["i"].to_numpy(), starts_a, gb["j"].to_numpy(), starts_b, tables, floor)
    return [pl.DataFrame({"pair": ia * len(b) + ib})]


def _pair_index(rows: np.ndarray, n: int) -> np.ndarray:
    """Record positions of candidate pairs as int32 where the list allows (half the memory of int64 for
    tens of millions of pairs); products such as ``ia * len(b)`` must be taken in int64 by the caller."""
    return rows.astype(np.int32) if n < 2**31 else rows


PAIRS_PER_RECORD = 20  # all-pairs matching keeps about this many candidate pairs per record of the larger list
MIN_FLOOR = 0.5  # ... and never pairs whose record-level Dice is below this


def floor_applies(a: EncodedDataset, b: EncodedDataset, per_record: int = PAIRS_PER_RECORD) -> bool:
    """Whether all-pairs matching of these lists keeps only pairs above a similarity floor (more pairs
    than the budget): true matches below it are then never candidates, and no run counts them."""
    return len(a) * len(b) > per_record * max(len(a), len(b))


def similarity_floor(a: EncodedDataset, b: EncodedDataset, per_record: int = PAIRS_PER_RECORD,
                     sample: int = 200_000, seed: int = 0) -> float:
    """The record-level Dice below which all-pairs matching keeps no pair: the value that only about
    ``per_record`` × max(n, m) of the n × m pairs exceed, estimated on random pairs (nearly all of them
    non-matches), and at least :data:`MIN_FLOOR`. Memory then grows with the lists, not their product."""
    if not floor_applies(a, b, per_record):
        return 0.0
    total = len(a) * len(b)
    budget = per_record * max(len(a), len(b))
    ra, rb = random_pairs(a, b, min(sample, total), seed)
    fa, fb = a.record_level(), b.record_level()
    sims = np.sort(dice(fa[ra], fb[rb]))
    # the random pairs above the cut stand for budget / total of all pairs
    rank = min(len(sims) - 1, int(len(sims) * (1 - budget / total)))
    return max(MIN_FLOOR, float(sims[rank]))


def all_pairs_candidates(a: EncodedDataset, b: EncodedDataset, floor: float | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs of a schema without blocking (a clkhash schema): every pair is compared on the
    record-level filters by the tiled all-pairs kernel, which keeps only pairs with Dice >= ``floor``
    (default :func:`similarity_floor`); the n × m pairs are never in memory at once."""
    if not len(a) or not len(b):
        return np.array([], np.int64), np.array([], np.int64)
    cut = similarity_floor(a, b) if floor is None else floor
    ia, ib, _ = all_pairs_dice(a.record_level(), b.record_level(), cut)
    return _pair_index(ia, len(a)), _pair_index(ib, len(b))


def random_pairs(a: EncodedDataset, b: EncodedDataset, n: int = U_SAMPLE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, len(a), n), rng.integers(0, len(b), n)


def one_to_one(ia: np.ndarray, ib: np.ndarray, p: np.ndarray, threshold: float) -> np.ndarray:
    """Greedy 1-to-1 assignment: best pairs first, each record used once. Returns kept pair indices.
    The loop is compiled (``similarity.greedy_kernel``): millions of pairs above a low cut, several
    times per run (the prior's iterations)."""
    above = np.flatnonzero(p >= threshold)  # only pairs above the threshold can be kept
    if not len(above):
        return np.array([], dtype=np.int64)
    order = above[np.lexsort((ib[above], ia[above], -p[above]))]  # deterministic tie-break
    x, y = np.asarray(ia), np.asarray(ib)
    used_a, used_b = np.zeros(int(x[above].max()) + 1, bool), np.zeros(int(y[above].max()) + 1, bool)
    keep = np.empty(len(order), dtype=np.int64)
    return keep[:greedy_kernel()(order, x, y, used_a, used_b, keep)]


class Engine(Protocol):
    name: str

    def pair_levels(self, a: EncodedDataset, b: EncodedDataset, rescue: Rescue | None = None
                    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Candidate pairs (sorted by ia, then ib) and their per-field agreement levels
        (``fellegi_sunter.levels`` of the Dice similarity, int8); ``rescue``: see :func:`candidate_pairs`."""


class LocalEngine:
    name = "local"

    def pair_levels(self, a: EncodedDataset, b: EncodedDataset, rescue: Rescue | None = None
                    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        ia, ib = candidate_pairs(a, b, rescue=rescue)
        return ia, ib, field_levels(a, b, ia, ib)


def get_engine(name: str) -> Engine:
    if name == "local":
        return LocalEngine()
    if name == "spark":
        from palermo.linkage.spark_engine import SparkEngine

        return SparkEngine()
    raise ValidationError(N_("engine {name!r} unknown; use local or spark", name=name))


@dataclass
class LinkResult:
    """Matches of a run and, per pair of lists, the operating point it expects (estimated precision and
    recall, from the match probabilities: no truth needed)."""

    matches: list[Match]
    expected: dict[tuple[str, str], OperatingPoint]

    def summary(self) -> str:
        return "; ".join(f"{la}-{lb}: {op.matches} matches, expected precision {op.precision:.3f}, "
                         f"expected recall {op.recall:.3f}"
                         + (" of the true matches above the similarity floor (those below it are not counted: "
                            "the recall of all true matches is lower)" if op.recall_scope == "candidates" else "")
                         + f" (cut at probability {op.threshold:.3f})"
                         for (la, lb), op in self.expected.items())


def _scorer(model: fs.FSModel, adjust: Adjustment | None) -> false_matches.PairScore:
    """Pairs scored as the run scores its candidates: the estimated weights, term frequencies, feedback."""
    def score(x: EncodedDataset, y: EncodedDataset, ia: np.ndarray, ib: np.ndarray,
              lv: dict[str, np.ndarray]) -> np.ndarray:
        p = weights.pair_probabilities(x, y, ia, ib, lv, model)
        if adjust is None:
            return p
        return 1.0 / (1.0 + np.exp2(-np.clip(adjust(lv, weights.log2_odds(p)), -60, 60)))
    return score


def match(datasets: list[EncodedDataset], *, threshold: float | None = None, engine: Engine | None = None,
          method: str = "estimated", adjust: Adjustment | None = None) -> list[Match]:
    """Match every pair of lists; each record matched at most once per other list (see :func:`link`)."""
    return link(datasets, threshold=threshold, engine=engine, method=method, adjust=adjust).matches


def link(datasets: list[EncodedDataset], *, threshold: float | None = None, engine: Engine | None = None,
         method: str = "estimated", adjust: Adjustment | None = None) -> LinkResult:
    """Match every pair of lists; each record matched at most once per other list.

    ``method="estimated"`` (default): u from random pairs of these lists, m by EM with u fixed from the
    schema's synthetic calibration, term-frequency adjustment of skewed fields, the cut at the best
    expected F1 among pairs at least even odds (``palermo.linkage.weights``). ``"calibrated"``: the
    synthetic calibration's weights and match-weight threshold as they are; ``"em"``: m and u both by EM
    on the candidate pairs. ``threshold`` is a match probability and overrides the cut. ``adjust`` turns
    each pair's log2 odds into new ones from its agreement levels (the hub's reviewed-hit feedback,
    ``palermo.linkage.feedback``), before the cut is chosen; estimated method only.
    """
    check_compatible(datasets)
    if method not in ("estimated", "calibrated", "em"):
        raise ValidationError(N_("matching method {method!r} unknown; use estimated, calibrated or em", method=method))
    if adjust is not None and method != "estimated":
        raise ValidationError(N_("reviewed-hit feedback adjusts the estimated weights only; use method estimated"))
    engine = engine or LocalEngine()
    cal = calibrate(datasets[0].schema) if method in ("estimated", "calibrated") else None
    out: list[Match] = []
    expected: dict[tuple[str, str], OperatingPoint] = {}
    for first, second in combinations(datasets, 2):
        a, b = canonical_order(first, second)
        # oversized blocks give their pairs that the calibration weighs near its threshold or above
        ia, ib, lv = engine.pair_levels(a, b, rescue=(cal.model, cal.threshold + RESCUE_OFFSET)
                                        if cal is not None and SEARCH_OVERSIZED else None)
        if method == "estimated" and len(ia):
            assert cal is not None
            model, p = weights.probabilities(a, b, ia, ib, lv, cal.model, cal.threshold)
            if adjust is not None:
                p = 1.0 / (1.0 + np.exp2(-np.clip(adjust(lv, weights.log2_odds(p)), -60, 60)))
            kept = one_to_one(ia, ib, p, 0.01)
            found_share = capture.blocking_capture(a, b, ia[kept], ib[kept], weights.reliable(p[kept], cal.reliability),
                                               MAX_BLOCK_PAIRS)
            # the fields are not independent (names tell nationality), so the probabilities are overconfident
            # by an amount that depends on the population: how high non-matches score is measured on these
            # lists, by scoring pairs within each list with the same weights (false_matches)
            false = false_matches.estimate(a, b, _scorer(model, adjust))
            op = weights.operating_point(p, kept, threshold, table=cal.reliability, capture=found_share, false=false)
            if not a.schema.blocking and floor_applies(a, b):
                op = replace(op, recall_scope="candidates")  # the matches below the floor are not counted
            chosen = kept[p[kept] >= op.threshold]
        else:
            if cal is not None:
                model = cal.model
            else:
                ra, rb = random_pairs(a, b)
                model = fs.estimate(lv, {f: fs.levels(s) for f, s in field_similarities(a, b, ra, rb).items()})
            weight = model.log2_bayes(lv) if len(ia) else np.array([])
            p = model.probability_of_weight(weight) if len(ia) else np.array([])
            if threshold is not None:
                score, cutoff = p, threshold
            elif cal is not None:
                score, cutoff = weight, cal.threshold
                if len(ia):
                    cutoff = cal.threshold_for(len(ia), len(one_to_one(ia, ib, score, cutoff)))
            else:
                score, cutoff = p, DEFAULT_THRESHOLD
            chosen = one_to_one(ia, ib, score, cutoff)
            op = weights.operating_point(p, chosen, 0.0)
        del lv
        expected[(first.label, second.label)] = op
        # the similarities shown with each match, for the chosen pairs only
        sims = field_similarities(a, b, ia[chosen], ib[chosen])
        for n, k in enumerate(chosen):
            found = Match(a.label, a.ids[ia[k]], b.label, b.ids[ib[k]], round(float(p[k]), 6),
                          {f: (None if np.isnan(s[n]) else round(float(s[n]), 4)) for f, s in sims.items()})
            out.append(found if a is first else found.swapped())
    return LinkResult(out, expected)

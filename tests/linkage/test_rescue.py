"""Oversized blocks are searched, not dropped: a block too large to take whole (a date of birth shared by
a hundred records per side at a million) still proposes the pairs whose calibrated match weight reaches
the floor, exactly those that scoring every one of its pairs would keep."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from palermo.linkage import engine
from palermo.linkage.calibration import calibrate
from palermo.linkage.encoding import Encoder
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.similarity import field_levels
from palermo.linkage.synthetic import agency_lists, true_pairs

LISTS, TRUTH = agency_lists({"A": 1500, "B": 1500}, overlap=0.3, noise=0.3, seed=5)
ENC = Encoder(DEFAULT_SCHEMA, b"s" * 40)
A, B = (ENC.encode(LISTS[k], label=k) for k in ("A", "B"))
CAP = 4  # 2 x 2 records: at 1,500 per side many key values are shared by more, as at a million per side by 50


def _by_scoring_every_pair(model: object, floor: float) -> set[tuple[int, int]]:
    """The rule by brute force: every pair of every block over the cap and within the rescue bound, scored."""
    out: set[tuple[int, int]] = set()
    for spec in DEFAULT_SCHEMA.blocking:
        left = pl.DataFrame({"k": A.blocks[spec.name], "i": range(len(A))}).drop_nulls("k")
        right = pl.DataFrame({"k": B.blocks[spec.name], "j": range(len(B))}).drop_nulls("k")
        sizes = left.group_by("k").len().join(right.group_by("k").len(), on="k", suffix="_b")
        big = sizes.filter((pl.col("len") * pl.col("len_b") > CAP)
                           & (pl.col("len") * pl.col("len_b") <= engine.RESCUE_BLOCK_PAIRS)).select("k")
        pairs = left.join(big, on="k").join(right, on="k")
        ia, ib = pairs["i"].to_numpy(), pairs["j"].to_numpy()
        w = model.log2_bayes(field_levels(A, B, ia, ib))  # type: ignore[attr-defined]
        out |= set(zip(ia[w >= floor].tolist(), ib[w >= floor].tolist()))
    return out


def _pairs(rescue: engine.Rescue | None) -> set[tuple[int, int]]:
    ia, ib = engine.candidate_pairs(A, B, max_block_pairs=CAP, rescue=rescue)
    return set(zip(ia.tolist(), ib.tolist()))


@pytest.mark.parametrize("shift", [-6.0, 0.0, 6.0])
def test_an_oversized_block_proposes_exactly_its_pairs_above_the_floor(shift: float) -> None:
    cal = calibrate(DEFAULT_SCHEMA)
    floor = cal.threshold + shift
    plain, rescued = _pairs(None), _pairs((cal.model, floor))
    expected = _by_scoring_every_pair(cal.model, floor)
    if shift < 0:
        assert expected - plain  # the cap drops pairs above a low floor: there is something to rescue
    assert rescued == plain | expected


def test_rescued_pairs_include_true_matches_the_cap_lost() -> None:
    cal = calibrate(DEFAULT_SCHEMA)
    pos_a = {r: i for i, r in enumerate(A.ids)}
    pos_b = {r: i for i, r in enumerate(B.ids)}
    truth = {(pos_a[x], pos_b[y]) for x, y in true_pairs(TRUTH, "A", "B")}
    plain = _pairs(None)
    new = _pairs((cal.model, cal.threshold - 4)) - plain
    assert len(new & truth) >= 5  # 7 of 23 here (1,500 per side with a cap of 2 x 2 records)
    assert len((plain | new) & truth) > len(plain & truth)  # recall among the candidates rises


def test_without_blocks_to_rescue_nothing_changes() -> None:
    cal = calibrate(DEFAULT_SCHEMA)
    ia, ib = engine.candidate_pairs(A, B, max_block_pairs=0, rescue=(cal.model, cal.threshold))
    ja, jb = engine.candidate_pairs(A, B, max_block_pairs=0)
    assert np.array_equal(ia, ja) and np.array_equal(ib, jb)

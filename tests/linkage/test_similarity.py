"""Compiled kernels against plain numpy and Python: all-pairs Dice, per-pair agreement levels, the
greedy one-to-one assignment."""

from __future__ import annotations

import numpy as np
import pytest

from palermo.linkage import fellegi_sunter as fs
from palermo.linkage.encoding import Encoder
from palermo.linkage.engine import candidate_pairs, one_to_one
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.similarity import all_pairs_dice, field_levels, field_similarities
from palermo.linkage.synthetic import agency_lists


def _every_pair(a: np.ndarray, b: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    inter = np.bitwise_count(a[:, None, :] & b[None, :, :]).sum(axis=2, dtype=np.int64)
    total = np.bitwise_count(a).sum(1, dtype=np.int64)[:, None] + np.bitwise_count(b).sum(1, dtype=np.int64)[None, :]
    d = 2.0 * inter / np.maximum(total, 1)
    r, c = np.nonzero(d >= threshold)
    return r, c, d[r, c]


@pytest.mark.parametrize("width", [128, 216, 27, 3, 1024])  # bytes per filter; not all whole 64-bit words
@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.8, 1.0])  # 0: every pair passes, more than a row's room
def test_all_pairs_dice_finds_exactly_the_pairs_over_the_threshold(width: int, threshold: float) -> None:
    rng = np.random.default_rng(width)
    a = np.packbits(rng.random((70, width * 8)) < 0.3, axis=1)
    b = np.packbits(rng.random((400, width * 8)) < 0.3, axis=1)  # several tiles of b, the last one partial
    b[:20] = a[:20]  # identical pairs
    b[20:40] = a[20:40] & np.packbits(rng.random((20, width * 8)) < 0.9, axis=1)  # near matches
    a[-2:], b[-1] = 0, 0  # empty filters score 0
    got = all_pairs_dice(a, b, threshold, block=32)
    want = _every_pair(a, b, threshold)
    for g, w in zip(got, want):
        assert np.array_equal(g, w)


def test_all_pairs_dice_of_empty_lists() -> None:
    a = np.zeros((0, 16), np.uint8)
    b = np.ones((5, 16), np.uint8)
    for x, y in ((a, b), (b, a)):
        ia, ib, score = all_pairs_dice(x, y, 0.5)
        assert len(ia) == len(ib) == len(score) == 0


def test_field_levels_are_the_levels_of_the_field_similarities() -> None:
    """The compiled levels kernel gives exactly the levels of numpy's Dice, at every cut and for missing
    values, on real encodings (noisy synthetic people: every level occurs) and on random pairs."""
    lists, _ = agency_lists({"A": 400, "B": 400}, overlap=0.5, noise=0.4, seed=5)
    enc = Encoder(DEFAULT_SCHEMA, b"k" * 40)
    a, b = enc.encode(lists["A"], label="A"), enc.encode(lists["B"], label="B")
    ia, ib = candidate_pairs(a, b)
    rng = np.random.default_rng(1)
    ia = np.concatenate([ia, rng.integers(0, len(a), 5000).astype(ia.dtype)])
    ib = np.concatenate([ib, rng.integers(0, len(b), 5000).astype(ib.dtype)])
    got = field_levels(a, b, ia, ib)
    want = {f: fs.levels(s) for f, s in field_similarities(a, b, ia, ib).items()}
    assert got.keys() == want.keys()
    seen = set()
    for f in want:
        assert got[f].dtype == np.int8 and np.array_equal(got[f], want[f]), f
        seen |= set(np.unique(want[f]).tolist())
    assert seen == set(range(-1, len(fs.LEVELS) + 1))  # every level and missing were compared
    assert all(len(v) == 0 for v in field_levels(a, b, ia[:0], ib[:0]).values())


def _greedy(ia: np.ndarray, ib: np.ndarray, p: np.ndarray, threshold: float) -> list[int]:
    order = sorted((k for k in range(len(p)) if p[k] >= threshold), key=lambda k: (-p[k], ia[k], ib[k]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    keep = []
    for k in order:
        if ia[k] not in used_a and ib[k] not in used_b:
            used_a.add(int(ia[k]))
            used_b.add(int(ib[k]))
            keep.append(k)
    return keep


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.9, 2.0])  # 2.0: no pair passes
def test_one_to_one_is_the_greedy_assignment(threshold: float) -> None:
    rng = np.random.default_rng(3)
    ia, ib = rng.integers(0, 60, 2000).astype(np.int32), rng.integers(0, 80, 2000)
    p = np.round(rng.random(2000), 2)  # many ties: broken by ia, then ib
    got = one_to_one(ia, ib, p, threshold)
    assert got.dtype == np.int64 and got.tolist() == _greedy(ia, ib, p, threshold)

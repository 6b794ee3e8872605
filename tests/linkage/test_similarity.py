"""All-pairs Dice: the compiled kernel against a plain numpy computation of every pair."""

from __future__ import annotations

import numpy as np
import pytest

from palermo.linkage.similarity import all_pairs_dice


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

"""How many of the true matches blocking proposes at all, estimated from the matches it did propose.

A true match that shares no blocking key (or only a key value whose block is over the cap) is never a
candidate pair, so no match probability can count it; capture-recapture over the keys sees that loss.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from palermo.linkage.encoding import EncodedDataset


def blocking_capture(a: EncodedDataset, b: EncodedDataset, ia: np.ndarray, ib: np.ndarray, expected: np.ndarray,
                     max_block_pairs: int = 0) -> float:
    """The share of all true matches that the blocking keys propose, estimated from the matches they did
    propose (capture-recapture, model M_t: each key captures a match independently with its own
    probability): a true match none of the keys shares is never a candidate pair, so no probability
    can count it. ``ia``/``ib``: the one-to-one pairs; ``expected``: how likely each is a match.
    ``max_block_pairs``: the cap of candidate generation (0: none); a key value whose block is over it
    proposes no pair, so a match sharing only that value is not captured by that key. Counting it as
    captured made a million per side look as if blocking found 99.6% of the matches where it found 76%.

    Keys that share a part (two keys on the surname) are not independent; the estimate is then
    optimistic, but it sees the matches that blocking loses, which a sum of probabilities cannot."""
    specs = a.schema.blocking
    total = float(expected.sum())
    if not specs or total <= 0:
        return 1.0
    shared = []
    for spec in specs:
        ka, kb = pl.Series("k", a.blocks[spec.name], dtype=pl.Utf8), pl.Series("k", b.blocks[spec.name], dtype=pl.Utf8)
        pa = ka.gather(ia)
        proposed = (pa == kb.gather(ib)).fill_null(False).to_numpy()
        if max_block_pairs:  # the pair's block, sized as candidate generation sizes it
            pairs = (pa.to_frame().join(ka.value_counts(name="n_a"), on="k", how="left", maintain_order="left")
                     .join(kb.value_counts(name="n_b"), on="k", how="left", maintain_order="left")
                     .select(pl.col("n_a").cast(pl.Int64) * pl.col("n_b")).to_series().fill_null(0).to_numpy())
            proposed &= pairs <= max_block_pairs
        shared.append(float(expected[proposed].sum()))
    return captured_share(total, shared)


def captured_share(captured: float, by_key: list[float]) -> float:
    """Model M_t of capture-recapture: ``captured`` matches were found by at least one key, ``by_key[s]``
    of them by key s; with N matches in all and each key finding a match with probability n_s / N,
    independently, N solves N = captured / (1 - prod(1 - n_s / N)). Returns captured / N."""
    if captured <= 0:
        return 1.0
    n = captured
    for _ in range(200):
        missed = float(np.prod([1 - min(1.0, x / n) for x in by_key]))
        n_new = captured / max(1e-9, 1 - missed)
        if abs(n_new - n) < 1e-9 * n:
            break
        n = n_new
    return captured / n

"""Dice similarity over bit-packed filters: per field for candidate pairs (numpy's bitwise_count), and
for all pairs of two lists (a compiled popcount kernel)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from palermo.linkage.encoding import EncodedDataset


def popcounts(filters: np.ndarray) -> np.ndarray:
    return np.bitwise_count(filters).sum(axis=1, dtype=np.int32)


def dice(a: np.ndarray, b: np.ndarray, ca: np.ndarray | None = None, cb: np.ndarray | None = None) -> np.ndarray:
    """Dice coefficient of aligned rows of two bit-packed filter arrays (0 where both are empty)."""
    inter = np.bitwise_count(a & b).sum(axis=1, dtype=np.int32)
    total = (popcounts(a) if ca is None else ca) + (popcounts(b) if cb is None else cb)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, 2.0 * inter / np.maximum(total, 1), 0.0)
    return out.astype(np.float32)


def field_similarities(a: EncodedDataset, b: EncodedDataset, ia: np.ndarray, ib: np.ndarray,
                       chunk: int = 1_000_000) -> dict[str, np.ndarray]:
    """Dice per field for candidate pairs (ia[k], ib[k]); NaN where either side lacks the value."""
    out = {}
    for f in a.schema.fields:
        fa, fb = a.filters[f.name], b.filters[f.name]
        ca, cb = popcounts(fa), popcounts(fb)
        sims = np.empty(len(ia), dtype=np.float32)
        for s in range(0, len(ia), chunk):
            x, y = ia[s:s + chunk], ib[s:s + chunk]
            sims[s:s + chunk] = dice(fa[x], fb[y], ca[x], cb[y])
        missing = ~(a.present[f.name][ia] & b.present[f.name][ib])
        sims[missing] = np.nan
        out[f.name] = sims
    return out


def all_pairs_dice(a: np.ndarray, b: np.ndarray, threshold: float, block: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of two record-level filter sets with Dice >= threshold (no blocking): (ia, ib, score),
    ordered by ia then ib.

    A compiled kernel (numba, built on first use and cached on disk) runs on every core: one AND and one
    popcount per 64-bit word of a pair, ``b`` walked in tiles that stay in the core's cache, and the
    division only for pairs whose integer counts can reach the threshold.
    """
    wa, wb = _words(a), _words(b)
    ca, cb = np.bitwise_count(wa).sum(1, dtype=np.int64), np.bitwise_count(wb).sum(1, dtype=np.int64)
    kernel, threads = _kernel()
    tile = max(64, (1 << 19) // max(1, wb.shape[1] * 8))  # rows of b per tile: about 512 KiB
    hits_a, hits_b, scores = [], [], []
    for s in range(0, len(wa), block):
        x, cx = wa[s:s + block], ca[s:s + block]
        strip = max(1, min(64, -(-len(x) // (4 * threads))))  # rows of a per task; enough tasks for every core
        cap = 16  # hits kept per row; rows with more are run again with room for all
        out_b, out_s = np.empty((len(x), cap), np.int64), np.empty((len(x), cap), np.float64)
        counts = np.zeros(len(x), np.int64)
        kernel(x, wb, cx, cb, float(threshold), out_b, out_s, counts, strip, tile)
        kept = np.where(counts <= cap, counts, 0)
        mask = np.arange(cap) < kept[:, None]
        rows, cols, vals = [np.repeat(np.arange(len(x)), kept)], [out_b[mask]], [out_s[mask]]
        many = np.flatnonzero(counts > cap)
        if len(many):
            room = int(counts[many].max())
            step = max(1, (1 << 24) // room)  # bounded memory even when nearly every pair passes
            for t in range(0, len(many), step):
                r = many[t:t + step]
                ob, osc = np.empty((len(r), room), np.int64), np.empty((len(r), room), np.float64)
                kernel(x[r], wb, cx[r], cb, float(threshold), ob, osc, np.zeros(len(r), np.int64), strip, tile)
                m = np.arange(room) < counts[r][:, None]
                rows.append(np.repeat(r, counts[r]))
                cols.append(ob[m])
                vals.append(osc[m])
        ra = np.concatenate(rows)
        order = np.argsort(ra, kind="stable")  # each row's hits come from one piece, already in ib order
        hits_a.append(ra[order] + s)
        hits_b.append(np.concatenate(cols)[order])
        scores.append(np.concatenate(vals)[order])
    if not hits_a:
        return np.array([], int), np.array([], int), np.array([], float)
    return np.concatenate(hits_a), np.concatenate(hits_b), np.concatenate(scores)


def _words(filters: np.ndarray) -> np.ndarray:
    """Bit-packed filters as rows of 64-bit words, zero-padded (padding changes no popcount)."""
    filters = np.ascontiguousarray(filters, dtype=np.uint8)
    pad = -filters.shape[1] % 8
    if pad:
        filters = np.concatenate([filters, np.zeros((len(filters), pad), np.uint8)], axis=1)
    return filters.view(np.uint64)


# Plain Python stand-ins, replaced by numba's parallel range and LLVM's popcount when ``_kernel`` compiles.
_prange = range


def _popcount(word: int) -> int:
    return int(word).bit_count()


def _dice_rows(wa, wb, ca, cb, threshold, out_b, out_s, counts, strip, tile):  # type: ignore[no-untyped-def]
    """The kernel (compiled by ``_kernel``): hits of every row of ``wa`` against all of ``wb``."""
    na, nw = wa.shape
    nb = wb.shape[0]
    cap = out_b.shape[1]
    bound = threshold * (1.0 - 1e-9)  # below this even a rounding error cannot reach the threshold
    for task in _prange(-(-na // strip)):
        i0 = task * strip
        i1 = min(na, i0 + strip)
        for j0 in range(0, nb, tile):
            j1 = min(nb, j0 + tile)
            for i in range(i0, i1):
                c = counts[i]
                for j in range(j0, j1):
                    inter = 0
                    for w in range(nw):
                        inter += _popcount(wa[i, w] & wb[j, w])
                    total = max(ca[i] + cb[j], 1)
                    if 2.0 * inter >= bound * total:
                        d = 2.0 * inter / total
                        if d >= threshold:
                            if c < cap:
                                out_b[i, c] = j
                                out_s[i, c] = d
                            c += 1
                counts[i] = c


@lru_cache(maxsize=1)
def _kernel() -> tuple[Callable[..., None], int]:
    """Compile the all-pairs kernel; numba is imported here so that importing this module stays cheap."""
    import numba
    from llvmlite import ir
    from numba.extending import intrinsic

    @intrinsic
    def popcount(typingctx, x):  # type: ignore[no-untyped-def]
        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            return builder.call(builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)]), args)
        return numba.types.int64(numba.types.uint64), codegen

    globals().update(_popcount=popcount, _prange=numba.prange)
    return numba.njit(parallel=True, cache=True, nogil=True, error_model="numpy")(_dice_rows), numba.get_num_threads()

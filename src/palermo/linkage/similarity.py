"""Dice similarity over bit-packed filters: per field for candidate pairs (agreement levels straight from
a compiled kernel; numpy's bitwise_count for the few pairs whose similarities are shown), and for all
pairs of two lists (a compiled, vectorised popcount kernel)."""

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


def field_levels(a: EncodedDataset, b: EncodedDataset, ia: np.ndarray, ib: np.ndarray) -> dict[str, np.ndarray]:
    """Agreement level per field (int8, -1 where either side lacks the value) for candidate pairs: exactly
    ``fellegi_sunter.levels(field_similarities(...))``, from one compiled pass per field that reads both
    filters of a pair where they lie. Tens of millions of pairs then need one byte per pair and field,
    never the gathered filter rows or a float per pair (a million records per side: 28 million pairs)."""
    from palermo.linkage.fellegi_sunter import LEVELS

    kernel = _levels_kernel()
    cuts = np.array(sorted(LEVELS), dtype=np.float32)  # as ``levels`` compares float32 similarities
    out = {}
    for f in a.schema.fields:
        wa, wb = _words(a.filters[f.name], 8), _words(b.filters[f.name], 8)
        ca, cb = np.bitwise_count(wa).sum(1, dtype=np.int64), np.bitwise_count(wb).sum(1, dtype=np.int64)
        lv = np.empty(len(ia), dtype=np.int8)
        if len(ia):
            kernel(wa, wb, ca, cb, a.present[f.name], b.present[f.name], ia, ib, cuts, lv)
        out[f.name] = lv
    return out


def _pair_levels(wa, wb, ca, cb, pa, pb, ia, ib, cuts, out):  # type: ignore[no-untyped-def]
    """The kernel of :func:`field_levels` (compiled by ``_levels_kernel``): the Dice of each pair computed
    as :func:`dice` computes it (float64, rounded to float32), then cut at the levels."""
    nw = wa.shape[1]
    for k in _prange(len(ia)):
        i, j = ia[k], ib[k]
        if not (pa[i] and pb[j]):
            out[k] = -1
            continue
        inter = 0
        for w in range(nw):
            inter += _popcount(wa[i, w] & wb[j, w])
        total = ca[i] + cb[j]
        d = np.float32(2.0 * inter / total) if total > 0 else np.float32(0.0)
        level = 0
        for c in range(len(cuts)):
            if d >= cuts[c]:
                level = c + 1
        out[k] = level


def block_pairs_above(a: EncodedDataset, b: EncodedDataset, rows_a: np.ndarray, starts_a: np.ndarray,
                      rows_b: np.ndarray, starts_b: np.ndarray, tables: dict[str, np.ndarray],
                      floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair within blocks (block g: records ``rows_a[starts_a[g]:starts_a[g + 1]]`` of ``a`` against
    ``rows_b[starts_b[g]:starts_b[g + 1]]`` of ``b``) whose match weight reaches ``floor``: the sum over
    fields of ``tables[field][level]`` (level as :func:`field_levels` cuts it; a missing value adds 0).
    One compiled pass counts, a second writes; the blocks' pairs are never materialised."""
    from palermo.linkage.fellegi_sunter import LEVELS

    fields = [f.name for f in a.schema.fields]
    # each field's filters as 64-bit words, in place (a view: the schema's filter sizes are whole words)
    wa = tuple(np.ascontiguousarray(_words(a.filters[f], 8)) for f in fields)  # one array type: a uniform tuple
    wb = tuple(np.ascontiguousarray(_words(b.filters[f], 8)) for f in fields)
    ca = np.stack([np.bitwise_count(w).sum(1, dtype=np.int32) for w in wa], axis=1)
    cb = np.stack([np.bitwise_count(w).sum(1, dtype=np.int32) for w in wb], axis=1)
    pa = np.stack([a.present[f] for f in fields], axis=1)
    pb = np.stack([b.present[f] for f in fields], axis=1)
    table = np.stack([tables[f] for f in fields]).astype(np.float64)
    cuts = np.array(sorted(LEVELS), dtype=np.float32)
    kernel = _block_kernel()
    counts = np.zeros(len(starts_a) - 1, dtype=np.int64)
    args = (wa, wb, ca, cb, pa, pb, rows_a, starts_a, rows_b, starts_b, table, cuts, float(floor))
    kernel(*args, counts, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), False)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    out_a, out_b = np.empty(int(offsets[-1]), np.int64), np.empty(int(offsets[-1]), np.int64)
    kernel(*args, counts, offsets, out_a, out_b, True)
    return out_a, out_b


def _block_weights(wa, wb, ca, cb, pa, pb, la, sa, lb, sb, table, cuts, floor,  # type: ignore[no-untyped-def]
                   counts, offsets, out_a, out_b, write):
    """The kernel of :func:`block_pairs_above` (compiled by ``_block_kernel``), parallel over blocks;
    ``wa``/``wb``: a tuple of each field's words."""
    nf = len(wa)
    for g in _prange(len(sa) - 1):
        n = 0
        for s in range(sa[g], sa[g + 1]):
            i = la[s]
            for t in range(sb[g], sb[g + 1]):
                j = lb[t]
                w = 0.0
                for f in range(nf):
                    if not (pa[i, f] and pb[j, f]):
                        continue
                    x, y = wa[f], wb[f]
                    inter = 0
                    for k in range(x.shape[1]):
                        inter += _popcount(x[i, k] & y[j, k])
                    total = ca[i, f] + cb[j, f]
                    d = np.float32(2.0 * inter / total) if total > 0 else np.float32(0.0)
                    level = 0
                    for c in range(len(cuts)):
                        if d >= cuts[c]:
                            level = c + 1
                    w += table[f, level]
                if w >= floor:
                    if write:
                        out_a[offsets[g] + n] = i
                        out_b[offsets[g] + n] = j
                    n += 1
        counts[g] = n


def all_pairs_dice(a: np.ndarray, b: np.ndarray, threshold: float, block: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of two record-level filter sets with Dice >= threshold (no blocking): (ia, ib, score),
    ordered by ia then ib.

    A compiled kernel (numba, built on first use and cached on disk) runs on every core. ``b`` is stored
    word-major, so that one word of a row of ``a`` meets the same word of many rows of ``b`` in one
    vector instruction (AND, then the CPU's vector popcount): the intersections of a tile of pairs add up
    in lanes, with no per-pair sum across words. An integer test then skips tiles without a hit, and the
    division runs only for pairs whose counts can reach the threshold.
    """
    wa, wb = _words(a), _words(b)
    ca, cb = np.bitwise_count(wa).sum(1, dtype=np.int64), np.bitwise_count(wb).sum(1, dtype=np.int64)
    wbt = np.ascontiguousarray(wb.T)  # word-major: row w holds word w of every filter of b
    kernel, threads = _kernel()
    tile = max(64, 4096 // max(1, wb.shape[1]))  # rows of b per tile: about 32 KiB, in the core's L1 cache
    hits_a, hits_b, scores = [], [], []
    for s in range(0, len(wa), block):
        x, cx = wa[s:s + block], ca[s:s + block]
        strip = max(1, min(64, -(-len(x) // (4 * threads))))  # rows of a per task; enough tasks for every core
        cap = 16  # hits kept per row; rows with more are run again with room for all
        out_b, out_s = np.empty((len(x), cap), np.int64), np.empty((len(x), cap), np.float64)
        counts = np.zeros(len(x), np.int64)
        kernel(x, wbt, cx, cb, float(threshold), out_b, out_s, counts, strip, tile)
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
                kernel(x[r], wbt, cx[r], cb, float(threshold), ob, osc, np.zeros(len(r), np.int64), strip, tile)
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


def _words(filters: np.ndarray, multiple: int = 32) -> np.ndarray:
    """Bit-packed filters as rows of 64-bit words, zero-padded to a multiple of ``multiple`` bytes (four
    words: the all-pairs kernel's step; padding changes no popcount)."""
    filters = np.ascontiguousarray(filters, dtype=np.uint8)
    pad = -filters.shape[1] % multiple
    if pad:
        filters = np.concatenate([filters, np.zeros((len(filters), pad), np.uint8)], axis=1)
    return filters.view(np.uint64)


# Plain Python stand-ins, replaced by numba's parallel range and LLVM's popcount when ``_kernel`` compiles.
_prange = range


def _popcount(word: int) -> int:
    return int(word).bit_count()


def _dice_rows(wa, wbt, ca, cb, threshold, out_b, out_s, counts, strip, tile):  # type: ignore[no-untyped-def]
    """The kernel (compiled by ``_kernel``): hits of every row of ``wa`` against all of ``b`` (given
    word-major as ``wbt``). The innermost loops run over rows of ``b`` so that LLVM vectorises them; words
    go four or eight at a time to keep the running intersections out of memory."""
    na, nw = wa.shape
    nb = wbt.shape[1]
    cap = out_b.shape[1]
    bound = threshold * (1.0 - 1e-9)  # below this even a rounding error cannot reach the threshold
    scaled = np.int64(bound * 1048576.0)  # 2*inter*2**20 >= scaled*total holds for every pair over bound
    w8 = nw - nw % 8
    for task in _prange(-(-na // strip)):
        i0 = task * strip
        i1 = min(na, i0 + strip)
        acc = np.empty(tile, np.int64)
        for j0 in range(0, nb, tile):
            j1 = min(nb, j0 + tile)
            n = j1 - j0
            for i in range(i0, i1):
                acc[:n] = 0
                for w in range(0, w8, 8):
                    x0, x1, x2, x3 = wa[i, w], wa[i, w + 1], wa[i, w + 2], wa[i, w + 3]
                    x4, x5, x6, x7 = wa[i, w + 4], wa[i, w + 5], wa[i, w + 6], wa[i, w + 7]
                    r0, r1, r2, r3 = wbt[w, j0:j1], wbt[w + 1, j0:j1], wbt[w + 2, j0:j1], wbt[w + 3, j0:j1]
                    r4, r5, r6, r7 = wbt[w + 4, j0:j1], wbt[w + 5, j0:j1], wbt[w + 6, j0:j1], wbt[w + 7, j0:j1]
                    for j in range(n):
                        acc[j] += (((_popcount(x0 & r0[j]) + _popcount(x1 & r1[j]))
                                    + (_popcount(x2 & r2[j]) + _popcount(x3 & r3[j])))
                                   + ((_popcount(x4 & r4[j]) + _popcount(x5 & r5[j]))
                                      + (_popcount(x6 & r6[j]) + _popcount(x7 & r7[j]))))
                for w in range(w8, nw, 4):
                    x0, x1, x2, x3 = wa[i, w], wa[i, w + 1], wa[i, w + 2], wa[i, w + 3]
                    r0, r1, r2, r3 = wbt[w, j0:j1], wbt[w + 1, j0:j1], wbt[w + 2, j0:j1], wbt[w + 3, j0:j1]
                    for j in range(n):
                        acc[j] += ((_popcount(x0 & r0[j]) + _popcount(x1 & r1[j]))
                                   + (_popcount(x2 & r2[j]) + _popcount(x3 & r3[j])))
                ci = ca[i]
                near = False
                for j in range(n):  # integer and branch-free, so vectorised: most tiles stop here
                    near |= (acc[j] << 21) >= scaled * (ci + cb[j0 + j])
                if not near:
                    continue
                c = counts[i]
                for j in range(n):
                    inter = acc[j]
                    total = max(ci + cb[j0 + j], 1)
                    if 2.0 * inter >= bound * total:
                        d = 2.0 * inter / total
                        if d >= threshold:
                            if c < cap:
                                out_b[i, c] = j0 + j
                                out_s[i, c] = d
                            c += 1
                counts[i] = c


@lru_cache(maxsize=1)
def compiled_popcount() -> Callable[[int], int]:
    """LLVM's popcount of a 64-bit word as a numba intrinsic (one instruction on CPUs that have one)."""
    import numba
    from llvmlite import ir
    from numba.extending import intrinsic

    @intrinsic
    def popcount(typingctx, x):  # type: ignore[no-untyped-def]
        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            return builder.call(builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)]), args)
        return numba.types.int64(numba.types.uint64), codegen

    return popcount  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _kernel() -> tuple[Callable[..., None], int]:
    """Compile the all-pairs kernel; numba is imported here so that importing this module stays cheap."""
    import numba

    globals().update(_popcount=compiled_popcount(), _prange=numba.prange)
    return numba.njit(parallel=True, cache=True, nogil=True, error_model="numpy")(_dice_rows), numba.get_num_threads()


@lru_cache(maxsize=1)
def _levels_kernel() -> Callable[..., None]:
    """Compile the per-pair levels kernel (after ``_kernel`` has put numba's popcount and prange in place)."""
    import numba

    _kernel()
    return numba.njit(parallel=True, cache=True, nogil=True, error_model="numpy")(_pair_levels)


@lru_cache(maxsize=1)
def _block_kernel() -> Callable[..., None]:
    import numba

    _kernel()
    return numba.njit(parallel=True, cache=True, nogil=True, error_model="numpy")(_block_weights)


def _greedy(order, ia, ib, used_a, used_b, keep):  # type: ignore[no-untyped-def]
    """The loop of ``engine.one_to_one`` (compiled by ``greedy_kernel``): pairs in ``order``, each record
    used once; writes the kept pair indices into ``keep`` and returns how many."""
    n = 0
    for k in order:
        x, y = ia[k], ib[k]
        if used_a[x] or used_b[y]:
            continue
        used_a[x] = True
        used_b[y] = True
        keep[n] = k
        n += 1
    return n


@lru_cache(maxsize=1)
def greedy_kernel() -> Callable[..., int]:
    import numba

    return numba.njit(cache=True, nogil=True)(_greedy)

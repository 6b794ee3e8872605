"""Dates and document numbers read, tokenised and cut into blocking-key parts column-wise, with numpy over a
field's distinct values rather than a Python function per value: a batch of 20,000 rows has some 14,000
distinct dates and 10,000 distinct document numbers, almost one per row, but only ~100 distinct years,
~1,000 year-months and a few thousand trigrams. So each token is made as an integer code over the whole
column, and text (and a keyed hash) only for each distinct code.

Only values whose result is certain take this path: dates in ``tokens.read_date``'s regular-expression
forms (ISO, DD/MM/YYYY, DD.MM.YYYY) that are real dates, document numbers in ASCII. Every other value is
read by ``palermo.linkage.tokens`` one by one, so the tokens are exactly those of the per-value functions
(``tests/linkage/test_encoding_columnar.py`` compares both on dirty values).

numpy, not Polars: the encoding workers are forked, and a forked child cannot use the Polars thread pool
its parent started (it waits for threads that do not exist).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import repeat
from operator import add, attrgetter
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

KINDS = ("date", "document")
# The blocking-key parts made here, per kind (the others stay with ``tokens``).
TRANSFORMS = {"date": ("value", "year", "year_month"), "document": ("value", "head4", "tail4")}

_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_ZERO, _NINE, _DASH, _SLASH, _DOT = b"09-/."
# str.translate table deleting what ``normalise_document`` deletes from upper-case ASCII
_NOT_ALNUM = {c: None for c in range(128) if not (48 <= c <= 57 or 65 <= c <= 90)}


class Family(NamedTuple):
    """One kind of token over many values: token ``texts[codes[i]]`` belongs to value ``owners[i]``."""

    owners: np.ndarray
    codes: np.ndarray
    texts: list[str]


def _family(owners: np.ndarray, keys: np.ndarray, text: Any) -> Family:
    """A family from integer keys (equal key, equal token): ``text`` makes the token of each distinct key."""
    distinct, codes = np.unique(keys, return_inverse=True)
    return Family(owners, codes.reshape(-1), list(map(text, distinct.tolist())))


def _digits(b: np.ndarray, cols: list[int]) -> np.ndarray:
    """The number written by the ASCII digits in these columns of a (rows, width) byte array."""
    out = np.zeros(len(b), dtype=np.int64)
    for c in cols:
        out = out * 10 + (b[:, c].astype(np.int64) - _ZERO)
    return out


def read_dates(values: Sequence[Any]) -> tuple[np.ndarray, list[date]]:
    """The values that ``tokens.read_date`` reads by its regular expressions into a real date: their
    indices and their dates. The others (other forms, impossible dates, empty or not text) are left to
    ``read_date``, which says why a value is unreadable."""
    cand = np.array([i for i, v in enumerate(values) if isinstance(v, str) and len(v) == 10 and v.isascii()], dtype=np.int64)
    if not len(cand):
        return cand, []
    b = np.frombuffer("".join([values[i] for i in cand.tolist()]).encode("ascii"), dtype=np.uint8).reshape(-1, 10)
    digit = (b >= _ZERO) & (b <= _NINE)
    iso = digit[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1) & (b[:, 4] == _DASH) & (b[:, 7] == _DASH)
    dmy = (digit[:, [0, 1, 3, 4, 6, 7, 8, 9]].all(axis=1) & (b[:, 2] == b[:, 5])
           & ((b[:, 2] == _SLASH) | (b[:, 2] == _DOT)))
    y = np.where(iso, _digits(b, [0, 1, 2, 3]), _digits(b, [6, 7, 8, 9]))
    m = np.where(iso, _digits(b, [5, 6]), _digits(b, [3, 4]))
    d = np.where(iso, _digits(b, [8, 9]), _digits(b, [0, 1]))
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month = np.where((m >= 1) & (m <= 12), m, 0)
    ok = (iso | dmy) & (y >= 1) & (month > 0) & (d >= 1) & (d <= _DAYS[month] + (leap & (month == 2)))
    return cand[ok], list(map(date, y[ok].tolist(), m[ok].tolist(), d[ok].tolist()))


def _ymd(dates: Sequence[date]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(np.fromiter(map(attrgetter(a), dates), dtype=np.int64, count=len(dates))  # type: ignore[return-value]
                 for a in ("year", "month", "day"))


def date_families(dates: Sequence[date]) -> list[Family]:
    """``canonical_tokens`` of dates, by kind of token: y, m, d, dm (day and month, smaller first), ym, all."""
    y, m, d = _ymd(dates)
    own = np.arange(len(dates), dtype=np.int64)
    lo, hi = np.minimum(d, m), np.maximum(d, m)
    return [_family(own, y, "y{}".format), _family(own, m, "m{}".format), _family(own, d, "d{}".format),
            _family(own, lo * 100 + hi, lambda k: f"dm{k // 100}-{k % 100}"),
            _family(own, y * 100 + m, lambda k: f"ym{k // 100}-{k % 100}"),
            Family(own, own, list(map("all{}".format, dates)))]  # date.__format__ is isoformat


def date_parts(dates: Sequence[date], transform: str) -> list[str]:
    """A blocking-key part of every date: ``value`` (its distinct tokens sorted and joined, as
    ``tokens.tokens_part``: the order all, d, dm, m, y, ym holds for every date), ``year``, ``year_month``."""
    y, m, d = _ymd(dates)
    if transform == "year":
        return list(map(str, y.tolist()))
    if transform == "year_month":
        return list(map("{}-{:02d}".format, y.tolist(), m.tolist()))
    lo, hi = np.minimum(d, m).tolist(), np.maximum(d, m).tolist()
    return list(map("all{0}|d{3}|dm{4}-{5}|m{2}|y{1}|ym{1}-{2}".format, dates, y.tolist(), m.tolist(), d.tolist(), lo, hi))


def normalise_documents(values: Sequence[Any]) -> tuple[np.ndarray, list[str | None]]:
    """``normalise.normalise_document`` of the values in ASCII text (upper case, letters and digits only,
    None when nothing is left): their indices and results. Other values are left to that function
    (non-ASCII text is transliterated first)."""
    idx = np.array([i for i, v in enumerate(values) if isinstance(v, str) and v.isascii()], dtype=np.int64)
    text = map(str.upper, [values[i] for i in idx.tolist()])
    return idx, [v or None for v in map(str.translate, text, repeat(_NOT_ALNUM))]


def ngram_family(texts: Sequence[str], q: int) -> Family:
    """``tokens.grams`` of ASCII texts (padded with ``_`` from q = 2; a text shorter than q gives one gram,
    itself), as integer codes of their bytes: texts of one length are cut by one sliding window."""
    padded = list(map("_{}_".format, texts)) if q > 1 else list(texts)
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    owners, keys = [], []
    for n in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == n)
        b = np.frombuffer("".join([padded[i] for i in rows.tolist()]).encode("ascii"), dtype=np.uint8).reshape(-1, n)
        width = min(q, n)
        w = sliding_window_view(b, width, axis=1).astype(np.int64)  # (rows, grams, width)
        code = np.full(w.shape[:2], width, dtype=np.int64)  # the gram's length first: "ab" is not "\0ab"
        for j in range(width):
            code = code * 256 + w[:, :, j]
        owners.append(np.repeat(rows, max(1, n - width + 1)))
        keys.append(code.reshape(-1))
    if not owners:
        return Family(np.zeros(0, np.int64), np.zeros(0, np.int64), [])
    distinct, codes = np.unique(np.concatenate(keys), return_inverse=True)
    return Family(np.concatenate(owners), codes.reshape(-1), _gram_texts(distinct))


def _gram_texts(codes: np.ndarray) -> list[str]:
    """The text of each gram code (its length, then its bytes), in order: decoded by numpy per length."""
    out: list[str] = [""] * len(codes)
    width = np.zeros(len(codes), dtype=np.int64)
    for w in range(1, 5):  # the gram's length is the code's leading number, below 256 ** w times 256
        width[(codes >= w << (8 * w)) & (codes < (w + 1) << (8 * w))] = w
    for w in np.unique(width).tolist():
        rows = np.flatnonzero(width == w)
        value = codes[rows] - (w << (8 * w))
        b = np.stack([(value >> (8 * (w - 1 - j))) & 255 for j in range(w)], axis=1).astype(np.uint8)
        texts = b.view(f"S{w}").reshape(-1).astype(f"U{w}").tolist()
        for k in np.flatnonzero((b == 0).any(axis=1)).tolist():  # numpy drops trailing NULs: those one by one
            texts[k] = b[k].tobytes().decode("ascii")
        for i, t in zip(rows.tolist(), texts):
            out[i] = t
    return out


def document_families(docs: Sequence[str], q: int) -> list[Family]:
    """``canonical_tokens`` of normalised document numbers: their n-grams and ``all<number>``."""
    own = np.arange(len(docs), dtype=np.int64)
    return [ngram_family(docs, q), Family(own, own, list(map("all".__add__, docs)))]


def document_parts(docs: Sequence[str], transform: str) -> list[str | None]:
    """A blocking-key part of normalised document numbers: ``value`` (the bigrams and the whole number,
    sorted and joined, as ``tokens.value_part``), ``head4``/``tail4`` (None below six characters)."""
    if transform in ("head4", "tail4"):
        return [None if len(t) < 6 else t[:4] if transform == "head4" else t[-4:] for t in docs]
    return list(map(_document_value, docs))


def _document_value(t: str) -> str:
    """Bigrams of [A-Z0-9_] sort before ``all…`` (lower case): the sorted distinct bigrams, then the number."""
    padded = f"_{t}_"
    return f"{'|'.join(sorted(set(map(add, padded, padded[1:]))))}|all{t}"

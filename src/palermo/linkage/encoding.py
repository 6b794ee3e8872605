"""Keyed Bloom-filter encoding of person records, run at the agency (``palermo link encode``).

Each schema field becomes its own Bloom filter: its tokens (name bigrams and consonant skeletons,
date parts, codes; made in ``palermo.linkage.tokens``) set ``hashes`` bits chosen by keyed BLAKE2b
under a key derived from the shared secret (per field when salting, so equal bigrams in different
fields set different bits). Missing values stay explicit (an empty filter and ``present = False``),
never a filter of the empty string. Keyed blocking keys let the hub group candidate pairs without
plaintext.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from palermo.errors import Problem, ValidationError
from palermo.linkage.keys import derive, fingerprint
from palermo.linkage.files import read_checked, require_columns, source_name, write_checked
from palermo.linkage.schema import FieldSpec, LinkageSchema
from palermo.linkage.tokens import (
    AFFIX_TRANSFORMS,
    NAME_TRANSFORMS,
    affix_part,
    block_part,
    canonical,
    canonical_tokens,
    date_part,
    dirty_date_tokens,
    dirty_tokens,
    name_words,
    value_part,
    word_tokens,
    words_part,
)

FORMAT = "palermo-encodings/1"
logger = logging.getLogger(__name__)


@dataclass
class EncodedDataset:
    """Encodings of one agency's list: no plaintext, only filters, presence flags and keyed block keys."""

    ids: list[str]
    filters: dict[str, np.ndarray]  # field -> (n, bytes) uint8, bit-packed
    present: dict[str, np.ndarray]  # field -> (n,) bool
    blocks: dict[str, Sequence[str | None]]  # a list, or a Polars string Series when read from a file
    fingerprint: str
    schema: LinkageSchema
    label: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    # Values that could not be read and were encoded as written (never written to the file: they name lines)
    warnings: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def record_level(self) -> np.ndarray:
        """All field filters side by side: the record-level encoding anonlink compares."""
        return np.concatenate([self.filters[f.name] for f in self.schema.fields], axis=1)

    def write(self, path: Path) -> None:
        cols: dict[str, pa.Array] = {"record_id": pa.array(self.ids, pa.string())}
        for name, arr in self.filters.items():
            cols[f"f_{name}"] = pa.array([bytes(r) for r in arr], pa.binary(arr.shape[1]))
            cols[f"m_{name}"] = pa.array(self.present[name])
        for name, keys in self.blocks.items():
            cols[f"b_{name}"] = keys.to_arrow() if isinstance(keys, pl.Series) else pa.array(keys, pa.string())
        meta = {"palermo.format": FORMAT, "palermo.fingerprint": self.fingerprint,
                "palermo.schema": self.schema.canonical(), **{f"palermo.{k}": v for k, v in self.meta.items()}}
        table = pa.table(cols).replace_schema_metadata({k.encode(): v.encode() for k, v in meta.items()})
        write_checked(table, path)


def read_encodings(path: Path, label: str | None = None) -> EncodedDataset:
    """Read encodings written by ``palermo link encode``; refuse anything else clearly."""
    table = read_checked(path)  # checksum verified; clear errors for anything else
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if meta.get("palermo.format") != FORMAT or "palermo.schema" not in meta:
        raise ValidationError(f"{source_name(path)} was not written by `palermo link encode` "
                              f"(format {meta.get('palermo.format')!r})")
    try:
        schema = LinkageSchema.model_validate(json.loads(meta["palermo.schema"]))
    except ValueError as exc:  # pydantic's ValidationError and JSONDecodeError are ValueErrors
        raise ValidationError(f"{source_name(path)} has an unreadable schema ({str(exc).splitlines()[0][:120]}); "
                              "encode the records again") from None
    require_columns(table, ["record_id", *(f"{p}_{f.name}" for f in schema.fields for p in ("f", "m")),
                            *(f"b_{b.name}" for b in schema.blocking)], path)
    filters, present, blocks = {}, {}, {}
    for f in schema.fields:
        filters[f.name] = _fixed_width_rows(table.column(f"f_{f.name}"), filter_bytes(schema, f), f.name)
        present[f.name] = table.column(f"m_{f.name}").to_numpy(zero_copy_only=False).astype(bool)
    for b in schema.blocking:
        # Kept in Arrow memory as a Polars Series: millions of keys, no Python string per key.
        blocks[b.name] = pl.Series(b.name, table.column(f"b_{b.name}"), dtype=pl.Utf8)
    extra = {k.removeprefix("palermo."): v for k, v in meta.items()
             if k not in ("palermo.format", "palermo.fingerprint", "palermo.schema")}
    return EncodedDataset(table.column("record_id").to_pylist(), filters, present, blocks, meta["palermo.fingerprint"],
                          schema, label or path.stem, extra)


def _fixed_width_rows(column: pa.ChunkedArray, width: int, name: str) -> np.ndarray:
    """A fixed-size binary column as an (n, width) uint8 array, straight from Arrow's buffer: no Python
    object per row (a million-record file would otherwise hold a million bytes objects per field)."""
    arr = column.combine_chunks()
    if len(arr) == 0:
        return np.zeros((0, width), np.uint8)
    if not pa.types.is_fixed_size_binary(arr.type) or arr.type.byte_width != width or arr.null_count:
        raise ValidationError(f"field {name!r} does not hold {width}-byte filters as the schema says; "
                              "re-encode with `palermo link encode`")
    data = np.frombuffer(arr.buffers()[1], dtype=np.uint8)
    # A read-only view on Arrow's buffer (which it keeps alive): filters are only ever read after encoding.
    return data[arr.offset * width:(arr.offset + len(arr)) * width].reshape(len(arr), width)


def filter_bytes(schema: LinkageSchema, f: FieldSpec) -> int:
    bits = f.bits * (2 if schema.hardening.balance else 1) // (2 if schema.hardening.xor_fold else 1)
    return bits // 8


class _Hmac:
    """HMAC-SHA256 (RFC 2104) with the keyed inner and outer states computed once: twice as fast as
    ``hmac.digest`` on the short messages of blocking keys, and the same result."""

    def __init__(self, key: bytes) -> None:
        key = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hexdigest(self, msg: bytes) -> str:
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(msg)
        outer.update(inner.digest())
        return outer.hexdigest()


# ------------------------------------------------------------------ batch helpers
def _factorize(values: Sequence[Hashable]) -> tuple[list[Any], np.ndarray]:
    """Distinct values in order of first appearance, and every value's index among them."""
    index: dict[Hashable, int] = {}
    inverse = [index.setdefault(v, len(index)) for v in values]
    return list(index), np.asarray(inverse, dtype=np.int64).reshape(len(values))


def _combine(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows with equal codes in every array share an id: (first row of each id, id of every row)."""
    combo = codes[0]
    for c in codes[1:]:  # re-numbered after each step, so the product never overflows
        combo = np.unique(combo * (int(c.max(initial=0)) + 1) + c, return_inverse=True)[1].reshape(-1)
    first, inverse = np.unique(combo, return_index=True, return_inverse=True)[1:]
    return first, inverse.reshape(-1)


def _pick(distinct: list[Any], inverse: np.ndarray, rows: np.ndarray) -> list[Any]:
    """The values of the given rows, from distinct values and every row's index among them."""
    return [distinct[i] for i in inverse[rows].tolist()]


@dataclass(frozen=True)
class _Unreadable:
    """Stands for a value that could not be read: the reason, and the value as written (encoded as such)."""

    reason: str
    raw: tuple[Any, ...] = ()


class Encoder:
    """Encodes records under one schema and secret.

    The work is done once per distinct value, not per row: names, dates and codes repeat a lot, so
    each distinct value is normalised and tokenised once, each distinct token hashed once (and
    remembered across batches), and the filters of all rows are gathered with numpy.
    """

    def __init__(self, schema: LinkageSchema, secret: bytes) -> None:
        self.schema, self.fingerprint = schema, fingerprint(secret, schema.digest())
        h = schema.hardening
        self._keys = {f.name: derive(secret, f"field/{f.name if h.salt else '*'}") for f in schema.fields}
        self._block_hmac = _Hmac(derive(secret, "blocking"))
        self._perm = {f.name: np.random.default_rng(int.from_bytes(derive(secret, f"perm/{f.name}", 8), "little"))
                      .permutation(2 * f.bits) for f in schema.fields} if h.balance else {}
        # Every token hashed so far, per field: its row in a table of bit positions (tokens, hashes).
        self._rows: dict[str, dict[str, int]] = {f.name: {} for f in schema.fields}
        self._table = {f.name: np.zeros((0, f.hashes), dtype=np.uint16) for f in schema.fields}

    def encode(self, rows: Iterable[Mapping[str, str | None]], *, label: str = "",
               progress: Callable[[int], None] | None = None, workers: int | None = None,
               strict: bool = False) -> EncodedDataset:
        """Encode rows (dicts by column).

        A value that does not read as its kind (a date ``1945-04-93``, an unknown country) is data all the
        same: it is encoded from what was written and listed in ``warnings``; with ``strict`` every such
        value is reported and nothing encoded. An empty or repeated record id is always refused.

        Large batches are split over ``workers`` processes (default: two from 10,000 rows, where the
        system can fork); the result is the same as in one process.
        """
        rows = rows if isinstance(rows, list) else list(rows)
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if len(rows) >= PARALLEL_FROM else 1
        collecting = gc.isenabled()
        gc.disable()  # a batch allocates millions of short-lived strings and lists, none in cycles
        try:
            slices = _encode_slices(self, rows, progress, workers)
        finally:
            if collecting:
                gc.enable()
        s = self.schema
        ids = [i for sl in slices for i in sl.ids]
        problems = [p for sl in slices for p in sl.problems]
        warnings = [p for sl in slices for p in sl.warnings]
        if strict:
            problems += warnings
        problems.sort(key=lambda t: t[:2])
        warnings.sort(key=lambda t: t[:2])
        reported = [p for _, _, p in problems]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            for n, rid in enumerate(ids, start=2):
                if rid in seen:
                    reported.append(Problem("duplicate record id", line=n, field=s.id_column, value=rid))
                seen.add(rid)
        if reported:
            raise ValidationError(f"{len(reported)} problem(s) in the person records; nothing was encoded", reported)
        one = len(slices) == 1
        filters = {f.name: slices[0].filters[f.name] if one else np.concatenate([sl.filters[f.name] for sl in slices])
                   for f in s.fields}
        present = {f.name: slices[0].present[f.name] if one else np.concatenate([sl.present[f.name] for sl in slices])
                   for f in s.fields}
        blocks = {b.name: [k for sl in slices for k in sl.blocks[b.name]] for b in s.blocking}
        return EncodedDataset(ids, filters, present, blocks, self.fingerprint, s, label,
                              warnings=[] if strict else [p for _, _, p in warnings])

    def _token_rows(self, f: FieldSpec, toks: list[str]) -> np.ndarray:
        """Rows of tokens in the field's table of bit positions, hashing the tokens not seen before.

        A token's ``hashes`` positions are the little-endian 16-bit words of BLAKE2b-512(``"{counter}:{token}"``)
        under the field key, counter 0, 1, …, each modulo the filter size.
        """
        rows = self._rows[f.name]
        if len(rows) > 1_000_000:  # bounded memory over many batches
            rows.clear()
            self._table[f.name] = self._table[f.name][:0]
        missing = [t for t in dict.fromkeys(toks) if t not in rows]
        if missing:
            rounds = -(-f.hashes // 32)  # one 64-byte digest gives 32 positions
            keyed = hashlib.blake2b(key=self._keys[f.name], digest_size=64)
            digests = []
            for t in missing:
                for counter in range(rounds):
                    h = keyed.copy()
                    h.update(f"{counter}:{t}".encode())
                    digests.append(h.digest())
            words = np.frombuffer(b"".join(digests), dtype="<u2").reshape(len(missing), 32 * rounds)[:, :f.hashes]
            rows.update(zip(missing, range(len(rows), len(rows) + len(missing))))
            self._table[f.name] = np.concatenate([self._table[f.name], (words % f.bits).astype(np.uint16)])
        return np.fromiter(map(rows.__getitem__, toks), dtype=np.int64, count=len(toks))

    def _bits(self, f: FieldSpec, items: Sequence[Sequence[str] | None], chunk: int = 65_536) -> np.ndarray:
        """Bit-packed filters (len(items), bits // 8) of token lists; None or empty sets no bit."""
        out = np.zeros((len(items), f.bits // 8), dtype=np.uint8)
        for s in range(0, len(items), chunk):
            part = [t or () for t in items[s:s + chunk]]
            counts = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
            if not counts.any():
                continue
            rows = self._token_rows(f, list(chain.from_iterable(part)))  # may grow the table: first
            positions = self._table[f.name][rows]
            dense = np.zeros((len(part), f.bits), dtype=bool)
            dense[np.repeat(np.arange(len(part)), counts)[:, None], positions] = True
            out[s:s + len(part)] = np.packbits(dense, axis=1)
        return out

    def _harden(self, f: FieldSpec, packed: np.ndarray, present: np.ndarray) -> np.ndarray:
        h = self.schema.hardening
        if not (h.balance or h.xor_fold):
            return packed
        dense = np.unpackbits(packed, axis=1).astype(bool)
        if h.balance:  # complement appended, then a keyed permutation: half the bits set, always
            dense = np.concatenate([dense, ~dense], axis=1)[:, self._perm[f.name]]
            dense[~present] = False
        if h.xor_fold:
            half = dense.shape[1] // 2
            dense = dense[:, :half] ^ dense[:, half:]
        return np.packbits(dense, axis=1)


@dataclass
class _Slice:
    """Encodings of consecutive rows, before their problems are judged: one part of ``Encoder.encode``."""

    ids: list[str]
    filters: dict[str, np.ndarray]
    present: dict[str, np.ndarray]
    blocks: dict[str, list[str | None]]
    problems: list[tuple[int, int, Problem]]  # (row, place within the row, problem)
    warnings: list[tuple[int, int, Problem]]  # values encoded as written


class _Batch:
    """Rows encoded together: their columns, each field's distinct values, the problems found."""

    def __init__(self, enc: Encoder, rows: Sequence[Mapping[str, str | None]], progress: Callable[[int], None] | None,
                 offset: int = 0) -> None:
        self.enc, self.schema, self.n, self.progress, self.offset = enc, enc.schema, len(rows), progress, offset
        self.fields = {f.name: f for f in self.schema.fields}
        needed = {self.schema.id_column, *(c for f in self.schema.fields for c in f.columns)}
        self.cols: dict[str, list[Any]] = {c: [r.get(c) for r in rows] for c in needed}
        self.problems: list[tuple[int, int, Problem]] = []
        self.warnings: list[tuple[int, int, Problem]] = []
        self._canon: dict[str, tuple[list[Any], np.ndarray]] = {}
        self._parts: dict[str, tuple[list[str | None], np.ndarray]] = {}
        self._done = 0

    def run(self) -> _Slice:
        s = self.schema
        ids = self._ids()
        filters, present = {}, {}
        for place, f in enumerate(s.fields, start=1):
            filters[f.name], present[f.name] = self._field(f, place)
            self._advance(1 / (len(s.fields) + 1))
        blocks = {b.name: self._block_keys(b.name, b.parts) for b in s.blocking}
        self._advance(1.0)
        return _Slice(ids, filters, present, blocks, self.problems, self.warnings)

    def _problem(self, row: int, place: int, reason: str, column: str, value: Any = None) -> tuple[int, int, Problem]:
        return self.offset + row, place, Problem(reason, line=self.offset + row + 2, field=column, value=value)

    def _advance(self, share: float) -> None:
        if self.progress:
            step = min(self.n, round(self._done + share * self.n)) - self._done
            self._done += step
            self.progress(step)

    def _ids(self) -> list[str]:
        col = self.schema.id_column
        raw = [v.strip() if isinstance(v, str) else v for v in self.cols[col]]
        self.problems += [self._problem(i, 0, f"empty {col}", col) for i, v in enumerate(raw) if not v]
        return [str(v) for v in raw]

    def _values(self, f: FieldSpec | list[str]) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        """Distinct tuples of a field's column values, and every row's index among them."""
        per_column = [_factorize(self.cols[c]) for c in (f.columns if isinstance(f, FieldSpec) else f)]
        if len(per_column) == 1:
            return [(v,) for v in per_column[0][0]], per_column[0][1]
        first, inverse = _combine([inv for _, inv in per_column])
        return list(zip(*(_pick(d, inv, first) for d, inv in per_column))), inverse

    def _canonical(self, f: FieldSpec) -> tuple[list[Any], np.ndarray]:
        """Distinct normalised values of a field (``_Unreadable`` for bad input), and each row's index."""
        if f.name not in self._canon:
            # Every kind but names and free text reads its first column only: fewer distinct values.
            distinct, inverse = self._values(f if f.kind in ("name", "text") else f.columns[:1])
            canon: list[Any] = []
            for v in distinct:
                try:
                    canon.append(canonical(f.kind, v, f.format))
                except ValueError as exc:
                    canon.append(_Unreadable(str(exc), v))
            values, of_distinct = _factorize(canon)
            self._canon[f.name] = values, of_distinct[inverse]
        return self._canon[f.name]

    def _field(self, f: FieldSpec, place: int) -> tuple[np.ndarray, np.ndarray]:
        values, inverse = self._canonical(f)
        bad = {k: v for k, v in enumerate(values) if isinstance(v, _Unreadable)}
        if bad:
            rows = np.flatnonzero(np.isin(inverse, list(bad)))
            self.warnings += [self._problem(r, place, bad[k].reason, ",".join(f.columns), " ".join(map(str, bad[k].raw)))
                              for r, k in zip(rows.tolist(), inverse[rows].tolist())]
        present = np.array([v is not None for v in values], dtype=bool)[inverse]  # an unreadable value is data
        if f.kind == "name":
            packed = self._name_bits(f)
        else:
            items = [None if v is None else dirty_tokens(f.kind, v.raw, f.format) if isinstance(v, _Unreadable)
                     else canonical_tokens(f.kind, v, f.q) for v in values]
            packed = self.enc._bits(f, items)[inverse]
        return self.enc._harden(f, packed, present), present

    def _name_bits(self, f: FieldSpec) -> np.ndarray:
        """A name filter is the union over the columns (and words) of their n-grams: built per column,
        which has far fewer distinct values than the combinations of columns."""
        salts, salt_of = self._salts()
        packed = np.zeros((self.n, f.bits // 8), dtype=np.uint8)
        for c in f.columns:
            distinct, inverse = _factorize(self.cols[c])
            if len(salts) > 1:  # attribute salt: the same name under another salt sets other bits
                first, combo = _combine([inverse, salt_of])
                pairs = list(zip(_pick(distinct, inverse, first), _pick(salts, salt_of, first)))
                inverse = combo
            else:
                pairs = [(v, salts[0]) for v in distinct]
            items = []
            for v, salt in pairs:
                try:
                    toks = [t for w in name_words(v) for t in word_tokens(w, f.q)]
                except ValueError:  # already reported by _canonical
                    toks = []
                items.append([f"{salt}#{t}" for t in toks] if salt else toks)
            packed |= self.enc._bits(f, items)[inverse]
        return packed

    def _salts(self) -> tuple[list[str], np.ndarray]:
        """Attribute salt of every row (``hardening.attribute_salt``): distinct salts and each row's index."""
        salt_field, _, how = (self.schema.hardening.attribute_salt or "").partition(":")
        if not salt_field:
            return [""], np.zeros(self.n, dtype=np.int64)
        values, inverse = self._part(salt_field, how)
        return [v or "" for v in values], inverse

    def _part(self, field_name: str, transform: str) -> tuple[list[str | None], np.ndarray]:
        """A blocking-key part (``field:transform``) of every row: distinct parts and each row's index."""
        key = f"{field_name}:{transform}"
        if key not in self._parts:
            f = self.fields[field_name]
            if transform in NAME_TRANSFORMS and f.kind != "name" or transform in ("year", "year_month") and f.kind != "date":
                distinct, inverse = self._values(f)  # an unusual pairing: the part comes from the raw values
                parts = []
                for v in distinct:
                    try:
                        parts.append(block_part(f.kind, list(v), transform))
                    except ValueError:
                        parts.append(None)
            else:
                canon, inverse = self._canonical(f)
                parts = [None if c is None else _dirty_part(f, c, transform) if isinstance(c, _Unreadable) else
                         words_part(c, transform) if transform in NAME_TRANSFORMS else
                         date_part(c, transform) if transform in ("year", "year_month") else
                         affix_part(c, transform) if transform in AFFIX_TRANSFORMS else
                         value_part(f.kind, c) for c in canon]
            values, of_distinct = _factorize(parts)
            self._parts[key] = values, of_distinct[inverse]
        return self._parts[key]

    def _block_keys(self, name: str, spec: list[str]) -> list[str | None]:
        """Keyed blocking key of every row (HMAC of the parts), None where a part is missing."""
        parts = [self._part(*p.partition(":")[::2]) for p in spec]
        first, inverse = _combine([inv for _, inv in parts])
        hexdigest, prefix = self.enc._block_hmac.hexdigest, name + "|"
        keys = [None if None in values else hexdigest((prefix + "|".join(values)).encode())[:24]  # type: ignore[arg-type]
                for values in zip(*(_pick(distinct, inv, first) for distinct, inv in parts))]
        return _pick(keys, inverse, np.arange(len(inverse)))


def _dirty_part(f: FieldSpec, c: _Unreadable, transform: str) -> str | None:
    """A blocking-key part of a value encoded as written: the year (and month) of a date whose day does
    not parse; the written text for exact keys; nothing for the other transforms."""
    if f.kind == "date":
        _, year, year_month = dirty_date_tokens(" ".join(map(str, c.raw)), f.format)
        if transform in ("year", "year_month"):
            return year if transform == "year" else year_month
    if transform == "value":
        return "|".join(sorted(set(dirty_tokens(f.kind, c.raw, f.format))))
    return None


PARALLEL_FROM = 10_000  # rows; below this a second process costs more than it saves


def _encode_slices(enc: Encoder, rows: list[Mapping[str, str | None]], progress: Callable[[int], None] | None,
                   workers: int) -> list[_Slice]:
    """Encode consecutive slices of the rows, all but the first in forked child processes.

    A child that cannot be started or fails leaves its slice to this process: never a lost or partial
    result. Fork is used (not spawn) so that the rows need not be pickled to the children.
    """
    bounds = [len(rows) * k // workers for k in range(workers + 1)]
    children: dict[int, tuple[Any, Any]] = {}
    if workers > 1 and _can_fork():
        ctx = mp.get_context("fork")
        for k in range(1, workers):
            try:
                receive, send = ctx.Pipe(duplex=False)
                child = ctx.Process(target=_child, args=(enc, rows, bounds[k], bounds[k + 1], send), daemon=True)
                child.start()
            except OSError:
                logger.info("encoding in fewer processes: cannot start another", exc_info=True)
                break
            send.close()
            children[k] = child, receive
    slices = [_Batch(enc, rows[:bounds[1]], progress).run()]
    for k in range(1, workers):
        result: _Slice | str = "not started"
        if k in children:
            child, receive = children[k]
            try:
                result = receive.recv()
            except (EOFError, OSError):
                result = "the process ended without a result"
            child.join()
        if not isinstance(result, _Slice):
            if k in children:
                logger.warning("encoding rows %d-%d in this process: %s", bounds[k], bounds[k + 1], result)
            result = _Batch(enc, rows[bounds[k]:bounds[k + 1]], None, bounds[k]).run()
        if progress:
            progress(bounds[k + 1] - bounds[k])
        slices.append(result)
    return slices


def _can_fork() -> bool:
    """Fork only where it is safe: not from a daemonic process (it may have no children), and from
    Python 3.12 on (which deprecates forking a multi-threaded process) only while this one has one thread."""
    if "fork" not in mp.get_all_start_methods() or mp.current_process().daemon:
        return False
    if sys.version_info < (3, 12):
        return True
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _child(enc: Encoder, rows: list[Mapping[str, str | None]], start: int, stop: int, send: Any) -> None:
    try:
        send.send(_Batch(enc, rows[start:stop], None, start).run())
    except Exception as exc:  # noqa: BLE001 (any failure is reported to the parent, which encodes the slice itself)
        send.send(repr(exc))
    finally:
        send.close()


def today_iso() -> str:
    return date.today().isoformat()

"""Keyed Bloom-filter encoding of person records, run at the agency (``palermo link encode``).

Each schema field becomes its own Bloom filter: its tokens (name bigrams and consonant skeletons,
date parts, codes) set ``hashes`` bits chosen by keyed BLAKE2b under a key derived from the shared
secret (per field when salting, so equal bigrams in different fields set different bits). Missing
values stay explicit (an empty filter and ``present = False``), never a filter of the empty string.
Keyed blocking keys let the hub group candidate pairs without plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import jellyfish
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from palermo.errors import Problem, ValidationError
from palermo.linkage import normalise as nz
from palermo.linkage.keys import derive, fingerprint
from palermo.linkage.schema import FieldSpec, LinkageSchema

FORMAT = "palermo-encodings/1"


@dataclass
class EncodedDataset:
    """Encodings of one agency's list: no plaintext, only filters, presence flags and keyed block keys."""

    ids: list[str]
    filters: dict[str, np.ndarray]  # field -> (n, bytes) uint8, bit-packed
    present: dict[str, np.ndarray]  # field -> (n,) bool
    blocks: dict[str, list[str | None]]
    fingerprint: str
    schema: LinkageSchema
    label: str = ""
    meta: dict[str, str] = field(default_factory=dict)

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
            cols[f"b_{name}"] = pa.array(keys, pa.string())
        meta = {"palermo.format": FORMAT, "palermo.fingerprint": self.fingerprint,
                "palermo.schema": self.schema.canonical(), **{f"palermo.{k}": v for k, v in self.meta.items()}}
        table = pa.table(cols).replace_schema_metadata({k.encode(): v.encode() for k, v in meta.items()})
        pq.write_table(table, path)


def read_encodings(path: Path, label: str | None = None) -> EncodedDataset:
    """Read encodings written by ``palermo link encode``; refuse anything else clearly."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise ValidationError(f"{path} is not a Parquet file of encodings ({exc}); make one with `palermo link encode`") from None
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if meta.get("palermo.format") != FORMAT:
        raise ValidationError(f"{path} was not written by `palermo link encode` (format {meta.get('palermo.format')!r})")
    schema = LinkageSchema.model_validate(json.loads(meta["palermo.schema"]))
    filters, present, blocks = {}, {}, {}
    for f in schema.fields:
        raw = table.column(f"f_{f.name}").to_pylist()
        filters[f.name] = np.frombuffer(b"".join(raw), dtype=np.uint8).reshape(len(raw), -1) if raw else \
            np.zeros((0, filter_bytes(schema, f)), np.uint8)
        present[f.name] = np.asarray(table.column(f"m_{f.name}").to_pylist(), dtype=bool)
    for b in schema.blocking:
        blocks[b.name] = table.column(f"b_{b.name}").to_pylist()
    extra = {k.removeprefix("palermo."): v for k, v in meta.items()
             if k not in ("palermo.format", "palermo.fingerprint", "palermo.schema")}
    return EncodedDataset(table.column("record_id").to_pylist(), filters, present, blocks, meta["palermo.fingerprint"],
                          schema, label or path.stem, extra)


def filter_bytes(schema: LinkageSchema, f: FieldSpec) -> int:
    bits = f.bits * (2 if schema.hardening.balance else 1) // (2 if schema.hardening.xor_fold else 1)
    return bits // 8


# ------------------------------------------------------------------ tokens per kind
def tokens(kind: str, values: list[str | None], q: int) -> list[str] | None:
    """The token set of one field value (None when missing); raises ValueError on unreadable input."""
    return _tokens(kind, tuple(values), q)


def _grams(text: str, q: int) -> list[str]:
    padded = f"_{text}_" if q > 1 else text
    return [padded[i:i + q] for i in range(max(1, len(padded) - q + 1))]


@lru_cache(maxsize=500_000)
def _tokens(kind: str, values: tuple[str | None, ...], q: int) -> list[str] | None:
    if kind == "name":
        words = [t for v in values for t in nz.name_tokens(v)]
        if not words:
            return None
        out = [g for w in words for g in _grams(w, q)]
        out += ["S" + g for w in words for g in _grams(nz.skeleton(w), q)]
        return out
    if kind == "date":
        d = nz.parse_date(values[0])
        if d is None:
            return None
        lo, hi = sorted((d.day, d.month))
        return [f"y{d.year}", f"m{d.month}", f"d{d.day}", f"dm{lo}-{hi}", f"ym{d.year}-{d.month}", f"all{d.isoformat()}"]
    if kind == "sex":
        s = nz.normalise_sex(values[0])
        return None if s is None else [f"s{s}"]
    if kind == "country":
        c = nz.normalise_country(values[0])
        return None if c is None else [f"c{c}"]
    if kind == "document":
        d = nz.normalise_document(values[0])
        return None if d is None else _grams(d, q) + [f"all{d}"]
    text = " ".join(v for v in values if v).strip().lower()
    return _grams(text, q) if text else None


# ------------------------------------------------------------------ blocking transforms
def _block_part(kind: str, values: list[str | None], transform: str) -> str | None:
    return _block_part_cached(kind, tuple(values), transform)


@lru_cache(maxsize=500_000)
def _block_part_cached(kind: str, values: tuple[str | None, ...], transform: str) -> str | None:
    if transform in ("phonetic_min", "phonetic_all", "initials"):
        words = [t for v in values for t in nz.name_tokens(v)]
        if not words:
            return None
        codes = sorted(jellyfish.metaphone(w) or w for w in words)
        if transform == "phonetic_min":
            return codes[0]
        if transform == "initials":
            return "".join(sorted(w[0] for w in words))
        return " ".join(codes)
    if transform in ("year", "year_month"):
        d = nz.parse_date(values[0])
        return None if d is None else (str(d.year) if transform == "year" else f"{d.year}-{d.month:02d}")
    toks = tokens(kind, list(values), 2)
    return None if toks is None else "|".join(sorted(set(toks)))


class Encoder:
    """Encodes records under one schema and secret. Token positions are cached: names repeat a lot."""

    def __init__(self, schema: LinkageSchema, secret: bytes) -> None:
        self.schema, self.fingerprint = schema, fingerprint(secret, schema.digest())
        h = schema.hardening
        self._keys = {f.name: derive(secret, f"field/{f.name if h.salt else '*'}") for f in schema.fields}
        self._block_key = derive(secret, "blocking")
        self._perm = {f.name: np.random.default_rng(int.from_bytes(derive(secret, f"perm/{f.name}", 8), "little"))
                      .permutation(2 * f.bits) for f in schema.fields} if h.balance else {}
        self._pos: dict[str, Callable[[str], np.ndarray]] = {f.name: self._positions_fn(f) for f in schema.fields}
        self._record_cache = {}

    def _positions_fn(self, f: FieldSpec) -> Callable[[str], np.ndarray]:
        key, k, bits = self._keys[f.name], f.hashes, f.bits

        @lru_cache(maxsize=200_000)
        def positions(token: str) -> np.ndarray:
            out, counter = [], 0
            while len(out) < k:
                digest = hashlib.blake2b(f"{counter}:{token}".encode(), key=key, digest_size=64).digest()
                out.extend((np.frombuffer(digest, dtype="<u2") % bits).tolist())
                counter += 1
            return np.asarray(out[:k], dtype=np.int64)

        return positions

    def encode(self, rows: Iterable[Mapping[str, str | None]], *, label: str = "",
               progress: Callable[[int], None] | None = None) -> EncodedDataset:
        """Encode rows (dicts by column); every unreadable value of every row is reported, nothing encoded."""
        rows = list(rows)
        s = self.schema
        salt_field, _, salt_how = (s.hardening.attribute_salt or "").partition(":")
        ids: list[str] = []
        problems: list[Problem] = []
        per_field: dict[str, list[list[str] | None]] = {f.name: [] for f in s.fields}
        blocks: dict[str, list[str | None]] = {b.name: [] for b in s.blocking}
        kinds = {f.name: f for f in s.fields}
        for n, row in enumerate(rows, start=2):  # line 1 is the header
            rid = (row.get(s.id_column) or "").strip() if isinstance(row.get(s.id_column), str) else row.get(s.id_column)
            if not rid:
                problems.append(Problem(f"empty {s.id_column}", line=n, field=s.id_column))
            ids.append(str(rid))
            salt = ""
            if salt_field:
                sf = kinds[salt_field]
                try:
                    salt = _block_part(sf.kind, [row.get(c) for c in sf.columns], salt_how) or ""
                except ValueError:
                    salt = ""
            for f in s.fields:
                try:
                    toks = tokens(f.kind, [row.get(c) for c in f.columns], f.q)
                    if salt and f.kind == "name" and toks is not None:
                        toks = [f"{salt}#{t}" for t in toks]
                    per_field[f.name].append(toks)
                except ValueError as exc:
                    problems.append(Problem(str(exc), line=n, field=",".join(f.columns)))
                    per_field[f.name].append(None)
            for b in s.blocking:
                parts = []
                for part in b.parts:
                    fname, _, transform = part.partition(":")
                    fs = kinds[fname]
                    try:
                        parts.append(_block_part(fs.kind, [row.get(c) for c in fs.columns], transform))
                    except ValueError:
                        parts.append(None)
                blocks[b.name].append(None if any(p is None for p in parts) else
                                      hmac.new(self._block_key, (b.name + "|" + "|".join(parts)).encode(),  # type: ignore[arg-type]
                                               hashlib.sha256).hexdigest()[:24])
            if progress and n % 5000 == 0:
                progress(5000)
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            for n, rid in enumerate(ids, start=2):
                if rid in seen:
                    problems.append(Problem("duplicate record id", line=n, field=s.id_column, value=rid))
                seen.add(rid)
        if problems:
            raise ValidationError(f"{len(problems)} problem(s) in the person records; nothing was encoded", problems)
        filters, present = {}, {}
        for f in s.fields:
            filters[f.name], present[f.name] = self._field_filters(f, per_field[f.name])
        if progress:
            progress(len(rows) % 5000)
        return EncodedDataset(ids, filters, present, blocks, self.fingerprint, s, label)

    _record_cache: dict[tuple[str, tuple[str, ...]], np.ndarray]

    def _record_positions(self, field: str, toks: tuple[str, ...], pos: Callable[[str], np.ndarray]) -> np.ndarray:
        key = (field, toks)
        hit = self._record_cache.get(key)
        if hit is None:
            hit = np.unique(np.concatenate([pos(t) for t in toks]))
            if len(self._record_cache) < 500_000:
                self._record_cache[key] = hit
        return hit

    def _field_filters(self, f: FieldSpec, toks: list[list[str] | None]) -> tuple[np.ndarray, np.ndarray]:
        n = len(toks)
        dense = np.zeros((n, f.bits), dtype=bool)
        present = np.array([t is not None for t in toks], dtype=bool)
        pos = self._pos[f.name]
        rows_at: list[np.ndarray] = []
        cols_at: list[np.ndarray] = []
        for i, ts in enumerate(toks):
            if ts:
                p = self._record_positions(f.name, tuple(ts), pos)
                cols_at.append(p)
                rows_at.append(np.full(len(p), i, dtype=np.int64))
        if cols_at:
            dense[np.concatenate(rows_at), np.concatenate(cols_at)] = True
        h = self.schema.hardening
        if h.balance:  # complement appended, then a keyed permutation: half the bits set, always
            dense = np.concatenate([dense, ~dense], axis=1)[:, self._perm[f.name]]
            dense[~present] = False
        if h.xor_fold:
            half = dense.shape[1] // 2
            dense = dense[:, :half] ^ dense[:, half:]
        return np.packbits(dense, axis=1), present


def today_iso() -> str:
    return date.today().isoformat()

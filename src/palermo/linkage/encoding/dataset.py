"""The encodings file (``palermo-encodings/1``): a checksummed Parquet table of filters, presence flags and
keyed blocking keys, with the schema and the key fingerprint in its metadata. No plaintext is ever written."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from palermo.errors import Problem, ValidationError
from palermo.linkage.files import (
    read_checked,
    require_columns,
    source_name,
    write_checked,
)
from palermo.linkage.schema import FieldSpec, LinkageSchema
from palermo.messages import N_

FORMAT = "palermo-encodings/1"


@dataclass
class EncodedDataset:
    """Encodings of one agency's list: no plaintext, only filters, presence flags and keyed block keys."""

    ids: list[str]
    filters: dict[str, np.ndarray]  # field -> (n, bytes) uint8, bit-packed
    present: dict[str, np.ndarray]  # field -> (n,) bool
    blocks: Mapping[str, Sequence[str | None] | pl.Series]  # a list, or a Polars string Series when read from a file
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
        raise ValidationError(N_("{source_name} was not written by `palermo link encode` (format {get!r})",
                                 source_name=source_name(path), get=meta.get('palermo.format')))
    try:
        schema = LinkageSchema.model_validate(json.loads(meta["palermo.schema"]))
    except ValueError as exc:  # pydantic's ValidationError and JSONDecodeError are ValueErrors
        raise ValidationError(N_("{source_name} has an unreadable schema ({splitlines}); encode the records again",
                                 source_name=source_name(path), splitlines=str(exc).splitlines()[0][:120])) from None
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
        raise ValidationError(N_("field {name!r} does not hold {width}-byte filters as the schema says; re-encode "
                                 "with `palermo link encode`",
                                 name=name, width=width))
    data = np.frombuffer(arr.buffers()[1], dtype=np.uint8)
    # A read-only view on Arrow's buffer (which it keeps alive): filters are only ever read after encoding.
    return data[arr.offset * width:(arr.offset + len(arr)) * width].reshape(len(arr), width)


def filter_bytes(schema: LinkageSchema, f: FieldSpec) -> int:
    bits = f.bits * (2 if schema.hardening.balance else 1) // (2 if schema.hardening.xor_fold else 1)
    return bits // 8

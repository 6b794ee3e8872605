"""Agencies' files: person files read for encoding and deduplication, and encodings files written and
read back with a checksum of their content; every failure a clear error."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from palermo.errors import Problem, ValidationError
from palermo.messages import N_
from palermo.statistics.textfile import decode, sniff_separator


def read_table(path: Path) -> pl.DataFrame:
    """A person file, every column as text, read as spreadsheets save it (UTF-8 with or without a byte-order mark,
    UTF-16, Windows-1252; ',' ';' tab or '|' between fields), as statistics files are: an agency's Excel "CSV" is
    its person file too."""
    try:
        text, _ = decode(path.read_bytes(), str(path))
        return pl.read_csv(io.BytesIO(text.encode("utf-8")), infer_schema=False, separator=sniff_separator(text))
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, OSError, UnicodeDecodeError) as exc:
        raise ValidationError(N_("{path} cannot be read as CSV: {splitlines}; save it as UTF-8 CSV with a header row",
                                 path=path, splitlines=str(exc).splitlines()[0])) from None


def read_persons(path: Path, required: list[str]) -> list[dict[str, str | None]]:
    """All columns as text; every missing column named at once."""
    df = read_table(path)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValidationError(
            N_('{path} lacks the column(s) {missing} that the schema needs (it has {columns}); rename the columns or '
               'adapt the schema\'s "columns"',
               path=path, missing=', '.join(missing), columns=', '.join(df.columns)),
            [Problem(N_("column missing"), field=c) for c in missing])
    return df.to_dicts()


# ------------------------------------------------------------------ encodings files (Parquet with a checksum)
CHECKSUM = "palermo.sha256"


def source_name(path: Path | BinaryIO) -> str:
    """How a message names a file: its path, or 'the uploaded file' for bytes received over HTTP."""
    return str(path) if isinstance(path, (str, Path)) else "the uploaded file"


def content_digest(table: pa.Table) -> str:
    """SHA-256 of a table's columns (names, types, values) and of its metadata but the digest itself.

    Computed on Arrow's IPC stream of the table in one chunk per column, so it does not depend on how
    Parquet split the columns into pages or row groups."""
    meta = {k: v for k, v in (table.schema.metadata or {}).items() if k != CHECKSUM.encode()}
    table = table.replace_schema_metadata(None).combine_chunks()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    digest = hashlib.sha256(sink.getvalue().to_pybytes())
    for key in sorted(meta):  # the schema, the fingerprint, the hub: a flip there matters as much
        digest.update(len(key).to_bytes(4, "big") + key + len(meta[key]).to_bytes(4, "big") + meta[key])
    return digest.hexdigest()


def write_checked(table: pa.Table, path: Path | BinaryIO) -> None:
    """Write a Parquet file whose metadata carries the checksum of its content."""
    meta = dict(table.schema.metadata or {})
    meta[CHECKSUM.encode()] = content_digest(table).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def read_checked(path: Path | BinaryIO) -> pa.Table:
    """Read a Parquet file written by :func:`write_checked`; refuse it clearly if it is not one or if its
    content no longer matches its checksum (a flipped byte would otherwise change a filter silently)."""
    name = source_name(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException, ValueError) as exc:
        reason = str(exc).replace(str(path), "").strip(" :") or type(exc).__name__
        raise ValidationError(N_("{name} is not a Parquet file of encodings ({reason}); make one with `palermo link "
                                 "encode`",
                                 name=name, reason=reason[:200])) from None
    meta = table.schema.metadata or {}
    expected = meta.get(CHECKSUM.encode())
    if expected is None:
        raise ValidationError(N_("{name} carries no checksum (it was not written by this version of `palermo link "
                                 "encode`); encode the records again",
                                 name=name))
    if content_digest(table) != expected.decode():
        raise ValidationError(N_("{name} is damaged: its content does not match its checksum (a byte was changed "
                                 "after it was written); encode the records again or copy the file anew",
                                 name=name))
    return table


def require_columns(table: pa.Table, columns: list[str], path: Path | BinaryIO) -> None:
    """Every column an encodings file's schema needs, or one error naming all that are missing."""
    name = source_name(path)
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise ValidationError(N_("{name} lacks the column(s) {missing} that its schema needs; encode the records "
                                 "again with `palermo link encode`",
                                 name=name, missing=', '.join(missing)),
                              [Problem(N_("column missing"), field=c) for c in missing])

"""Bulk insert of a Polars frame, the one place where the backends differ for speed.

PostgreSQL gets ``COPY … FROM STDIN (FORMAT csv)`` fed with CSV that Polars writes in Rust, so no
Python object is made per row or per value. SQLite gets one prepared ``INSERT`` run with
``executemany`` over row tuples; a column holding one value in every row (the source, often the
indicator, the unit, empty bounds) is written into the statement once instead of being bound a
million times. Both use the session's own connection, so the rows are part of the caller's
transaction: all or nothing, and a failure rolls the whole import back.

Measured at 1,000,000 observations (benchmarks/statistics_import.py): binding each value and making
each row's tuple were most of the SQLite insert; the cyclic garbage collector, woken by the tuples,
walked the young objects every few hundred rows for nothing (see :mod:`palermo.gc_pause`).
"""

from __future__ import annotations

import io
import math
from typing import Any

import polars as pl
from sqlalchemy import Float, Integer, String, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from palermo.gc_pause import gc_paused

CACHE_KIB = 256 * 1024
COPY_BYTES = 8 * 1024 * 1024  # CSV handed to COPY per write: bounded memory, few round trips


def bulk_insert(session: Session, table: Table, df: pl.DataFrame, batch: int = 50_000, order: list[str] | None = None) -> int:
    """Insert every row of ``df`` into ``table``; ``order``: the columns of the table's main index, so that
    rows arrive in index order and the B-tree grows by appending instead of by random page splits."""
    if df.height == 0:
        return 0
    constants = _constants(df)
    if order := [c for c in order or [] if c not in constants]:  # a constant column changes no order
        df = df.sort(order)
    conn = session.connection()
    raw = conn.connection.driver_connection
    if raw is None:  # only after the connection was invalidated, which a live session never is
        raise RuntimeError("bulk_insert needs a live database connection")
    try:
        if conn.dialect.name == "postgresql":
            _copy(raw, table, df, batch)
        else:
            with gc_paused():
                _insert_sqlite(raw, table, df, batch, constants)
    except conn.dialect.loaded_dbapi.Error as exc:  # the driver's error, as SQLAlchemy's (IntegrityError …)
        raise DBAPIError.instance(f"bulk insert into {table.name}", None, exc, conn.dialect.loaded_dbapi.Error) from exc
    return df.height


def _copy(raw: Any, table: Table, df: pl.DataFrame, batch: int) -> None:
    """COPY in CSV: an unquoted empty field is NULL, a quoted one ("") the empty string, which Polars'
    ``non_numeric`` quoting gives for every text value; floats are written to round-trip exactly."""
    columns = ", ".join(f'"{c}"' for c in df.columns)
    rows = max(1, min(batch * 4, COPY_BYTES // max(1, int(df.estimated_size()) // df.height)))
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT csv)') as copy:
        for chunk in df.iter_slices(rows):
            buf = io.BytesIO()
            chunk.write_csv(buf, include_header=False, quote_style="non_numeric", null_value="",
                            float_precision=None)
            copy.write(buf.getbuffer())


def _insert_sqlite(raw: Any, table: Table, df: pl.DataFrame, batch: int, constants: dict[str, str]) -> None:
    varying = [c for c in df.columns if c not in constants]
    names = ", ".join(f'"{c}"' for c in varying + list(constants))
    values = ", ".join(["?"] * len(varying) + list(constants.values()))
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({values})'
    # A large page cache for the duration of the insert keeps the index pages in memory.
    previous = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size={-CACHE_KIB}")
    cur = raw.cursor()
    try:
        if varying:
            for chunk in df.select(varying).iter_slices(batch):
                cur.executemany(sql, chunk.rows())  # a list: no generator resumed per row
        else:
            cur.executemany(sql, ((),) * df.height)
    finally:
        cur.close()
        raw.execute(f"PRAGMA cache_size={previous}")


def _constants(df: pl.DataFrame) -> dict[str, str]:
    """The columns with a single value in every row, as SQL literals (only values whose literal is exact:
    NULL, integers, finite floats, text without a NUL)."""
    same = df.select(pl.all().eq_missing(pl.all().first()).all()).row(0, named=True)  # compares, no hashing
    one = [c for c, is_same in same.items() if is_same]
    out = {}
    for c in one:
        literal = _literal(df[c][0])
        if literal is not None:
            out[c] = literal
    return out


def _literal(value: object) -> str | None:
    """SQLite's literal of ``value`` by SQLAlchemy's literal processors (no escaping written here), or None
    where a literal would not store exactly what binding stores (infinities, text with a NUL, integers
    beyond 64 bits): such a column is bound per row instead."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int) and -2**63 <= value < 2**63:
        return str(_LITERALS[int](value))
    if isinstance(value, float) and math.isfinite(value):
        return str(_LITERALS[float](value))
    if isinstance(value, str) and "\x00" not in value:
        return str(_LITERALS[str](value))
    return None


_SQLITE = sqlite.dialect()
_LITERALS = {int: Integer().literal_processor(_SQLITE), float: Float().literal_processor(_SQLITE),
             str: String().literal_processor(_SQLITE)}

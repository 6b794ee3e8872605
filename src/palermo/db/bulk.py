"""Bulk insert of a Polars frame, the one place where the backends differ for speed.

PostgreSQL gets ``COPY … FROM STDIN`` (psycopg's copy protocol); SQLite gets one prepared
``INSERT`` run with ``executemany``. Both use the session's own connection, so the rows are part of
the caller's transaction: all or nothing.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Table
from sqlalchemy.orm import Session

CACHE_KIB = 256 * 1024


def bulk_insert(session: Session, table: Table, df: pl.DataFrame, batch: int = 50_000, order: list[str] | None = None) -> int:
    """Insert every row of ``df`` into ``table``; ``order``: the columns of the table's main index, so that
    rows arrive in index order and the B-tree grows by appending instead of by random page splits."""
    if order:
        df = df.sort(order)
    conn = session.connection()
    raw = conn.connection.driver_connection
    if raw is None:  # only after the connection was invalidated, which a live session never is
        raise RuntimeError("bulk_insert needs a live database connection")
    columns = ", ".join(df.columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for chunk in df.iter_slices(batch):
                for row in chunk.iter_rows():
                    copy.write_row(row)
    else:
        # A large page cache for the duration of the insert keeps the index pages in memory.
        previous = raw.execute("PRAGMA cache_size").fetchone()[0]
        raw.execute(f"PRAGMA cache_size={-CACHE_KIB}")
        sql = f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join('?' * len(df.columns))})"
        cur = raw.cursor()
        try:
            for chunk in df.iter_slices(batch):
                cur.executemany(sql, chunk.iter_rows())
        finally:
            cur.close()
            raw.execute(f"PRAGMA cache_size={previous}")
    return df.height

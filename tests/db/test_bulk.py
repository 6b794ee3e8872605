"""The bulk insert stores exactly what a plain SQLAlchemy INSERT stores, on SQLite and PostgreSQL; it is
part of the caller's transaction (a failure stores nothing) and leaves no connection setting behind."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, UniqueConstraint, insert, select

from palermo.db import Database
from palermo.db.bulk import bulk_insert
from palermo.errors import Conflict

TEXTS = ["plain", "", None, 'a "quoted" word', "comma, inside", "two\nlines", "tab\there", "back\\slash",
         "it's", "ضحايا الاتجار", "ÄÖÜ ß", "NULL", "\\N", " leading and trailing "]
NUMBERS = [0.1, 1 / 3, 1e-300, 1e300, -0.0, 12345678901234.567, None, 2.5e-7, 7.0, 42.0, 0.0, 1e16 + 2, 3.14159, None]


def _tables(metadata: MetaData, name: str) -> Table:
    return Table(name, metadata, Column("id", Integer, primary_key=True), Column("kind", String(40)),
                 Column("text", String(100)), Column("number", Float), Column("count", Integer),
                 Column("constant_text", String(40)), Column("constant_null", Float), Column("constant_int", Integer),
                 UniqueConstraint("kind", "text", name=f"uq_{name}"))


def _frame() -> pl.DataFrame:
    n = len(TEXTS)
    return pl.DataFrame({"kind": [f"k{i % 3}" for i in range(n)], "text": TEXTS, "number": NUMBERS,
                         "count": [i * 1_000_003 - 5 if i % 4 else None for i in range(n)],
                         "constant_text": ["it's a 'constant'"] * n, "constant_null": [None] * n,
                         "constant_int": [-9] * n},
                        schema={"kind": pl.Utf8, "text": pl.Utf8, "number": pl.Float64, "count": pl.Int64,
                                "constant_text": pl.Utf8, "constant_null": pl.Float64, "constant_int": pl.Int64})


def _stored(db: Database, table: Table) -> list[tuple[Any, ...]]:
    with db.session(write=False) as s:
        rows = s.execute(select(*[c for c in table.c if c.name != "id"])).all()
    return sorted((tuple(r) for r in rows), key=repr)


def test_bulk_insert_stores_what_a_plain_insert_stores(db: Database) -> None:
    metadata = MetaData()
    bulk, plain = _tables(metadata, "bulk_rows"), _tables(metadata, "plain_rows")
    metadata.create_all(db.engine)
    df = _frame()
    with db.session() as s:
        assert bulk_insert(s, bulk, df, batch=4, order=["kind", "text"]) == df.height
        s.execute(insert(plain), df.to_dicts())
    got, want = _stored(db, bulk), _stored(db, plain)
    assert len(got) == df.height
    assert got == want
    texts = {r[1] for r in got}
    assert "" in texts and None in texts  # the empty text and the unknown one stay apart
    numbers = [r[2] for r in got if r[2] is not None]
    assert any(x == 1 / 3 for x in numbers) and any(x == 1e-300 for x in numbers)  # exact, not rounded
    assert all(math.isfinite(x) for x in numbers)


def test_a_failing_bulk_insert_stores_nothing(db: Database) -> None:
    metadata = MetaData()
    table = _tables(metadata, "failing_rows")
    metadata.create_all(db.engine)
    df = _frame()
    with pytest.raises(Conflict, match="nothing of this operation was stored"):
        with db.session() as s:
            bulk_insert(s, table, df.filter(pl.col("kind") == "k0"))
            bulk_insert(s, table, df)  # the k0 rows again: the unique constraint refuses the whole call
    assert _stored(db, table) == []  # the first call's rows too: one unit of work, rolled back


def test_a_frame_of_constants_only(db: Database) -> None:
    metadata = MetaData()
    table = Table("constant_rows", metadata, Column("id", Integer, primary_key=True), Column("name", String(10)),
                  Column("number", Float))
    metadata.create_all(db.engine)
    with db.session() as s:
        assert bulk_insert(s, table, pl.DataFrame({"name": ["x"] * 5, "number": [None] * 5},
                                                  schema={"name": pl.Utf8, "number": pl.Float64})) == 5
        assert bulk_insert(s, table, pl.DataFrame({"name": []}, schema={"name": pl.Utf8})) == 0
    assert _stored(db, table) == [("x", None)] * 5


def test_sqlite_settings_are_restored_after_the_insert(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'bulk.db'}")
    metadata = MetaData()
    table = _tables(metadata, "pragma_rows")
    metadata.create_all(db.engine)
    with db.session() as s:
        raw = s.connection().connection.driver_connection
        before = [raw.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "synchronous", "journal_mode")]
        bulk_insert(s, table, _frame())
        after = [raw.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "synchronous", "journal_mode")]
    assert after == before
    assert before[2] == "wal" and before[1] == 1  # durable as configured: WAL, synchronous=NORMAL
    assert len(_stored(db, table)) == len(TEXTS)

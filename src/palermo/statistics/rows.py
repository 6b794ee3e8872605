"""Reading a source table whole and checking its rows: none cut short, none repeated by mistake.

Every importer reads its file through :func:`read_table`, which refuses a CSV row with fewer fields
than the header (a file cut short stores its last digit otherwise: ``…,Counts,1`` for 103) and a
workbook that is not one, with messages in a user's terms. :func:`duplicate_rows` finds rows that
repeat a key, naming the first line and whether the values conflict.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from palermo.errors import ImportRejected, Problem

XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive


def read_table(path: Path, sheet_header_row: int | None = None) -> pl.DataFrame:
    """A CSV or Excel table as text columns; refused whole if unreadable or if any row is cut short."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        with path.open("rb") as fh:
            if fh.read(4) != XLSX_MAGIC:
                raise ImportRejected(f"{path.name} is not an Excel workbook (.xlsx); if it is a CSV file, name it .csv",
                                     [Problem("not an Excel workbook", line=1)])
        try:
            import pandas as pd

            pdf = pd.read_excel(path, dtype=str, header=sheet_header_row or 0)
            return pl.from_pandas(pdf.where(pdf.notna(), None))
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is bad input
            raise _unreadable(path, exc) from None
    try:
        df = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input
        raise _unreadable(path, exc) from None
    short = short_rows(path, len(df.columns))
    if short:
        raise ImportRejected(f"{len(short)} row(s) of {path.name} have fewer fields than its header ({len(df.columns)}): "
                             "the file is cut short or a row lost its separators; nothing was imported", short)
    return df


def _unreadable(path: Path, exc: Exception) -> ImportRejected:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    return ImportRejected(f"{path.name} cannot be read as a table: {first}", [Problem(first)])


def short_rows(path: Path, width: int) -> list[Problem]:
    """CSV records with fewer fields than the header, by line (a reader pads them with empty cells)."""
    problems = []
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if row and len(row) < width:  # blank lines are skipped by the table reader too
                problems.append(Problem(f"{len(row)} field(s) where the header has {width}: the row is cut short",
                                        line=reader.line_num, value=row[-1][:40]))
    return problems


def require_columns(df: pl.DataFrame, path: Path, columns: list[str], fmt: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ImportRejected(f"{path.name} is not in the {fmt} shape: column(s) {', '.join(missing)} missing "
                             f"(found {', '.join(df.columns[:15])})", [Problem("column missing", field=c) for c in missing])


def duplicate_rows(df: pl.DataFrame, key: list[str], *, first_line: int, value: str | None, what: str,
                   allowed: pl.Expr | None = None) -> list[Problem]:
    """Rows that repeat an earlier row's ``key`` (``what`` names it), except those ``allowed`` to repeat.

    Each repeat is reported at its own line, naming the line it repeats and, with ``value``, whether
    the two disagree (a conflicting duplicate) or are the same line twice."""
    rows = df.with_row_index("_i").with_columns(_first=pl.col("_i").min().over(key))
    rows = rows.filter(pl.col("_i") != pl.col("_first"))
    if allowed is not None:
        rows = rows.filter(~allowed)
    if rows.height == 0:
        return []
    firsts = df.with_row_index("_i").filter(pl.col("_i").is_in(rows["_first"].unique().to_list()))
    first_value = dict(zip(firsts["_i"].to_list(), firsts[value].to_list())) if value else {}
    out = []
    for i, first, v in zip(rows["_i"].to_list(), rows["_first"].to_list(),
                           rows[value].to_list() if value else [None] * rows.height):
        there = first_value.get(first)
        how = (f"conflicting duplicate of line {first + first_line} ({there!r} there)" if value and v != there
               else f"duplicate of line {first + first_line}")
        out.append(Problem(f"{how}: {what}; remove one of them", line=i + first_line, field=value, value=v))
    return out

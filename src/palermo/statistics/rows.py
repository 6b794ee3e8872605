"""Reading a source table whole and checking its rows: none cut short, none repeated by mistake.

Every importer reads its file through :func:`read_table`: a CSV (any encoding and separator
:mod:`palermo.statistics.textfile` recognises) or a workbook (.xlsx, .xlsm, .xls, .ods; every sheet
that holds rows, one after the other, when their columns agree; or the one sheet asked for). Title
lines above the header are skipped (the header is the first row naming the columns the importer needs),
blank rows are dropped, header names are trimmed, and every row keeps the line it had in the file
(column ``_line``), so problems name the line the user sees in their editor. A CSV row with fewer
fields than the header is refused (a file cut short stores its last digit otherwise: ``…,Counts,1`` for
103). :func:`duplicate_rows` finds rows that repeat a key.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any

import polars as pl

from palermo.errors import ImportRejected, Problem
from palermo.messages import N_, joined, verbatim
from palermo.statistics.textfile import OLE_MAGIC, SEPARATOR_NAMES, ZIP_MAGIC, decode, european_numbers, sniff_separator

LINE = "_line"  # the file's line (or the sheet's row) of each row
WORKBOOKS = {".xlsx": ZIP_MAGIC, ".xlsm": ZIP_MAGIC, ".ods": ZIP_MAGIC, ".xls": OLE_MAGIC}
WORKBOOK_NAMES = {".xlsx": "an Excel workbook (.xlsx)", ".xlsm": "an Excel workbook (.xlsm)",
                  ".xls": "an Excel 97-2003 workbook (.xls)", ".ods": "an OpenDocument spreadsheet (.ods)"}
HEADER_SEARCH = 50  # title rows above the header that are looked through


def column_key(name: object) -> str:
    """A column name as compared: case, spaces, underscores and punctuation do not matter
    ("Iso3_code" = "ISO3 code" = "iso3code")."""
    return re.sub(r"[\W_]+", "", str(name or "")).casefold()


def read_table(path: Path, required: list[str] | None = None, notes: list[str] | None = None,
               sheet: str | None = None) -> pl.DataFrame:
    """A CSV or workbook table as text columns plus ``_line``; refused whole if unreadable or cut short.

    ``required``: the columns the importer needs, found whatever their case and spacing (and renamed to
    the importer's spelling); the header is the first row naming them all. ``notes`` receives what was
    recognised (encoding, separator, decimal comma, skipped title and blank rows) for the report.
    ``sheet``: the one sheet of a workbook to read (by name), instead of all of them."""
    notes = notes if notes is not None else []
    if path.suffix.lower() in WORKBOOKS:
        df = _read_workbook(path, required, notes, sheet)
    else:
        df = _read_text(path, required, notes)
    blank = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in df.columns if c != LINE])
    n_blank = df.filter(blank).height if df.width > 1 else 0
    if n_blank:
        df = df.filter(~blank)
        notes.append(N_("{n_blank:,} blank row(s) skipped", n_blank=n_blank))
    unnamed = [c for c in df.columns if (not c.strip() or c.startswith(("_duplicated_", "column_")))
               and df[c].null_count() == df.height]  # the empty columns a spreadsheet leaves (";;;" at line ends)
    return _rename_required(df.drop(unnamed), required or [])


def _read_text(path: Path, required: list[str] | None, notes: list[str]) -> pl.DataFrame:
    text, encoding = decode(path.read_bytes(), path.name)
    text = text.lstrip("\ufeff")
    sep = sniff_separator(text)
    start, skipped = _header_line(csv.reader(io.StringIO(text[:262144], newline=""), delimiter=sep), required)
    if start:
        text = "".join(io.StringIO(text, newline="").readlines()[start:])
        notes.append(N_("{skipped} title line(s) above the header skipped", skipped=skipped))
    if encoding != "UTF-8":
        notes.append(N_("read as {encoding}", encoding=encoding))
    if sep != ",":
        notes.append(N_("fields separated by {separator}s", separator=SEPARATOR_NAMES[sep]))
    lines, width, short, long = _record_lines(text, sep, start + 1)
    if short:
        raise ImportRejected(N_("{n_short} row(s) of {name} have fewer fields than its header ({width}): the file is "
                                "cut short or a row lost its separators; nothing was imported",
                                n_short=len(short), name=path.name, width=width), short)
    if long:
        raise ImportRejected(N_("{n_long} row(s) of {name} have more fields than its header ({width}): a value holds "
                                "the separator ({sep}) without quotes around it; quote it, or save the file again "
                                "from the spreadsheet; nothing was imported",
                                n_long=len(long), name=path.name, width=width, sep=SEPARATOR_NAMES[sep]), long)
    try:
        df = pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=sep, infer_schema=False,
                         truncate_ragged_lines=True)  # only empty cells past the header remain (checked above)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input
        raise _unreadable(path, exc) from None
    df = df.rename({c: c.strip() for c in df.columns if c != c.strip()})
    if len(lines) != df.height:  # the two readers disagree on the records: never guess the line numbers
        raise ImportRejected(N_("{name}: the rows cannot be told apart (a quote is not closed?); check the quoting",
                                name=path.name),
                             [Problem(N_("unbalanced quotes"))])
    df = df.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    df, decimal = european_numbers(df, sep, path.name)
    if decimal:
        notes.append(decimal)
    return df


def _header_line(records: Any, required: list[str] | None) -> tuple[int, int]:
    """(line index of the header, title lines skipped): the first record naming every required column,
    else the first non-blank one."""
    wanted = {column_key(c) for c in required or []}
    first: tuple[int, int] | None = None
    previous_end, seen = 0, 0
    for record in records:
        begin, previous_end = previous_end, records.line_num
        if not any(c.strip() for c in record):
            continue
        if first is None:
            first = (begin, seen)
        if not wanted or wanted <= {column_key(c) for c in record}:
            return begin, seen
        seen += 1
        if seen >= HEADER_SEARCH:
            break
    return first[0] if first else 0, first[1] if first else 0


def _record_lines(text: str, sep: str, first_line: int) -> tuple[list[int], int, list[Problem], list[Problem]]:
    """The line each record starts on, the header's width, and the records with fewer or more fields."""
    quick = _unquoted_record_lines(text, sep, first_line)
    if quick is not None:
        return quick
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    width = len(next(reader, []))
    lines: list[int] = []
    short: list[Problem] = []
    long: list[Problem] = []
    end = reader.line_num
    for row in reader:
        line = end + first_line
        end = reader.line_num
        lines.append(line)
        if row and len(row) < width:  # blank lines are dropped later
            short.append(Problem(N_("{n_row} field(s) where the header has {width}: the row is cut short",
                                    n_row=len(row), width=width),
                                 line=line, value=row[-1][:40]))
        elif len(row) > width and any(c.strip() for c in row[width:]):
            long.append(Problem(N_("{n_row} fields where the header has {width}", n_row=len(row), width=width), line=line,
                                value=sep.join(row)[:80]))
    return lines, width, short, long


def _unquoted_record_lines(text: str, sep: str, first_line: int) -> tuple[list[int], int, list[Problem], list[Problem]] | None:
    """``_record_lines`` of a file without quotes and with every row as wide as its header, counted by Polars:
    each line is then one record, numbered in turn (a million rows in a tenth of a second instead of a
    Python loop). None when the file needs the CSV reader: quotes, a bare carriage return, or any row of
    another width (whose problems the reader words)."""
    if '"' in text:
        return None
    body = text.replace("\r\n", "\n")
    if "\r" in body:
        return None
    rows = body.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    if not rows:
        return None
    width = rows[0].count(sep) + 1
    data = pl.Series(rows[1:], dtype=pl.Utf8)
    fields = data.str.count_matches(sep, literal=True) + 1
    if ((fields != width) & (data != "")).any():
        return None
    return list(range(first_line + 1, first_line + 1 + len(data))), width, [], []


def _read_workbook(path: Path, required: list[str] | None, notes: list[str], only: str | None) -> pl.DataFrame:
    """Every sheet with rows (or the one named ``only``), stacked when their columns agree; refused naming
    the sheet whose columns differ. Line numbers count on across the sheets, as the report says."""
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != WORKBOOKS[suffix]:
        hint = "if it is a CSV file, name it .csv" if magic != ZIP_MAGIC and magic != OLE_MAGIC else \
            "its content is another kind of workbook; name it .xlsx, .ods or .xls as it was saved"
        raise ImportRejected(N_("{name} is not {suffix}; {hint}",
                                name=path.name, suffix=WORKBOOK_NAMES[suffix], hint=hint), [Problem(N_("not {suffix}",
                                                                                                 suffix=WORKBOOK_NAMES[suffix]), line=1)])
    try:
        import pandas as pd

        sheets = pd.read_excel(path, header=None, dtype=object, engine="calamine", sheet_name=None)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is bad input
        raise _unreadable(path, exc) from None
    if only is not None:
        only = str(only)  # a sheet named 2020 in a YAML mapping is read as a number
        if only not in sheets:
            raise ImportRejected(N_("{name} has no sheet {sheet!r}; its sheets are {sheets}", name=path.name, sheet=only,
                                    sheets=", ".join(repr(str(s)) for s in sheets)), [Problem(N_("no such sheet"))])
        sheets = {only: sheets[only]}
    tables = {str(n): [[_cell(v) for v in r] for r in s.itertuples(index=False, name=None)] for n, s in sheets.items()}
    tables = {n: rows for n, rows in tables.items() if any(any(c and c.strip() for c in r) for r in rows)}
    if not tables:
        raise ImportRejected(N_("{name}: its sheets are empty", name=path.name), [Problem(N_("empty sheet"), line=1)])
    frames: list[pl.DataFrame] = []
    offset, spans = 0, []
    for n, rows in tables.items():
        frame = _sheet_frame(rows, required, notes, n if len(tables) > 1 else None).with_columns(pl.col(LINE) + offset)
        if frames and (other := _other_columns(frames[0], frame)):
            raise ImportRejected(N_("sheet {sheet!r} of {name} has other columns than sheet {first!r} ({difference}); "
                                    "give every sheet the same header row, or import one sheet (in the mapping "
                                    "file: sheet: {first})", sheet=n, name=path.name, first=next(iter(tables)),
                                    difference=other), [Problem(N_("sheet {sheet!r}: other columns", sheet=n))])
        frames.append(_aligned(frames[0], frame) if frames else frame)
        spans.append(f"{n!r} {offset + 1}-{offset + len(rows)}")
        offset += len(rows)
    if len(frames) > 1:
        notes.append(N_("{n_sheets} sheets read one after the other; line numbers count on across them: {spans}",
                        n_sheets=len(frames), spans=", ".join(spans)))
    return pl.concat(frames)


def _sheet_frame(rows: list[list[str | None]], required: list[str] | None, notes: list[str],
                 sheet: str | None) -> pl.DataFrame:
    start, skipped = _header_line(_Records(rows), required)
    if skipped:
        notes.append(N_("{skipped} title row(s) above the header skipped", skipped=skipped) if sheet is None else
                     N_("sheet {sheet!r}: {skipped} title row(s) above the header skipped", sheet=sheet, skipped=skipped))
    header = [(h or "").strip() or f"column_{i + 1}" for i, h in enumerate(rows[start])]
    body = rows[start + 1:]
    cols = {h: pl.Series(h, [r[i] for r in body], dtype=pl.Utf8) for i, h in enumerate(header) if h not in header[:i]}
    return pl.DataFrame(cols).with_columns(pl.Series(LINE, range(start + 2, start + 2 + len(body)), dtype=pl.Int64))


def _other_columns(first: pl.DataFrame, frame: pl.DataFrame) -> str | None:
    """How a sheet's named columns differ from the first sheet's (case and spacing aside), or None."""
    def named(df: pl.DataFrame) -> dict[str, str]:
        return {column_key(c): c for c in df.columns if c != LINE and not c.startswith("column_")}
    a, b = named(first), named(frame)
    missing, extra = [a[k] for k in a if k not in b], [b[k] for k in b if k not in a]
    if not missing and not extra:
        return None
    return joined([*([N_("lacks {columns}", columns=", ".join(missing))] if missing else []),
                   *([N_("adds {columns}", columns=", ".join(extra))] if extra else [])])


def _aligned(first: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """A later sheet's frame in the first sheet's columns and spelling (its own empty columns dropped)."""
    spelled = {column_key(c): c for c in frame.columns if c != LINE}
    return frame.select([pl.col(spelled[column_key(c)]).alias(c) if column_key(c) in spelled and c != LINE
                         else pl.col(LINE) if c == LINE else pl.lit(None, dtype=pl.Utf8).alias(c) for c in first.columns])


class _Records:
    """Sheet rows with the ``line_num`` a csv reader has, so one header search serves both."""

    def __init__(self, rows: list[list[str | None]]) -> None:
        self.rows, self.line_num = rows, 0

    def __iter__(self) -> Any:
        for r in self.rows:
            self.line_num += 1
            yield [c or "" for c in r]


def _cell(v: Any) -> str | None:
    """A sheet cell as the text a CSV export would hold (2019, not 2019.0; dates as ISO)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _unreadable(path: Path, exc: Exception) -> ImportRejected:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    return ImportRejected(N_("{name} cannot be read as a table: {first}", name=path.name, first=first),
                          [Problem(verbatim(first))])


def _rename_required(df: pl.DataFrame, required: list[str]) -> pl.DataFrame:
    by_key = {column_key(c): c for c in df.columns if c != LINE}
    renames = {by_key[column_key(r)]: r for r in required if r not in df.columns and column_key(r) in by_key}
    return df.rename(renames) if renames else df


def require_columns(df: pl.DataFrame, path: Path, columns: list[str], fmt: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        found = [c for c in df.columns if c != LINE]
        raise ImportRejected(N_("{name} is not in the {fmt} shape: column(s) {missing} missing (found {found}); "
                                "rename the columns, or describe the file with a mapping file",
                                name=path.name, fmt=fmt, missing=', '.join(missing), found=', '.join(found[:15])),
                             [Problem(N_("column missing"), field=c) for c in missing])


def duplicate_rows(df: pl.DataFrame, key: list[str], *, value: str | None, what: str,
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
    first_line = dict(zip(firsts["_i"].to_list(), firsts[LINE].to_list()))
    out = []
    for line, first, v in zip(rows[LINE].to_list(), rows["_first"].to_list(),
                              rows[value].to_list() if value else [None] * rows.height):
        there = first_value.get(first)
        how = (f"conflicting duplicate of line {first_line[first]} ({there!r} there)" if value and v != there
               else f"duplicate of line {first_line[first]}")
        out.append(Problem(N_("{how}: {what}; remove one of them", how=how, what=what), line=line, field=value, value=v))
    return out

"""Text tables as people save them: the encoding, the separator and the decimal convention.

Agencies export from Excel, LibreOffice, R and their case systems: UTF-8 with or without a byte-order
mark, UTF-16 ("Unicode text"), Windows-1252 (Excel's "CSV" on a Western European Windows), `,` `;`
tab or `|` between fields, and in `;` files from European spreadsheets a decimal comma with `.` or a
space between thousands. Each is recognised from the bytes, never from a setting the user must know
about, and what was recognised is said in the import report.
"""

from __future__ import annotations

import codecs
import csv
import io

import polars as pl

from palermo.errors import ImportRejected, Problem
from palermo.messages import N_

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
         (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx and .ods workbooks are zip archives
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The file's text and what it was read as (for the report); refused if it is not a text table."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError:
                raise _not_text(name, f"it starts like {label} but is not valid {label}") from None
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        raise _not_text(name, "it is a spreadsheet workbook, not a text table; give it its own extension "
                              "(.xlsx, .ods or .xls) or save it as CSV")
    head = data[:4096]
    if head and head.count(0) > len(head) // 4:  # Latin text in UTF-16 without a byte-order mark
        codec = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(codec), "UTF-16"
        except UnicodeDecodeError:
            raise _not_text(name, "it holds binary data") from None
    if 0 in head:
        raise _not_text(name, "it holds binary data")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            # cut in the middle of a character: the text up to it, whose last row the length check refuses
            return data[:exc.start].decode("utf-8"), "UTF-8 (cut short)"
    try:
        return data.decode("cp1252"), "Windows-1252 (not UTF-8)"
    except UnicodeDecodeError as exc:
        raise _not_text(name, f"byte {exc.start} is neither UTF-8 nor Windows-1252") from None


def _not_text(name: str, why: str) -> ImportRejected:
    return ImportRejected(N_('{name} cannot be read as a text table: {why}; save it as "CSV UTF-8" and try again',
                             name=name, why=why),
                          [Problem(why, line=1)])


def sniff_separator(text: str) -> str:
    """The field separator: the candidate that splits the first lines into the most equal rows of two or
    more fields (quotes respected); a comma when nothing else fits."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep) if r][:200]
        if not widths:
            continue
        modal = max(set(widths), key=widths.count)
        score = (widths.count(modal), modal) if modal >= 2 else (0, 0)
        if score > best_score:
            best, best_score = sep, score
    return best


# Numbers only one convention can mean (so the file says which one it uses).
_DECIMAL_COMMA = r"^[-+]?(\d+,\d{1,2}|\d+,\d{4,}|\d{1,3}(\.\d{3})+,\d+)$"
_DECIMAL_POINT = r"^[-+]?(\d+\.\d{1,2}|\d+\.\d{4,}|\d{1,3}(,\d{3})+\.\d+)$"
_EUROPEAN = r"^[-+]?(\d{1,3}([. \u00a0\u202f]\d{3})+|\d+)(,\d+)?$"


def european_numbers(df: pl.DataFrame, separator: str, name: str) -> tuple[pl.DataFrame, str | None]:
    """Numbers written with a decimal comma (``12,5``, ``1.234,5``) rewritten as ``12.5`` and ``1234.5``.

    Decided per file: a number that only a decimal comma explains, and none that only a decimal point
    explains (or a ``;`` file with thousands dots only, the European spreadsheet export). A file that
    uses both is refused: which ``1,234`` it means cannot be known."""
    cols = [c for c in df.columns if df.schema[c] == pl.Utf8]
    if not cols:
        return df, None
    # Every pattern needs a comma or a dot: columns with neither (codes, whole counts) are not searched.
    marks = df.select(pl.any_horizontal(pl.col(c).str.contains(",", literal=True) | pl.col(c).str.contains(".", literal=True))
                      .any().alias(c) for c in cols).row(0)
    searched = [c for c, marked in zip(cols, marks) if marked]
    if not searched:
        return df, None
    stripped = [pl.col(c).str.strip_chars() for c in searched]
    evidence = df.select(comma=pl.any_horizontal([s.str.contains(_DECIMAL_COMMA).fill_null(False) for s in stripped]),
                         point=pl.any_horizontal([s.str.contains(_DECIMAL_POINT).fill_null(False) for s in stripped]),
                         dots=pl.any_horizontal([s.str.contains(r"^[-+]?\d{1,3}(\.\d{3})+$").fill_null(False)
                                                 for s in stripped]))
    comma, point, dots = (evidence[c].any() for c in ("comma", "point", "dots"))
    if comma and point:
        first_comma = _first_match(df, cols, _DECIMAL_COMMA)
        first_point = _first_match(df, cols, _DECIMAL_POINT)
        raise ImportRejected(
            N_("{name} writes numbers both with a decimal comma ({first_comma}) and with a decimal point "
               "({first_point}); save it again with one convention",
               name=name, first_comma=first_comma, first_point=first_point), [Problem(N_("mixed decimal conventions"))])
    if not (comma or (separator == ";" and dots and not point)):
        return df, None
    stripped = [pl.col(c).str.strip_chars() for c in cols]  # "1 234" in any column, comma or not
    fixed = df.with_columns(
        pl.when(s.str.contains(_EUROPEAN)).then(s.str.replace_all(r"[. \u00a0\u202f]", "").str.replace(",", ".", literal=True))
        .otherwise(pl.col(c)).alias(c) for c, s in zip(cols, stripped))
    return fixed, N_("numbers with a decimal comma (12,5 read as 12.5; 1.234 as 1234)")


def _first_match(df: pl.DataFrame, cols: list[str], pattern: str) -> str:
    for c in cols:
        hit = df.filter(pl.col(c).str.strip_chars().str.contains(pattern).fill_null(False))
        if hit.height:
            line = hit["_line"][0] if "_line" in hit.columns else None
            return f"{hit[c][0]!r} in column {c}" + (f", line {line}" if line is not None else "")
    return "?"

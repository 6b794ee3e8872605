"""Reading tables as users save them, on the real public files: encodings, separators, decimal commas,
workbooks, title and blank rows. Each variant is built from the real file in a tmp dir and must give
the same table as the original, with the lines the user sees, or be refused saying what to do."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from palermo.errors import ImportRejected
from palermo.statistics.rows import LINE, read_table
from palermo.statistics.textfile import decode, sniff_separator
from tests.conftest import EXTERNAL

GLOTIP = EXTERNAL / "unodc-glotip" / "data_glotip_release_2025-04-14.csv"
GSI = EXTERNAL / "global-slavery-index" / "Global_Slavery_Index_2023.csv"
GLOTIP_COLUMNS = ["Iso3_code", "Indicator", "Dimension", "Category", "Sex", "Age", "Year", "txtVALUE"]


def _glotip_head(rows: int = 3000) -> str:
    with GLOTIP.open(encoding="utf-8", newline="") as fh:
        return "".join(fh.readline() for _ in range(rows + 1))


def _records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _write(rows: list[list[str]], sep: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _plain(df: pl.DataFrame) -> list[tuple[str | None, ...]]:
    return df.drop(LINE).rows()


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_every_common_encoding_gives_the_same_table(tmp_path: Path, codec: str) -> None:
    text = _glotip_head(9000)  # past line 8538, the first accented country name
    if codec == "cp1252":  # Excel's "CSV" on Western European Windows; the release itself holds a few U+FFFD
        text = text.replace("\ufffd", "?").replace("\u2019", "'")
        assert text.encode("cp1252") != text.encode("utf-8")  # the file has accented names: the test can fail
    clean = tmp_path / "clean.csv"
    clean.write_text(text, encoding="utf-8")
    dirty = tmp_path / "dirty.csv"
    dirty.write_bytes(text.encode(codec))
    notes: list[str] = []
    assert read_table(dirty, GLOTIP_COLUMNS, notes).equals(read_table(clean, GLOTIP_COLUMNS))
    assert any(n.startswith("read as") for n in notes)


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_separators_are_recognised(tmp_path: Path, sep: str) -> None:
    rows = _records(_glotip_head())
    path = tmp_path / "glotip.csv"
    path.write_text(_write(rows, sep))
    df = read_table(path, GLOTIP_COLUMNS)
    assert df.columns[:-1] == rows[0] and df.height == len(rows) - 1
    assert [list(r) for r in _plain(df)] == [[c or None for c in r] for r in rows[1:]]


def test_title_rows_blank_lines_and_renamed_header_keep_the_users_line_numbers(tmp_path: Path) -> None:
    rows = _records(_glotip_head(500))
    header = [h.upper().replace("_", " ") + " " for h in rows[0]]  # "ISO3 CODE ", as people retype it
    text = ("UNODC Global Report on Trafficking in Persons;;;\r\n\r\nCountry data\r\n"
            + _write([header, *rows[1:200]]) + "\r\n" + _write(rows[200:]) + ",,,,,,,,,,,,\r\n\r\n")
    path = tmp_path / "glotip.csv"
    path.write_text(text)
    notes: list[str] = []
    df = read_table(path, GLOTIP_COLUMNS, notes)
    assert set(GLOTIP_COLUMNS) <= set(df.columns) and df.height == 500
    lines = text.splitlines()
    for line, *row in df.select(LINE, *[c for c in df.columns if c != LINE]).rows()[::37]:
        assert next(csv.reader([lines[line - 1]])) == [c or "" for c in row]  # the line the user sees
    assert "2 title line(s) above the header skipped" in notes and "3 blank row(s) skipped" in notes


def test_decimal_commas_of_a_semicolon_file_are_read_as_the_numbers_they_are(tmp_path: Path) -> None:
    rows = _records(GSI.read_text(encoding="utf-8-sig"))
    prevalence, number = rows[0].index("Estimated prevalence of modern slavery per 1,000 population"), 4

    def european(v: str) -> str:  # "13.0" -> "13,0"; "505,000" -> "505.000", as a German Excel writes them
        v = v.strip()
        return v.replace(",", ".") if "," in v else v.replace(".", ",")

    dirty = [rows[0]] + [[european(c) if i in (1, prevalence, number) else c for i, c in enumerate(r)] for r in rows[1:]]
    path = tmp_path / "gsi.csv"
    path.write_text(_write(dirty, ";"))
    notes: list[str] = []
    df = read_table(path, notes=notes)
    assert any("decimal comma" in n for n in notes)
    assert df[rows[0][prevalence]].to_list() == [r[prevalence] or None for r in rows[1:]]
    assert df[rows[0][number]].to_list() == [r[number].replace(",", "") or None for r in rows[1:]]
    assert df["Population"].to_list() == [r[1].strip().replace(",", "") or None for r in rows[1:]]
    assert "13.0" in df[rows[0][prevalence]].to_list() and "505000" in df[rows[0][number]].to_list()


def test_a_file_mixing_decimal_commas_and_points_is_refused(tmp_path: Path) -> None:
    rows = _records(GSI.read_text(encoding="utf-8-sig"))
    rows[5][3] = "11,8"  # one cell with a decimal comma among the file's decimal points
    path = tmp_path / "gsi.csv"
    path.write_text(_write(rows, ";"))
    with pytest.raises(ImportRejected) as exc:
        read_table(path)
    assert "'11,8'" in str(exc.value) and "one convention" in str(exc.value)


@pytest.mark.parametrize("suffix,engine", [(".xlsx", "openpyxl"), (".ods", "odf")])
def test_workbooks_give_the_csv_table_with_numbers_as_written(tmp_path: Path, suffix: str, engine: str) -> None:
    rows = _records(_glotip_head(800))
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    frame["Year"] = frame["Year"].astype(int)  # a spreadsheet holds years as numbers: 2019, never "2019.0"
    path = tmp_path / f"glotip{suffix}"
    with pd.ExcelWriter(path, engine=engine) as xw:
        pd.DataFrame([["UNODC GLOTIP"], [""]]).to_excel(xw, index=False, header=False)
        frame.to_excel(xw, index=False, startrow=3)
    csv_path = tmp_path / "glotip.csv"
    csv_path.write_text(_write(rows))
    sheet = read_table(path, GLOTIP_COLUMNS)
    assert _plain(sheet) == _plain(read_table(csv_path, GLOTIP_COLUMNS))
    raw = pd.read_excel(path, header=None, engine=engine)  # another reader says where the header is
    header_row = next(i for i, v in enumerate(raw[0]) if v == "Iso3_code") + 1
    assert header_row >= 4 and sheet[LINE][0] == header_row + 1  # the sheet's row number of the first data row


def test_the_htcds_opendocument_release_reads_like_its_csv() -> None:
    """The CSV was made from the .ods with the section rows folded into a column (SOURCE.md)."""
    ods = read_table(EXTERNAL / "htcds" / "HTCDS_Field_Standards_2.0.ods")
    table = read_table(EXTERNAL / "htcds" / "htcds_field_standards_v2.0.csv")
    assert ods.columns == table.columns and table.height == 83
    fields = ods.filter(pl.col("Field Name including Prefix").is_not_null())
    assert fields["Field Name including Prefix"].to_list() == table["Field Name including Prefix"].to_list()
    assert fields["Description"].to_list() == table["Description"].to_list()


def test_a_file_cut_inside_a_character_is_refused_at_its_last_line(tmp_path: Path) -> None:
    data = GSI.read_bytes()
    cut = data.index("Côte".encode()) + 2  # in the middle of the two bytes of "ô"
    path = tmp_path / "gsi.csv"
    path.write_bytes(data[:cut])
    with pytest.raises(ImportRejected) as exc:
        read_table(path)
    line = data[:cut].count(b"\n") + 1
    assert "cut short" in str(exc.value) and [p.line for p in exc.value.problems] == [line]


@pytest.mark.parametrize("name,expected", [("UKdat.rda", "binary"), ("UKdat.csv", None)])
def test_binary_files_are_refused_saying_how_to_save_them(name: str, expected: str | None) -> None:
    path = EXTERNAL / "mse-multiple-lists" / name
    if expected is None:
        assert decode(path.read_bytes(), name)[1] == "UTF-8"
        return
    with pytest.raises(ImportRejected) as exc:
        decode(path.read_bytes(), name)
    assert expected in str(exc.value) and "CSV UTF-8" in str(exc.value)


def test_a_workbook_named_csv_is_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "gsi.csv"
    pd.read_csv(GSI, dtype=str).to_excel(path.with_suffix(".xlsx"), index=False)
    path.write_bytes(path.with_suffix(".xlsx").read_bytes())
    with pytest.raises(ImportRejected) as exc:
        read_table(path)
    assert "workbook" in str(exc.value) and ".xlsx" in str(exc.value)


def test_the_separator_is_not_fooled_by_commas_inside_quotes() -> None:
    text = (EXTERNAL / "fbi-ucr-human-trafficking" / "HT_2013-2020.csv").read_text()
    assert sniff_separator(text) == ","
    assert sniff_separator(text.replace(",", ";")) == ";"


def test_a_separator_inside_an_unquoted_value_is_refused_naming_the_lines(tmp_path: Path) -> None:
    """The UCR file holds county lists like ``PARKER; DENTON; TARRANT`` unquoted: harmless between commas,
    but a file turned into semicolons by search-and-replace splits them."""
    text = (EXTERNAL / "fbi-ucr-human-trafficking" / "HT_2013-2020.csv").read_text()
    path = tmp_path / "ucr.csv"
    path.write_text(text.replace(",", ";"))
    with pytest.raises(ImportRejected) as exc:
        read_table(path)
    expected = [n for n, line in enumerate(text.splitlines(), start=1)
                if n > 1 and len(next(csv.reader([line.replace(",", ";")], delimiter=";"))) > 19]
    assert [p.line for p in exc.value.problems] == expected and "without quotes" in str(exc.value)


def test_the_empty_columns_a_spreadsheet_leaves_at_line_ends_are_dropped(tmp_path: Path) -> None:
    rows = _records(GSI.read_text(encoding="utf-8-sig"))
    path = tmp_path / "gsi.csv"
    path.write_text("".join(";".join(f'"{c}"' for c in r) + ";;;\r\n" for r in rows) + ";;;;;;;;\r\n")
    df = read_table(path)
    assert df.columns == [*(c.strip() for c in rows[0]), LINE] and df.height == len(rows) - 1

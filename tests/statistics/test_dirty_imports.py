"""Imports of the real public files in the shapes users bring them: the same cells as from the clean
file (counts checked against the file itself), or a refusal that says what to fix and stores nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sqlalchemy import func, select

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import ImportRejected, ValidationError
from palermo.statistics.importers import ImportReport, import_file
from palermo.statistics.models import Observation, Source
from tests.conftest import EXTERNAL

SYSTEM = Principal.system()
GLOTIP = EXTERNAL / "unodc-glotip" / "data_glotip_release_2025-04-14.csv"
GSI = EXTERNAL / "global-slavery-index" / "Global_Slavery_Index_2023.csv"
FBI = EXTERNAL / "fbi-ucr-human-trafficking" / "HT_2013-2020.csv"
GSI_NUMBER = "Estimated number of people in modern slavery"
GSI_MAPPING = {"source": {"key": "walkfree-gsi", "name": "Global Slavery Index 2023", "source_type": "international_estimate",
                          "stage": "estimated", "counting_unit": "persons", "legal_definition": "modern slavery (Walk Free)"},
               "columns": {"country": "Country", "value": GSI_NUMBER}, "constants": {"indicator": "victims", "period": "2023"}}
FBI_MAPPING = yaml.safe_load((Path(__file__).parents[1] / "data" / "statistics" / "fbi_mapping.yaml").read_text())
CELL = (Observation.indicator, Observation.country, Observation.period, Observation.sex, Observation.age_group,
        Observation.citizenship, Observation.exploitation, Observation.value, Observation.lower, Observation.upper)


def _cells(db: Database, source: str | None = None) -> set[tuple[object, ...]]:
    query = select(*CELL).join(Source, Source.id == Observation.source_id)
    with db.session(write=False) as s:
        return set(s.execute(query.where(Source.key == source) if source else query).all())


def _nothing_stored(db: Database) -> bool:
    with db.session(write=False) as s:
        return not s.execute(select(func.count()).select_from(Observation)).scalar() and \
            not s.execute(select(func.count()).select_from(Source)).scalar()


def _rows(path: Path, rows: int | None = None) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        out = list(csv.reader(fh))
    return out if rows is None else out[:rows + 1]


def _write(path: Path, rows: list[list[str]], *, sep: str = ",", codec: str = "utf-8", before: str = "") -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
    path.write_bytes((before + out.getvalue()).encode(codec, errors="replace"))
    return path


def _import(db: Database, path: Path, fmt: str, mapping: dict[str, object] | None = None,
            source: str | None = None) -> ImportReport:
    with db.session() as s:
        return import_file(s, SYSTEM, path, fmt, mapping=mapping, source=source)


def test_glotip_saved_every_dirty_way_stores_the_cells_of_the_clean_file(db: Database, tmp_path: Path) -> None:
    rows = _rows(GLOTIP, 9000)
    report = _import(db, _write(tmp_path / "clean.csv", rows), "unodc", source="clean")
    clean = _cells(db, "clean")
    assert len(clean) == report.observations > 6000
    renamed = [[h.upper().replace("_", " ") for h in rows[0]]] + rows[1:]
    order = list(reversed(range(len(rows[0]))))
    dirty = _write(tmp_path / "data_glotip.csv", [[r[i] for i in order] for r in renamed], sep=";", codec="cp1252",
                   before="UNODC GLOTIP 2024;;\r\n\r\n")
    report = _import(db, dirty, "unodc", source="dirty")
    assert _cells(db, "dirty") == clean
    notes = report.warnings
    assert "read as Windows-1252 (not UTF-8)" in notes and "fields separated by semicolons" in notes


@pytest.mark.parametrize("suffix", [".xlsx"])  # .ods: tests/statistics/test_textfile.py (same reader)
def test_fbi_counts_from_a_workbook_with_title_rows_are_the_csv_counts(db: Database, tmp_path: Path, suffix: str) -> None:
    frame = pd.read_csv(FBI, dtype=str, keep_default_na=False)
    frame["DATA_YEAR"] = frame["DATA_YEAR"].astype(int)
    frame["ACTUAL_COUNT"] = frame["ACTUAL_COUNT"].astype(int)
    path = tmp_path / f"ucr{suffix}"
    with pd.ExcelWriter(path, engine="odf" if suffix == ".ods" else "openpyxl") as xw:
        pd.DataFrame([["Human trafficking offenses, 2013-2020"]]).to_excel(xw, index=False, header=False)
        frame.to_excel(xw, index=False, startrow=2)
    _import(db, path, "xlsx", FBI_MAPPING)
    cells = _cells(db)
    expected: dict[tuple[str, str], int] = {}
    for r in _rows(FBI)[1:]:  # the file's own sums per year and form (the mapping's unmapped forms are "other")
        form = {"Commercial Sex Acts": "sexual", "Involuntary Servitude": "labour"}.get(r[14], r[14])
        expected[(r[0], form)] = expected.get((r[0], form), 0) + int(r[15])
    assert {(c[2], c[6]): c[7] for c in cells if c[6] != "total"} == expected


def test_country_names_are_read_as_codes_and_counts_match_the_file(db: Database, tmp_path: Path) -> None:
    rows = _rows(GSI)
    col = [c.strip() for c in rows[0]].index(GSI_NUMBER)
    numbers = [r[col].replace(",", "").strip() for r in rows[1:]]
    report = _import(db, GSI, "csv", GSI_MAPPING)
    with db.session(write=False) as s:
        total, known, stored = s.execute(select(func.sum(Observation.value), func.count(Observation.value), func.count())).one()
        russia = s.execute(select(Observation.value).where(Observation.country == "RUS")).scalar_one()
    assert stored == len(rows) - 1 and known == sum(1 for n in numbers if n)
    assert total == sum(int(n) for n in numbers if n)
    assert russia == int(next(r[col] for r in rows if r[0].strip() == "Russia").replace(",", ""))
    assert any("'Russia' → RUS" in w for w in report.warnings)


def test_a_semicolon_file_with_decimal_commas_stores_the_same_numbers(db: Database, tmp_path: Path) -> None:
    rows = _rows(GSI)
    dirty = [rows[0]] + [[c.strip().replace(",", ".") if i in (1, 4) else c.replace(".", ",") if i == 3 else c
                          for i, c in enumerate(r)] for r in rows[1:]]
    _import(db, _write(tmp_path / "gsi.csv", dirty, sep=";"), "csv", GSI_MAPPING)
    with db.session(write=False) as s:
        total = s.execute(select(func.sum(Observation.value))).scalar_one()
    assert total == sum(int(r[4].replace(",", "")) for r in rows[1:] if r[4].strip())  # 505.000 is 505,000, not 505


@pytest.mark.parametrize("name,why", [("England", "country is not an ISO 3166 code"),
                                      ("West Africa", "country is not an ISO 3166 code")])
def test_a_region_or_part_of_a_country_is_refused_not_guessed(db: Database, tmp_path: Path, name: str, why: str) -> None:
    rows = _rows(GSI)
    rows[7][0] = name
    with pytest.raises(ImportRejected) as exc:
        _import(db, _write(tmp_path / "gsi.csv", rows), "csv", GSI_MAPPING)
    assert [(p.line, p.value) for p in exc.value.problems] == [(8, name)] and why in str(exc.value)
    assert _nothing_stored(db)


def test_a_split_year_is_refused_with_the_line_and_how_to_map_it(db: Database, tmp_path: Path) -> None:
    rows = _rows(FBI)
    lines = [n for n, r in enumerate(rows[1:], start=2) if r[0] == "2019"]
    for r in rows[1:]:
        r[0] = "2019/20" if r[0] == "2019" else r[0]
    with pytest.raises(ImportRejected) as exc:
        _import(db, _write(tmp_path / "ucr.csv", rows), "csv", FBI_MAPPING)
    assert sorted(p.line for p in exc.value.problems) == lines and "'2019/20': '2019'" in str(exc.value)
    assert _nothing_stored(db)
    mapping = {**FBI_MAPPING, "values": {**FBI_MAPPING["values"], "period": {"2019/20": "2019"}}}
    _import(db, tmp_path / "ucr.csv", "csv", mapping)  # the fix the message gives works
    assert {c[2] for c in _cells(db)} == {r[0] for r in _rows(FBI)[1:]}


def test_a_mapping_without_a_country_says_which_field_is_missing(db: Database) -> None:
    mapping = {"source": {**GSI_MAPPING["source"], "key": "iom-mmp"}, "columns": {"period": "year", "value": "n"},  # type: ignore[dict-item]
               "constants": {"indicator": "dead_missing_migrants"}}
    with pytest.raises(ValidationError) as exc:
        _import(db, EXTERNAL / "iom-missing-migrants" / "mmp-2025-03-10.csv", "csv", mapping)
    assert "gives no country" in str(exc.value) and "under 'constants'" in str(exc.value) and _nothing_stored(db)


def test_the_ctdc_synthetic_file_is_refused_because_it_has_regions_not_countries(db: Database) -> None:
    with pytest.raises(ImportRejected) as exc:
        _import(db, EXTERNAL / "ctdc" / "CTDC_VPsynthetic_condensed.csv", "ctdc")
    assert "UN_COE_Region" in str(exc.value) and "CountryOfExploitation" in str(exc.value) and _nothing_stored(db)

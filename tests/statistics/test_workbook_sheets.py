"""A workbook's every sheet is read (the FBI's counts split into one sheet per period give the CSV's
cells), or the sheet the mapping names; sheets whose columns differ are refused naming the sheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from sqlalchemy import func, select

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import ImportRejected
from palermo.statistics.importers import ImportReport, import_file
from palermo.statistics.models import Observation, Source
from tests.conftest import EXTERNAL

FBI = EXTERNAL / "fbi-ucr-human-trafficking" / "HT_2013-2020.csv"
FBI_MAPPING = yaml.safe_load((Path(__file__).parents[1] / "data" / "statistics" / "fbi_mapping.yaml").read_text())
CELL = (Observation.indicator, Observation.country, Observation.period, Observation.sex, Observation.age_group,
        Observation.citizenship, Observation.exploitation, Observation.value, Observation.lower, Observation.upper)


def _cells(db: Database, source: str) -> set[tuple[object, ...]]:
    with db.session(write=False) as s:
        return set(s.execute(select(*CELL).join(Source, Source.id == Observation.source_id).where(Source.key == source)))


def _count(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(Observation)).scalar() or 0)


def _import(db: Database, path: Path, source: str, **mapping: object) -> ImportReport:
    with db.session() as s:
        return import_file(s, Principal.system(), path, "xlsx", mapping={**FBI_MAPPING, **mapping}, source=source)


def _fbi() -> pd.DataFrame:
    frame = pd.read_csv(FBI, dtype=str, keep_default_na=False)
    frame["DATA_YEAR"] = frame["DATA_YEAR"].astype(int)
    frame["ACTUAL_COUNT"] = frame["ACTUAL_COUNT"].astype(int)
    return frame


def _workbook(path: Path, sheets: dict[str, pd.DataFrame], engine: str, title: bool = True) -> Path:
    with pd.ExcelWriter(path, engine=engine) as xw:
        for i, (name, frame) in enumerate(sheets.items()):
            if i == 1 and title:  # the second sheet has a title row above its header, as people make them
                pd.DataFrame([[f"Offenses {name}"]]).to_excel(xw, sheet_name=name, index=False, header=False)
            frame.to_excel(xw, sheet_name=name, index=False, startrow=2 if i == 1 and title else 0)
        pd.DataFrame().to_excel(xw, sheet_name="Notes", index=False)  # an empty sheet is passed over
    return path


@pytest.mark.parametrize("suffix,engine", [(".xlsx", "openpyxl"), (".ods", "odf")])
def test_every_sheet_is_read_and_gives_the_cells_of_the_whole_table(sqlite_db: Database, tmp_path: Path, suffix: str,
                                                                    engine: str) -> None:
    frame = _fbi()
    csv = tmp_path / "ucr.csv"
    frame.to_csv(csv, index=False)
    _import(sqlite_db, csv, "whole")  # one table: the reference
    early, late = frame[frame["DATA_YEAR"] <= 2016], frame[frame["DATA_YEAR"] > 2016]
    assert len(early) and len(late)
    book = _workbook(tmp_path / f"ucr{suffix}", {"2013-2016": early, "2017-2020": late}, engine)
    report = _import(sqlite_db, book, "sheets")
    assert _cells(sqlite_db, "sheets") == _cells(sqlite_db, "whole")
    assert report.rows_read == len(frame)
    assert any("2 sheets read one after the other" in w and "'2017-2020'" in w for w in report.warnings)


def test_the_mapping_may_name_one_sheet(sqlite_db: Database, tmp_path: Path) -> None:
    frame = _fbi()
    late = frame[frame["DATA_YEAR"] > 2016]
    book = _workbook(tmp_path / "ucr.xlsx", {"2013-2016": frame[frame["DATA_YEAR"] <= 2016], "2017-2020": late},
                     "openpyxl")
    report = _import(sqlite_db, book, "late", sheet="2017-2020")
    assert report.rows_read == len(late)
    assert {c[2] for c in _cells(sqlite_db, "late")} == {str(y) for y in late["DATA_YEAR"].unique()}
    with pytest.raises(ImportRejected, match="has no sheet '2021'; its sheets are '2013-2016', '2017-2020', 'Notes'"):
        _import(sqlite_db, book, "none", sheet=2021)


def test_sheets_with_other_columns_are_refused_naming_the_sheet(sqlite_db: Database, tmp_path: Path) -> None:
    frame = _fbi()
    late = frame[frame["DATA_YEAR"] > 2016].drop(columns=["ACTUAL_COUNT"])
    book = _workbook(tmp_path / "ucr.xlsx", {"2013-2016": frame[frame["DATA_YEAR"] <= 2016], "2017-2020": late},
                     "openpyxl", title=False)
    with pytest.raises(ImportRejected) as err:
        _import(sqlite_db, book, "mixed")
    assert "sheet '2017-2020' of ucr.xlsx has other columns than sheet '2013-2016' (lacks ACTUAL_COUNT)" in str(err.value)
    assert "sheet: 2013-2016" in str(err.value)  # how to import one sheet instead
    assert _count(sqlite_db) == 0

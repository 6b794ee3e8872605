"""The web import page says every warning of an import, grouped by kind with counts and the first ones,
in the reader's language."""

from __future__ import annotations

from pathlib import Path

from palermo.db import Database
from tests.conftest import make_settings
from tests.web_helpers import client_for, csrf, login

PASSWORD = "palermo-demo-2000"
MAPPING = b"""source: {key: page-warnings, name: Warnings test, source_type: police, stage: detected,
         counting_unit: persons, legal_definition: national}
columns: {country: country, period: year, sex: sex, value: value}
constants: {indicator: victims}
"""


def _table() -> bytes:
    rows = ["country,year,sex,value"]
    for year in range(2001, 2009):  # 8 years whose parts (3 + 4) fall short of the total (10)
        rows += [f"Netherlands,{year},total,10", f"Netherlands,{year},female,3", f"Netherlands,{year},male,4"]
    rows += ["Netherlands,2009,total,5", "Netherlands,2009,female,4", "Netherlands,2009,male,3"]  # parts above it
    return ("\n".join(rows) + "\n").encode()


def _post(db: Database, tmp_path: Path, lang: str) -> str:
    c = client_for(make_settings(tmp_path, db), db)
    login(c, "nl.analyst", PASSWORD)
    r = c.post("/statistics/import", data={"fmt": "csv", "source": f"page-warnings-{lang}", "csrf_token": csrf(c)},
               headers={"Accept-Language": lang},
               files={"file": ("counts.csv", _table()), "mapping": ("counts.yaml", MAPPING)})
    assert r.status_code == 200, r.text[:2000]
    return r.text


def test_the_import_page_shows_every_warning_grouped_with_counts(sqlite_demo_db: Database, tmp_path: Path) -> None:
    page = _post(sqlite_demo_db, tmp_path, "en")
    assert "Imported 27 observations into page-warnings-en" in page
    warnings = page[page.index('id="warnings"'):]
    assert "10 warning(s)" in warnings  # 8 short breakdowns, 1 above its total, 1 for the country names
    assert "8 warnings of this kind" in warnings and "(the first 5 shown)" in warnings
    assert "and 3 more of this kind" in warnings
    shown = [y for y in range(2001, 2009) if f"victims Netherlands {y}: the sex breakdown adds up to at most 7" in warnings]
    assert shown == [2001, 2002, 2003, 2004, 2005]
    assert "victims Netherlands 2009: the sex breakdown adds up to at least 7, more than the total 5 (gap 2)" in warnings
    assert "1 country name(s) read as ISO 3166 codes" in warnings
    assert warnings.count('class="warning-group"') == 3


def test_the_import_page_speaks_the_readers_language(sqlite_demo_db: Database, tmp_path: Path) -> None:
    page = _post(sqlite_demo_db, tmp_path, "es")
    assert "Se importaron 27 observaciones en page-warnings-es" in page
    assert "victims Netherlands 2001: el desglose por sex suma como máximo 7, el total es 10 (diferencia 3)" in page
    assert "8 avisos de este tipo" in page and "the sex breakdown" not in page

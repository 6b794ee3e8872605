"""JSON-stat 2.0 for web charts, read by real JSON-stat readers (pyjstat, jsonstat-validator): the same
query's figures as the SDMX outputs, under disclosure control, from the SDMX API, the export and the
data explorer's downloads."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from jsonstat_validator import validate_jsonstat
from pyjstat import pyjstat

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.statistics import sdmx_structure as st
from palermo.statistics.exports import export, rows_for_export
from tests.conftest import make_settings
from tests.statistics.test_sdmx_api import publish
from tests.web_helpers import client_for

# pyjstat's own Dataset.write("dataframe") calls its deprecated from_json_stat (pyjstat 2.4).
pytestmark = pytest.mark.filterwarnings("ignore:Shouldn't use this function anymore:DeprecationWarning")
DIMS = ["SOURCE", "INDICATOR", "STAGE", "REF_AREA", "SEX", "AGE", "CITIZENSHIP", "EXPLOITATION", "TIME_PERIOD"]


def _cells(doc: dict) -> dict[tuple[str, ...], tuple[float | None, str | None, dict[str, str]]]:
    """Position -> (value, status, other attributes), decoded with pyjstat's frame for the values and the
    cube's strides for status and extension (pyjstat reads values only)."""
    frame = pyjstat.Dataset.read(json.dumps(doc)).write("dataframe", naming="id")
    values = {tuple(r[:-1]): r[-1] for r in frame.itertuples(index=False)}
    codes = [doc["dimension"][d]["category"]["index"] for d in doc["id"]]
    out = {}
    for at in doc["value"]:
        i, key = int(at), []
        for size, cats in zip(reversed(doc["size"]), reversed(codes)):
            key.append(cats[i % size])
            i //= size
        key_t = tuple(reversed(key))
        attrs = {a: cells[at] for a, cells in doc["extension"]["sdmx"]["attributes"].items() if at in cells}
        v = values[key_t]
        out[key_t] = (None if v is None or (isinstance(v, float) and math.isnan(v)) else v, doc["status"].get(at), attrs)
    return out


def _expected(db: Database) -> dict[tuple[str, ...], dict]:
    with db.session(write=False) as s:
        rows = rows_for_export(s, Principal.anonymous(), public=True)
    return {tuple(st.code_of(d, r[f]) for d, f in zip(DIMS, [*(f for f, _, _ in st.DIMENSIONS.values()), "period"])): r
            for r in rows}


def test_the_api_serves_json_stat_that_pyjstat_reads_with_the_protected_values(sqlite_db: Database, tmp_path: Path) -> None:
    publish(sqlite_db)
    c = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)  # no login: a visitor
    r = c.get("/sdmx/rest/data/THB/all", params={"format": "jsonstat"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert validate_jsonstat(doc) is True
    assert doc["version"] == "2.0" and doc["class"] == "dataset" and doc["id"] == DIMS
    assert doc["role"]["time"] == ["TIME_PERIOD"] and doc["role"]["geo"] == ["REF_AREA"]
    assert doc["dimension"]["REF_AREA"]["category"]["label"]["DOM"] == "Dominican Republic"
    cells, expected = _cells(doc), _expected(sqlite_db)
    assert set(cells) == set(expected)  # every observation of the public release, nothing else
    assert "dom-internal" not in json.dumps(doc) and 4242 not in [v for v, _, _ in cells.values()]
    for key, (value, status, attrs) in cells.items():
        row = expected[key]
        assert value == row["value"], key
        obs, conf = st.obs_status(filter(None, row["flags"].split(";")), row["value"], row["lower"])
        assert (status or "A") == obs and attrs.get("CONF_STATUS", "F") == conf, key
    # The small cells: 2020 male (3) suppressed, and the female count that would give it back from the total.
    male = cells[("dom-police", "VICTIMS", "DETECTED", "DOM", "MALE", "TOTAL", "TOTAL", "TOTAL", "2020")]
    female = cells[("dom-police", "VICTIMS", "DETECTED", "DOM", "FEMALE", "TOTAL", "TOTAL", "TOTAL", "2020")]
    assert male[:2] == (None, "Q") and male[2]["CONF_STATUS"] == "C" and female[:2] == (None, "Q")
    unknown = cells[("dom-police", "VICTIMS", "DETECTED", "DOM", "TOTAL", "TOTAL", "FOREIGN", "TOTAL", "2020")]
    assert unknown[:2] == (None, "L")  # unknown is not zero, and not suppressed
    zero = cells[("dom-police", "VICTIMS", "DETECTED", "DOM", "TOTAL", "CHILD", "TOTAL", "TOTAL", "2020")]
    assert zero[:2] == (0, None)


def test_a_keyed_query_and_its_period_narrow_the_json_stat_cube(sqlite_db: Database, tmp_path: Path) -> None:
    publish(sqlite_db)
    c = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    doc = c.get("/sdmx/rest/data/THB/.VICTIMS..DOM....", params={"format": "jsonstat", "startPeriod": "2019",
                                                                 "endPeriod": "2019"}).json()
    assert doc["dimension"]["TIME_PERIOD"]["category"]["index"] == ["2019"]
    assert doc["dimension"]["REF_AREA"]["category"]["index"] == ["DOM"]
    assert sorted(v for v in doc["value"].values() if v is not None) == [9, 31, 40]
    bad = c.get("/sdmx/rest/data/THB/all", params={"format": "jsonstats"})
    assert bad.status_code == 406 and b"jsonstat" in bad.content  # the error names the formats offered


def test_the_validator_can_fail() -> None:
    """The reader used above refuses a broken dataset (so its 'True' means something)."""
    broken = {"version": "2.0", "class": "dataset", "id": ["A"], "size": [2],
              "dimension": {"A": {"category": {"index": ["x", "y", "z"]}}}, "value": [1, 2]}
    with pytest.raises(Exception):  # noqa: B017 - the validator's own error type is not public API
        validate_jsonstat(broken)


def test_export_and_explorer_download_in_json_stat(sqlite_db: Database, tmp_path: Path) -> None:
    publish(sqlite_db)
    with sqlite_db.session(write=False) as s:
        rows = rows_for_export(s, Principal.anonymous(), public=True, country="DOM")
    out = tmp_path / "dom.json"
    assert export(rows, "json-stat", out) == len(rows)
    doc = json.loads(out.read_text())
    assert validate_jsonstat(doc) is True
    assert sum(1 for v in doc["value"].values()) == len(rows)
    c = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    page = c.get("/statistics/data", params={"country": "DOM"}).text
    assert "JSON-stat (API)" in page and "format=jsonstat" in page and "format=json-stat" in page
    download = c.get("/api/v1/statistics/export", params={"format": "json-stat", "country": "DOM", "public": "true"})
    assert download.status_code == 200 and validate_jsonstat(download.json()) is True
    assert {k: v for k, v in download.json()["value"].items()} == doc["value"]

"""/statistics/estimates and POST /api/v1/estimates through the real app (in-process client)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from palermo.auth import accounts
from palermo.auth.models import User
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.estimation import CaptureHistories
from palermo.estimation.models import CaptureTable
from palermo.estimation.tables import save_table
from tests.conftest import EXTERNAL, make_settings
from tests.web_helpers import client_for, csrf, login

MSE = EXTERNAL / "mse-multiple-lists"
PASSWORD = "estimation-pass-1"


def _world(db: Database) -> dict[str, str]:
    system = Principal.system()
    with db.session() as s:
        a = accounts.create_organisation(s, system, name="Police A", short_name="POL-A", org_type="police", country="NLD")
        b = accounts.create_organisation(s, system, name="NGO B", short_name="NGO-B", org_type="ngo", country="NLD")
        accounts.create_user(s, system, username="ana", password=PASSWORD, organisation=a.id, roles="analyst")
        accounts.create_user(s, system, username="bo", password=PASSWORD, organisation=b.id, roles="analyst")
        ana = Principal(None, "ana", a.id, frozenset({"analyst"}))
        table = CaptureHistories.from_csv(MSE / "Western.csv")
        private = save_table(s, ana, table, name="Western private", country="USA", period="2016")
        shared = save_table(s, ana, table, name="Western hub overlap", origin="hub", shared=True)
        return {"private": private.reference, "shared": shared.reference}


def _api_headers(db: Database) -> dict[str, str]:
    with db.session() as s:
        user = s.execute(select(User).where(User.username == "ana")).scalar_one()
        return {"Authorization": f"Bearer {accounts.issue_token(s, Principal.system(), user, 'test').token}"}


def test_page_estimates_a_saved_table_with_chart_and_interval(sqlite_db: Database, tmp_path: Path) -> None:
    ids = _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    login(client, "ana", PASSWORD)
    page = client.get("/statistics/estimates")
    assert page.status_code == 200 and "Western private" in page.text
    r = client.get(f"/statistics/estimates?table={ids['private']}&criterion=bic")
    assert r.status_code == 200
    assert re.search(r"345 identified; estimated total [\d,]+ – [\d,]+", r.text)
    spec = json.loads(html.unescape(re.search(r"data-vega-spec='([^']+)'", r.text).group(1)))
    assert spec["vconcat"][1]["mark"]["type"] == "circle"
    assert "<script>" not in r.text  # strict CSP: no inline scripts
    assert "suppressed" not in r.text  # the owner sees exact counts


def test_other_organisation_sees_shared_table_with_small_cells_suppressed(sqlite_db: Database, tmp_path: Path) -> None:
    ids = _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    login(client, "bo", PASSWORD)
    assert client.get(f"/statistics/estimates?table={ids['private']}").status_code == 404
    r = client.get(f"/statistics/estimates?table={ids['shared']}")
    assert r.status_code == 200
    overlap = r.text.split('id="overlap"')[1].split("</table>")[0]
    assert "&lt;5 (suppressed)" in overlap  # Western has cells of 1 to 4 people
    assert ">52<" in overlap  # large cells are shown


def test_upload_form_estimates_and_saves(sqlite_db: Database, tmp_path: Path) -> None:
    _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    login(client, "ana", PASSWORD)
    token = csrf(client)
    csv_text = (MSE / "UKdat.csv").read_text()
    r = client.post("/statistics/estimates", data={"csrf_token": token, "criterion": "pvalue", "bootstrap": "0",
                                                   "merge": "PF+NCA", "save": "true", "name": "UK 2013",
                                                   "country": "GBR", "period": "2013"},
                    files={"file": ("UKdat.csv", csv_text, "text/csv")})
    assert r.status_code == 200, r.text[:500]
    assert "2,744 identified; estimated total" in r.text and "PFNCA" in r.text
    assert "UK 2013" in client.get("/statistics/estimates").text
    bad = client.post("/statistics/estimates", data={"csrf_token": token, "csv_text": "A,B,count\n1,3,4\n"})
    assert bad.status_code == 422 and "must be 0 (not on the list) or 1" in bad.text


def test_upload_without_csrf_token_is_refused(sqlite_db: Database, tmp_path: Path) -> None:
    _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    login(client, "ana", PASSWORD)
    r = client.post("/statistics/estimates", data={"csv_text": "A,B,count\n1,0,4\n0,1,5\n1,1,2\n"})
    assert r.status_code in (400, 403)


def test_api_accepts_csv_and_json(sqlite_db: Database, tmp_path: Path) -> None:
    _world(sqlite_db)
    settings = make_settings(tmp_path, sqlite_db)
    with sqlite_db.session() as s:
        user = s.execute(select(User).where(User.username == "ana")).scalar_one()
        token = accounts.issue_token(s, Principal.system(), user, "test").token
    client = client_for(settings, sqlite_db)
    headers = {"Authorization": f"Bearer {token}"}
    csv_resp = client.post("/api/v1/estimates?criterion=pvalue", content=(MSE / "UKdat_5.csv").read_text(),
                           headers={**headers, "Content-Type": "text/csv"})
    assert csv_resp.status_code == 200, csv_resp.text
    data = csv_resp.json()
    assert data["method"] == "MSE" and data["lists"] == ["LA", "NG", "PFNCA", "GO", "GP"]
    assert 10_000 <= data["estimate"] <= 13_000
    assert any(c["suppressed"] for c in data["overlap"])  # the 1-person cells are not released
    body = {"lists": ["NGO", "POLICE"], "overlap": {"NGO": 60, "POLICE": 80, "NGO+POLICE": 20}}
    json_resp = client.post("/api/v1/estimates", json=body, headers=headers)
    assert json_resp.status_code == 200 and round(json_resp.json()["estimate"]) == 400
    bad = client.post("/api/v1/estimates", json={"lists": ["A"], "rows": [{"A": 1, "count": 3}]}, headers=headers)
    assert bad.status_code == 422 and "at least two lists" in bad.json()["message"]
    costly = client.post("/api/v1/estimates?criterion=average&bootstrap=100", content=(MSE / "UKdat.csv").read_text(),
                         headers={**headers, "Content-Type": "text/csv"})
    assert costly.status_code == 422 and "too much work for a web request" in costly.json()["message"]
    tables = client.get("/api/v1/estimates/tables", headers=headers).json()
    assert {t["name"] for t in tables} == {"Western private", "Western hub overlap"}
    # named by reference: row ids would count every organisation's tables
    assert all(re.fullmatch(r"tbl-[0-9a-f]{12}", t["reference"]) and "id" not in t for t in tables)


def test_record_a_tables_estimate_as_a_statistics_source(sqlite_db: Database, tmp_path: Path) -> None:
    from palermo.statistics.query import find_observations

    ids = _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    login(client, "ana", PASSWORD)
    page = client.get(f"/statistics/estimates?table={ids['private']}&criterion=bic")
    assert 'id="record-source"' in page.text
    r = client.post(f"/statistics/estimates/{ids['private']}/source",
                    data={"csrf_token": csrf(client), "criterion": "bic", "bootstrap": "0", "merge": ""})
    assert r.status_code == 200 and "Recorded as an estimate source: 345 identified; estimated total" in r.text
    with sqlite_db.session() as s:
        views = find_observations(s, Principal.system(), country="USA", stage="estimated")
        assert len(views) == 1 and views[0].source_type == "estimate" and views[0].period == "2016"
        assert views[0].source_key == f"mse-{ids['private']}-bic"  # a published key names no row id


def test_api_bca_bootstrap_gives_a_bca_interval_around_the_estimate(sqlite_db: Database, tmp_path: Path) -> None:
    _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    headers = {**_api_headers(sqlite_db), "Content-Type": "text/csv"}
    western = (MSE / "Western.csv").read_text()
    r = client.post("/api/v1/estimates?criterion=pvalue&bootstrap=30&bootstrap_method=bca", content=western,
                    headers=headers)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["interval_method"].startswith("BCa bootstrap") and round(data["estimate"]) == 2483
    assert data["lower"] < data["estimate"] < data["upper"]
    default = client.post("/api/v1/estimates?criterion=pvalue&bootstrap=30", content=western, headers=headers)
    assert default.status_code == 200 and default.json()["interval_method"].startswith("parametric bootstrap")


def test_unknown_bootstrap_method_is_refused_and_nothing_stored(sqlite_db: Database, tmp_path: Path) -> None:
    from palermo.statistics.query import find_observations

    ids = _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    headers = {**_api_headers(sqlite_db), "Content-Type": "text/csv"}
    western = (MSE / "Western.csv").read_text()
    bad = client.post("/api/v1/estimates?bootstrap=30&bootstrap_method=jackknife", content=western, headers=headers)
    assert bad.status_code == 422
    assert "unknown bootstrap method 'jackknife'; use one of parametric, bca" in bad.json()["message"]
    no_replicates = client.post("/api/v1/estimates?bootstrap_method=bca", content=western, headers=headers)
    assert no_replicates.status_code == 422 and "needs replicates" in no_replicates.json()["message"]
    login(client, "ana", PASSWORD)
    token = csrf(client)
    upload = client.post("/statistics/estimates", data={"csrf_token": token, "csv_text": western, "bootstrap": "30",
                                                        "bootstrap_method": "jackknife", "save": "true",
                                                        "name": "Western again"})
    assert upload.status_code == 422 and "use one of parametric, bca" in html.unescape(upload.text)
    record = client.post(f"/statistics/estimates/{ids['private']}/source",
                         data={"csrf_token": token, "criterion": "pvalue", "bootstrap": "30",
                               "bootstrap_method": "jackknife"})
    assert record.status_code == 422 and "use one of parametric, bca" in html.unescape(record.text)
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(CaptureTable)) == 2  # only the two of _world
        assert find_observations(s, Principal.system(), country="USA", stage="estimated") == []


def test_page_form_with_bca_shows_the_bca_interval(sqlite_db: Database, tmp_path: Path) -> None:
    ids = _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    login(client, "ana", PASSWORD)
    page = client.get("/statistics/estimates")
    assert '<option value="bca">BCa (resample the observed people)</option>' in page.text
    r = client.get(f"/statistics/estimates?table={ids['private']}&criterion=pvalue&bootstrap=30&bootstrap_method=bca")
    assert r.status_code == 200, r.text[:500]
    facts = r.text.split('class="facts"')[1].split("</table>")[0]
    assert "BCa bootstrap (multinomial resampling of the observed people" in facts and "30 replicates" in facts
    warnings = r.text.split('class="warn"')[1].split("</ul>")[0]
    assert "<li>the BCa lower end is the" in warnings and "share nobody" in warnings  # listed like the others
    assert '<option value="bca" selected>' in r.text  # the choice is kept for "Estimate again"
    assert '<input type="hidden" name="bootstrap_method" value="bca">' in r.text  # and for recording
    upload = client.post("/statistics/estimates", data={"csrf_token": csrf(client), "criterion": "pvalue",
                                                        "bootstrap": "20", "bootstrap_method": "bca"},
                         files={"file": ("Western.csv", (MSE / "Western.csv").read_text(), "text/csv")})
    assert upload.status_code == 200, upload.text[:500]
    assert "BCa bootstrap (multinomial resampling of the observed people" in upload.text


def test_upload_form_reads_a_workbook_and_a_semicolon_file(sqlite_db: Database, tmp_path: Path) -> None:
    import io

    import pandas as pd

    _world(sqlite_db)
    client = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    login(client, "ana", PASSWORD)
    assert ".xlsx" in client.get("/statistics/estimates").text.split('name="file"')[1].split(">")[0]  # the browser lets one pick it
    book = io.BytesIO()
    pd.read_csv(MSE / "UKdat.csv").to_excel(book, index=False)
    for name, data in (("UKdat.xlsx", book.getvalue()), ("UKdat.csv", (MSE / "UKdat.csv").read_text().replace(",", ";").encode("utf-16"))):
        r = client.post("/statistics/estimates", data={"csrf_token": csrf(client), "criterion": "pvalue", "bootstrap": "0"},
                        files={"file": (name, data)})
        assert r.status_code == 200 and "2,744 identified; estimated total" in r.text, (name, r.text[:300])

"""The statistics import and export through the JSON API and the web form: same importers as the CLI."""

from __future__ import annotations

import sdmx
from sqlalchemy import func, select

from palermo.db import Database
from palermo.statistics.exports import structure
from palermo.statistics.models import Observation
from tests.conftest import make_settings
from tests.web_helpers import client_for, csrf, login

DATA = __import__("pathlib").Path(__file__).parents[1] / "data" / "statistics"
PASSWORD = "palermo-demo-2000"


def _observations(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(Observation)).scalar() or 0)


def test_api_import_and_export_round_trip(sqlite_demo_db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "nl.analyst", PASSWORD)
    token = {"X-CSRF-Token": csrf(c)}
    before = _observations(sqlite_demo_db)
    r = c.post("/api/v1/statistics/import", headers=token, data={"fmt": "eurostat", "source": "estat-web", "public": "true"},
               files={"file": ("crim_thb_vict.tsv", (DATA / "crim_thb_vict.tsv").read_bytes())})
    assert r.status_code == 201, r.text
    assert r.json()["observations"] == 18 and r.json()["source_key"] == "estat-web"
    assert _observations(sqlite_demo_db) == before + 18
    bad = c.post("/api/v1/statistics/import", headers=token, data={"fmt": "csv"},
                 files={"file": ("x.csv", b"a,b\n1,2\n")})
    assert bad.status_code == 422 and "mapping file is needed" in bad.text
    broken = c.post("/api/v1/statistics/import", headers=token, data={"fmt": "eurostat"},
                    files={"file": ("x.tsv", b"freq,leg_stat,geo\\TIME_PERIOD\t2020 \nA,VICT,XX\t5 \nA,VICT,NL\tten \n")})
    assert broken.status_code == 422 and "XX" in broken.text and "ten" in broken.text  # every problem, nothing stored
    assert _observations(sqlite_demo_db) == before + 18
    xml = c.get("/api/v1/statistics/export", params={"format": "sdmx-ml", "country": "NLD", "indicator": "victims"})
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert "attachment" in xml.headers["content-disposition"]
    out = tmp_path / "nld.xml"
    out.write_bytes(xml.content)
    msg = sdmx.read_sdmx(out, structure=structure())
    assert {o.dimension["REF_AREA"].value for o in msg.data[0].obs} == {"NLD"} and len(msg.data[0].obs) > 10
    public = c.get("/api/v1/statistics/export", params={"format": "csv", "country": "NLD", "public": "true"})
    assert public.status_code == 200 and "suppressed" in public.text and "estat-web" in public.text
    assert c.get("/api/v1/statistics/export", params={"format": "xls"}).status_code == 422


def test_web_form_import_and_refusal_for_an_officer(sqlite_demo_db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, sqlite_demo_db)
    c = client_for(settings, sqlite_demo_db)
    login(c, "nl.analyst", PASSWORD)
    page = c.get("/statistics/data")
    assert 'action="/statistics/import"' in page.text and "/api/v1/statistics/export?format=sdmx-ml" in page.text
    r = c.post("/statistics/import", data={"fmt": "eurostat", "csrf_token": csrf(c)},
               files={"file": ("crim_thb_vict.tsv", (DATA / "crim_thb_vict.tsv").read_bytes())})
    assert r.status_code == 200 and "Imported 18 observations into eurostat-crim-thb" in r.text
    officer = client_for(settings, sqlite_demo_db)
    login(officer, "nl.officer", PASSWORD)
    assert 'action="/statistics/import"' not in officer.get("/statistics/data").text
    before = _observations(sqlite_demo_db)
    r = officer.post("/statistics/import", data={"fmt": "eurostat", "csrf_token": csrf(officer)},
                     files={"file": ("crim_thb_vict.tsv", (DATA / "crim_thb_vict.tsv").read_bytes())})
    assert r.status_code == 403 and _observations(sqlite_demo_db) == before


def test_web_upload_of_a_european_spreadsheet_export_and_of_a_cut_file(sqlite_demo_db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import EXTERNAL

    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "nl.analyst", PASSWORD)
    mapping = (DATA / "fbi_mapping.yaml").read_bytes()
    text = (EXTERNAL / "fbi-ucr-human-trafficking" / "HT_2013-2020.csv").read_text()
    import csv
    import io

    out = io.StringIO()  # as a European Excel saves it: semicolons (quoting the county lists "PARKER; DENTON"), cp1252
    csv.writer(out, delimiter=";").writerows(csv.reader(io.StringIO(text)))
    european = out.getvalue().encode("cp1252")
    before = _observations(sqlite_demo_db)
    r = c.post("/statistics/import", data={"fmt": "csv", "source": "ucr-web", "csrf_token": csrf(c)},
               files={"file": ("ucr.csv", european), "mapping": ("fbi.yaml", mapping)})
    assert r.status_code == 200 and "Imported 16 observations into ucr-web" in r.text, r.text[r.text.find("<main"):][:1500]
    stored = _observations(sqlite_demo_db)
    assert stored == before + 16
    cut = text[: len(text) // 2].encode()
    bad = c.post("/statistics/import", data={"fmt": "csv", "source": "ucr-cut", "csrf_token": csrf(c)},
                 files={"file": ("ucr.csv", cut), "mapping": ("fbi.yaml", mapping)})
    assert bad.status_code == 422 and "cut short" in bad.text and "/tmp" not in bad.text and "palermo-upload" not in bad.text
    assert _observations(sqlite_demo_db) == stored

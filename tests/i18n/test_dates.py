"""Dates on pages follow the reader's language (Babel), while the API and the CSV files keep ISO 8601; a word
with two meanings ("By": uploaded by, grouped by) is two messages, so each is translated for what it means."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo import i18n
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.web.templating import templates
from tests.conftest import make_settings
from tests.i18n.test_pages import _text
from tests.web_helpers import client_for, login

ISO_DAY = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
DAY, MOMENT = templates.env.filters["day"], templates.env.filters["moment"]


@pytest.mark.parametrize(("lang", "day", "moment"), [
    ("en", "1 Dec 2026", "1 Dec 2026, 14:05:09 UTC"),
    ("es", "1 dic 2026", "1 dic 2026, 14:05:09 UTC"),
    ("fr", "1 déc. 2026", "1 déc. 2026, 14:05:09 UTC"),
    ("ar", "01\u200f/12\u200f/2026", "01\u200f/12\u200f/2026، 14:05:09 UTC"),
])
def test_a_tables_dates_are_written_as_the_pages_language_writes_them(lang: str, day: str, moment: str) -> None:
    at = datetime(2026, 12, 1, 14, 5, 9, tzinfo=UTC)
    with i18n.speaking(lang):
        assert DAY(date(2026, 12, 1)) == DAY(at) == DAY("2026-12-01") == day
        assert MOMENT(at.isoformat(), "medium", seconds=True) == MOMENT(at, "medium", seconds=True) == moment
        assert DAY(None) is None and DAY("") == "" and DAY("not a date") == "not a date"  # shown as they are


def test_a_long_date_in_a_sentence() -> None:
    with i18n.speaking("es"):
        assert DAY(date(2026, 6, 30), "long") == "30 de junio de 2026"
        assert MOMENT(datetime(2026, 6, 30, 8, 0, tzinfo=UTC)) == "30 de junio de 2026, 08:00 UTC"


@pytest.fixture
def client(sqlite_demo_db: Database, tmp_path: Path) -> TestClient:
    return client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_the_audit_log_shows_its_times_in_the_readers_language_and_the_api_keeps_iso(client: TestClient, lang: str) -> None:
    login(client, "nl.owner", DEMO_PASSWORD)
    page = client.get(f"/audit?lang={lang}")
    assert page.status_code == 200
    table = page.text[page.text.index('<table class="audit"'):page.text.index("</table>", page.text.index('<table class="audit"'))]
    assert not ISO_DAY.search(table), ISO_DAY.search(table)
    with i18n.speaking(lang):  # the demo was made today: its entries carry today's date, as the language writes it
        written = DAY(datetime.now(UTC))
    assert written in _text(table), _text(table)[:500]
    api = client.get("/api/v1/audit?limit=3", headers={"Accept-Language": lang})
    assert api.status_code == 200 and all(re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", e["at"]) for e in api.json())


def test_the_linkage_pages_dates_and_its_two_bys(client: TestClient) -> None:
    login(client, "nl.owner", DEMO_PASSWORD)
    es = client.get("/linkage?lang=es").text
    uploads = es[es.index('id="uploads"'):]
    assert "Cargado por" in uploads and "Agrupado por" in es[es.index('id="precision"'):es.index('id="uploads"')]
    assert not ISO_DAY.search(_text(uploads[:uploads.index("</table>")]))
    fr = client.get("/linkage?lang=fr").text
    assert "Déposé par" in fr and "Regroupé par" in fr
    en = client.get("/linkage?lang=en").text
    assert "Uploaded by" in en and "Grouped by" in en and ">By<" not in en

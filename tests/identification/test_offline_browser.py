"""Offline in headless chromium: the form opens with the network cut, assesses on the device, keeps the
screening in the browser and uploads it when the network returns (then the server saves it)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from palermo.db import Database
from palermo.identification.models import Referral, Screening
from tests.web.conftest import LiveServer, browser, serve  # noqa: F401  (browser is a fixture)
from tests.web_helpers import browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(sqlite_demo_db: Database, tmp_path):  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    yield from serve(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)


def _spanish_form_cached(server: LiveServer, browser: object) -> tuple[object, object]:  # noqa: F811
    """A phone-sized browser of a logged-in officer whose device has cached the Spanish form and its bundle."""
    context = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    pg = context.new_page()
    browser_login(pg, server, "gr.officer", "palermo-demo-2000")
    pg.goto(server.url + "/identification?lang=es")
    pg.wait_for_selector("#offline[data-ready='1']", state="attached", timeout=20_000)
    return context, pg


def test_screening_with_the_network_cut(demo_server: LiveServer, browser: object) -> None:  # noqa: F811
    context, pg = _spanish_form_cached(demo_server, browser)
    try:
        with demo_server.db.session(write=False) as s:
            before = len(list(s.execute(select(Screening)).scalars()))

        context.set_offline(True)
        pg.reload()  # served by the service worker: there is no network
        pg.wait_for_selector("#screening-form")
        assert pg.evaluate("navigator.onLine") is False
        pg.fill("#age", "15")
        for value in ("DEBT@destination", "EX-HOURS@exploitation", "EX-EDUCATION@exploitation"):
            pg.check(f"input[value='{value}']")
        pg.select_option("#refer_UNICEF", "child_protection")
        pg.click("#screen")
        pg.wait_for_selector("#offline-result[data-conclusion]")
        assert pg.get_attribute("#offline-result", "data-conclusion") == "trafficking_indicated"
        assert "trata" in pg.inner_text("#offline-result")  # in the page's language
        assert pg.get_attribute("#offline", "data-pending") == "1"
        with demo_server.db.session(write=False) as s:
            assert len(list(s.execute(select(Screening)).scalars())) == before  # nothing reached the server

        context.set_offline(False)
        pg.wait_for_selector("#offline[data-pending='0']", state="attached", timeout=20_000)
        pg.wait_for_selector("a.uploaded")
        reference = pg.inner_text("a.uploaded").rsplit(" ", 1)[-1]
        with demo_server.db.session(write=False) as s:
            row = s.execute(select(Screening).where(Screening.reference == reference)).scalar_one()
            assert row.conclusion == "trafficking_indicated" and row.lang == "es" and row.age_group == "child"
            referral = s.execute(select(Referral).where(Referral.screening_id == row.id)).scalar_one()
            assert referral.basis == "child_protection_law"
    finally:
        context.close()


def test_bad_input_offline_is_said_in_the_pages_language(demo_server: LiveServer, browser: object) -> None:  # noqa: F811
    """The device's evaluator names a problem by its field; the worker reads it in words of the page's language."""
    context, pg = _spanish_form_cached(demo_server, browser)
    try:
        context.set_offline(True)
        pg.reload()
        pg.wait_for_selector("#screening-form")
        pg.fill("#age", "muchos")  # passes the browser's "required", not the evaluator
        pg.check("input[value='DEBT@destination']")
        pg.click("#screen")
        pg.wait_for_function("document.getElementById('offline-result').textContent.length > 0")
        said = pg.inner_text("#offline-result")
        assert "la edad (años enteros, o niño o adulto)" in said and "age" not in said.replace("edad", "")
        assert pg.get_attribute("#offline", "data-pending") == "0"  # nothing kept to upload
    finally:
        context.close()

"""The language switch in a real browser (headless chromium): by keyboard on the login page, kept across
the login and the next pages, right to left for Arabic; the switched pages stay accessible at 390 px
(axe-core, WCAG 2.1 A/AA, no sideways scroll)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from tests.web.conftest import LiveServer, collect_errors, serve
from tests.web_helpers import PAGE_AND_SCREEN_WIDTH, browser_login

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
LANG = "() => [document.documentElement.lang, document.documentElement.dir]"


@pytest.fixture
def demo(sqlite_demo_db: Database, tmp_path: Any) -> Iterator[LiveServer]:
    from tests.conftest import make_settings

    yield from serve(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)


def test_the_switch_works_by_keyboard_and_is_kept(demo: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="en-GB")
    pg = context.new_page()
    errors = collect_errors(pg)
    try:
        pg.goto(demo.url + "/login")
        assert pg.evaluate(LANG) == ["en", "ltr"]
        pg.focus("#languages a[lang=es]")
        pg.keyboard.press("Enter")
        pg.wait_for_function("() => document.documentElement.lang === 'es'")
        assert pg.inner_text("h1") == "Iniciar sesión"
        assert pg.get_attribute("#languages a[aria-current]", "lang") == "es"
        browser_login(pg, demo, "lastrada.worker", DEMO_PASSWORD)  # the choice survives the login
        pg.goto(demo.url + "/")
        assert pg.evaluate(LANG) == ["es", "ltr"]
        assert "Cerrar sesión" in pg.inner_text("#logout")
        assert pg.locator(".area h2").all_inner_texts() == ["Estadísticas", "Cruce e intercambio", "Coordinación", "Identificación"]
        pg.click("#languages a[lang=ar]")
        pg.wait_for_function("() => document.documentElement.dir === 'rtl'")
        pg.goto(demo.url + "/coordination")  # kept for the next page
        assert pg.evaluate(LANG) == ["ar", "rtl"]
        # mirrored: the brand starts the bar on the right
        brand, bar = pg.evaluate("""() => [document.querySelector('.brand').getBoundingClientRect().right,
                                          document.querySelector('.topbar').getBoundingClientRect().right]""")
        assert bar - brand < 40
    finally:
        context.close()
    assert not errors, errors


@pytest.mark.parametrize("lang", ["es", "fr", "ar"])
def test_switched_pages_pass_axe_on_a_phone(demo: LiveServer, browser: Any, lang: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    problems: list[str] = []
    try:
        pg.goto(demo.url + f"/login?lang={lang}")
        browser_login(pg, demo, "lastrada.worker", DEMO_PASSWORD)
        for path in ("/", "/coordination", "/coordination/liaison", "/exchange/requests", "/account/security", "/no/such/page"):
            pg.goto(demo.url + path)
            assert pg.evaluate(LANG) == [lang, "rtl" if lang == "ar" else "ltr"], path
            width = pg.evaluate(PAGE_AND_SCREEN_WIDTH)
            if width[0] > width[1]:
                problems.append(f"{lang} {path}: {width[0]} px wide on a {width[1]} px screen")
            for v in axe.run(pg, options=WCAG).response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    problems.append(f"{lang} {path}: axe {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)

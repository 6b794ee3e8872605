"""Spanish and French words are longer than English ones: the pages of every area, switched to es and fr,
still fit a 390 px phone in headless chromium: no sideways scroll, no element sticking out of the screen
(outside the table boxes, which scroll on purpose; what is shown, not a closed <details>), headings and buttons in the page's language, and
axe-core (WCAG 2.1 A/AA) finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from tests.web.conftest import LiveServer, collect_errors, serve
from tests.web.test_every_page import CHARTS_DRAWN
from tests.web_helpers import PAGE_AND_SCREEN_WIDTH, browser_login

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# (user, pages): the reader who uses each area
READERS = [("nl.owner", ["/statistics", "/statistics/data?country=NLD", "/statistics/country/NLD", "/statistics/estimates",
                         "/linkage", "/exchange/routes", "/audit"]),
           ("nl.admin", ["/admin"])]
# the heading each page starts with, as the catalogue says it (so an untranslated page fails)
HEADINGS = {"es": {"/statistics/estimates": "La cifra oculta: estimación por sistemas múltiples", "/admin": "Administración"},
            "fr": {"/statistics/estimates": "Le chiffre noir : estimation par systèmes multiples", "/admin": "Administration"}}
# Elements that stick out of the screen, leaving out those inside a box that scrolls sideways on purpose.
STICKING_OUT = """() => {
  const w = document.documentElement.clientWidth, out = [];  // the layout width (390 px)
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  for (const el of document.querySelectorAll('main *, header *, footer *')) {
    if (!el.checkVisibility()) continue;  // not shown (a closed <details>)
    const r = el.getBoundingClientRect();
    // a box past the screen's edge, or words spilling out of their box (a block's text does not widen it)
    const spills = el.clientWidth && getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1;
    if (r.width && (r.right > w + 1 || r.left < -1 || spills) && !scrolls(el))
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ': ' + (el.innerText || '').slice(0, 40));
  }
  return out.slice(0, 5);
}"""


@pytest.fixture
def demo(sqlite_demo_db: Database, tmp_path: Any) -> Iterator[LiveServer]:
    from tests.conftest import make_settings

    yield from serve(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_translated_pages_fit_a_phone(demo: LiveServer, browser: Any, lang: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: list[str] = []
    seen = []
    for user, paths in READERS:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        pg = context.new_page()
        errors = collect_errors(pg)
        try:
            pg.goto(demo.url + f"/login?lang={lang}")
            browser_login(pg, demo, user, DEMO_PASSWORD)
            for path in paths:
                pg.goto(demo.url + path)
                pg.wait_for_function(CHARTS_DRAWN, timeout=20_000)
                assert pg.evaluate("document.documentElement.lang") == lang, path
                width = pg.evaluate(PAGE_AND_SCREEN_WIDTH)
                if width[0] > width[1]:
                    problems.append(f"{lang} {path}: {width[0]} px wide on a {width[1]} px screen")
                out = pg.evaluate(STICKING_OUT)
                if out:
                    problems.append(f"{lang} {path}: sticks out of the screen: {out}")
                if path in HEADINGS[lang]:
                    assert pg.inner_text("main h1").strip() == HEADINGS[lang][path], path
                for v in axe.run(pg, options=WCAG).response["violations"]:
                    if v["impact"] in ("serious", "critical"):
                        problems.append(f"{lang} {path}: axe {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}")
                seen.append(path)
        finally:
            context.close()
        assert not errors, errors
    assert len(seen) == sum(len(p) for _u, p in READERS)
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_word_too_long_for_the_screen(demo: LiveServer, browser: Any) -> None:
    """The sticking-out check can fail: a heading of one unbreakable 60-letter word is found."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    try:
        pg.goto(demo.url + "/login?lang=fr")
        pg.evaluate("""() => { const h = document.createElement('p'); h.id = 'long';
            h.style.whiteSpace = 'nowrap'; h.textContent = 'Rapprochement'.repeat(6);
            document.querySelector('main').prepend(h); }""")
        assert any(o.startswith("p#long") for o in pg.evaluate(STICKING_OUT))
    finally:
        context.close()

"""Arabic pages in a real browser (headless chromium, 390 px, axe-core): the screening form, a statistics
page with charts, a long table with its pager and the audit log read right to left without sideways
scroll; the pager is mirrored (next on the left); chart labels stay inside their drawing and the chart keeps
its whole width; dates carry Babel's Arabic month names; the words of the shared chart frame are Arabic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from babel.dates import get_month_names

from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from tests.web.conftest import LiveServer, collect_errors, serve
from tests.web_helpers import PAGE_AND_SCREEN_WIDTH, browser_login

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PAGES = ["/identification", "/statistics/country/NLD", "/statistics/data?country=NLD&per_page=5&page=2",
         "/audit?per_page=2&page=2"]
DRAWN = """() => [...document.querySelectorAll('[data-vega-spec]')].every(el => el.querySelector('svg'))"""
# Every text of every drawn chart, with where it sits against its chart's drawing.
CHART_TEXTS = """() => [...document.querySelectorAll('.chart svg')].flatMap(svg => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, inside: r.left >= box.left - 1 && r.right <= box.right + 1, svg: box.width,
            box: svg.closest('.chart').getBoundingClientRect().width}; }); })"""
PAGER = """() => ['prev', 'next'].map(rel => document.querySelector(`.pager a[rel=${rel}]`).getBoundingClientRect().left)"""


@pytest.fixture
def demo(sqlite_demo_db: Database, tmp_path: Any) -> Iterator[LiveServer]:
    from tests.conftest import make_settings

    yield from serve(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)


def test_arabic_pages_read_right_to_left_on_a_phone(demo: LiveServer, browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    errors = collect_errors(pg)
    problems: list[str] = []
    try:
        pg.goto(demo.url + "/login?lang=ar")
        browser_login(pg, demo, "hub.admin", DEMO_PASSWORD)  # sees every page, the whole audit log
        for path in PAGES:
            pg.goto(demo.url + path)
            assert pg.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"], path
            pg.wait_for_function(DRAWN)
            width = pg.evaluate(PAGE_AND_SCREEN_WIDTH)
            if width[0] > width[1]:
                problems.append(f"{path}: {width[0]} px wide on a {width[1]} px screen")
            for v in axe.run(pg, options=WCAG).response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    problems.append(f"{path}: axe {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}")

        pg.goto(demo.url + "/statistics/country/NLD")
        pg.wait_for_function(DRAWN)
        texts = pg.evaluate(CHART_TEXTS)
        assert len(texts) > 10  # the charts are drawn, with their labels
        assert not [t["text"] for t in texts if not t["inside"]], "chart labels pushed out of the drawing"
        assert all(t["svg"] >= t["box"] - 2 for t in texts), "the chart lost width to its menu's margin"
        assert not [t["text"] for t in texts if "Project-Id-Version" in t["text"]]  # no catalogue header as a title
        assert pg.locator("details.chart-data > summary").first.inner_text() == "بيانات هذا الرسم البياني في جدول"
        assert pg.get_attribute(".chart", "data-actions-label") == "حفظ الرسم البياني صورةً"
        assert pg.locator(".chart .vega-actions a").first.text_content() == "حفظ بصيغة SVG"  # vega-embed's menu
        hint = pg.locator("p.hint").first.inner_text()  # "Data last changed on <date>, <time> UTC", Babel's ar
        assert any(month in hint for month in get_month_names("wide", locale="ar").values()), hint
        assert "، " in hint and "UTC" in hint, hint

        for path in ("/statistics/data?country=NLD&per_page=5&page=2", "/audit?per_page=2&page=2"):
            pg.goto(demo.url + path)
            prev, nxt = pg.evaluate(PAGER)
            assert nxt < prev, f"{path}: the pager is not mirrored (previous at {prev}, next at {nxt})"
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    assert not errors, errors

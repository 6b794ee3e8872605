"""Every page of the demo, in headless chromium at 390 px and at 1400 px: no sideways scroll, no serious or
critical axe-core violation of WCAG 2.1 A/AA, charts drawn, no script error (issue 19, "done when").

The pages are the app's own GET routes that answer with HTML (``tests.web.routes_helpers.app_rules``), so a
new page is covered without touching this file; path parameters get real ids from the demo database, the
first one the visitor may open. Each is visited by a visitor without an account and by users holding,
between them, the roles that change what a page shows (admin of the operator, data owner and analyst of a
police force, officer of an NGO; a viewer sees a subset of the analyst's controls). One browser, one
context per viewport; visitors change by logging out and in. About 25 pages per user.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import or_, select

from palermo.auth.models import User
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from tests.web.conftest import LiveServer, collect_errors, serve
from tests.web.routes_helpers import app_rules
from tests.web_helpers import PAGE_AND_SCREEN_WIDTH, browser_login

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1400, "height": 900}}
# between them the admin, data owner, analyst and officer roles, the operator, a police force and an NGO, and
# the least-privileged signed-in user (a viewer of the national rapporteur), who also meets the 403 pages
VISITORS = [None, "hub.admin", "nl.owner", "lastrada.worker", "viewer"]
# routes that are not pages: the JSON API and its framework UI, SDMX, the offline bundle
NOT_PAGES = ("/api/", "/sdmx/", "/docs/", "/identification/offline.json", "/identification/sw.js")
# query variants that show more of a page than its bare URL (an analysis, a route search, right to left)
VARIANTS = {"/statistics/estimates": ["?table={table_id}"],
            "/exchange/routes": ["?from=NG-NAPTIP&to=EUROPOL&category=hit_no_hit&purpose=investigation"],
            "/identification": ["?lang=ar"]}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-vega-spec]')].every(
    el => el.querySelector('svg') || el.textContent.startsWith('Chart failed'))"""


@dataclass
class Ids:
    """Real ids for the path parameters, those of the visitor's own organisation first."""

    db: Database
    org_id: int | None = None
    cache: dict[str, list[str]] = field(default_factory=dict)

    def candidates(self, path: str) -> list[str]:
        from palermo.coordination.models import Initiative
        from palermo.estimation.models import CaptureTable
        from palermo.exchange.models import Agreement, ExchangeRequest
        from palermo.identification.models import Referral, Screening
        from palermo.linkage.models import LinkHit
        from palermo.statistics.models import Observation

        mine = self.org_id or -1
        queries: dict[str, Any] = {
            "/statistics/country/{country}": select(Observation.country).distinct().order_by(Observation.country),
            "/statistics/estimates?table={table_id}": select(CaptureTable.reference).order_by(
                (CaptureTable.organisation_id != mine), CaptureTable.id),
            "/exchange/agreements/{reference}": select(Agreement.reference).order_by(Agreement.reference),
            "/exchange/requests/{reference}": select(ExchangeRequest.reference).order_by(
                ~or_(ExchangeRequest.requester_org_id == mine, ExchangeRequest.owner_org_id == mine),
                ExchangeRequest.reference),
            "/identification/screenings/{reference}": select(Screening.reference).order_by(
                ~or_(Screening.organisation_id == mine,
                     Screening.id.in_(select(Referral.screening_id).where(Referral.organisation_id == mine))),
                Screening.reference),
            "/linkage/hits/{reference}": select(LinkHit.reference).order_by(
                ~or_(LinkHit.org_a_id == mine, LinkHit.org_b_id == mine), LinkHit.reference),
            "/coordination/initiatives/{ref}": select(Initiative.ref).order_by(Initiative.ref),
        }
        if path not in queries:
            raise AssertionError(f"no demo ids for the path parameters of {path}: add a query here")
        key = f"{path}:{mine}"
        if key not in self.cache:
            with self.db.session(write=False) as s:
                self.cache[key] = [str(v) for v in s.execute(queries[path].limit(40)).scalars()]
        param = path[path.index("{"):path.index("}") + 1]
        return [path.replace(param, v) for v in self.cache[key]]


def page_paths() -> list[str]:
    """The app's GET routes that are pages, with their query variants."""
    paths = sorted({r.path for r in app_rules() if r.method == "GET" and not r.path.startswith(NOT_PAGES)})
    return [p for path in paths for p in (path, *(path + v for v in VARIANTS.get(path, [])))]


def test_the_page_list_comes_from_the_route_table() -> None:
    paths = page_paths()
    assert {"/statistics", "/statistics/country/{country}", "/linkage/hits/{reference}", "/admin",
            "/identification/handbooks", "/coordination/initiatives/{ref}"} <= set(paths)
    assert not [p for p in paths if p.startswith(("/api/", "/sdmx/"))]
    assert len(paths) >= 25


@pytest.fixture
def demo(sqlite_demo_db: Database, tmp_path: Any) -> Iterator[LiveServer]:
    from tests.conftest import EXTERNAL, make_settings

    yield from serve(make_settings(tmp_path, sqlite_demo_db, context_dir=EXTERNAL,
                                   login_attempts_per_minute=1000, login_attempts_per_client_per_minute=1000),
                     sqlite_demo_db)


def _org_of(db: Database, username: str) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(User.organisation_id).where(User.username == username)).scalar_one())


def _urls(server: LiveServer, context: Any, ids: Ids, refused: list[str] | None = None) -> list[str]:
    """Each page the visitor may open (HTML, 200), path parameters filled with the first id that opens;
    ``refused`` collects the pages without parameters that answer with the HTML 403 page."""
    urls = []
    for path in page_paths():
        for url in (ids.candidates(path) if "{" in path else [path]):
            r = context.request.get(server.url + url, max_redirects=0)
            html = r.headers.get("content-type", "").startswith("text/html")
            if r.status == 200 and html:
                urls.append(url)
                break
            if refused is not None and r.status == 403 and html and "{" not in path:
                refused.append(url)
    return urls


def _refused_by_the_rules(db: Database, username: str) -> set[str]:
    """The pages without parameters the rules table refuses to ``username`` (what must answer 403)."""
    from palermo.auth.accounts import principal_for
    from palermo.auth.permissions import allowed

    with db.session(write=False) as s:
        principal = principal_for(s.execute(select(User).where(User.username == username)).scalar_one())
    rules = {r.path: r.action for r in app_rules() if r.method == "GET"}
    return {p for p in page_paths() if "{" not in p and not allowed(principal, rules[p.split("?")[0]])}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_fits_the_screen_and_passes_axe(demo: LiveServer, browser: Any, viewport: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    size = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size, is_mobile=viewport == "phone")
    pg = context.new_page()
    errors = collect_errors(pg)
    problems: list[str] = []
    visited = 0
    try:
        for who in VISITORS:
            context.clear_cookies()
            if who:
                browser_login(pg, demo, who, DEMO_PASSWORD)
            ids = Ids(demo.db, _org_of(demo.db, who) if who else None)
            refused: list[str] = []
            urls = _urls(demo, context, ids, refused)
            assert len(urls) >= (4 if who is None else 15), f"{who}: only {urls}"
            if who == "viewer":  # the least-privileged user: refused exactly what the rules table refuses, on a page
                expected = _refused_by_the_rules(demo.db, who)
                assert expected and set(refused) == expected, f"viewer refused {sorted(refused)}, rules: {sorted(expected)}"
                urls += refused
            for url in urls:
                pg.goto(demo.url + url)
                pg.wait_for_function(CHARTS_DRAWN, timeout=20_000)
                visited += 1
                where = f"{who or 'visitor'} {viewport} {url}"
                width = pg.evaluate(PAGE_AND_SCREEN_WIDTH)
                if width[0] > width[1]:
                    problems.append(f"{where}: the page is {width[0]} px wide on a {width[1]} px screen")
                if pg.locator("text=Chart failed").count():
                    problems.append(f"{where}: a chart failed to draw")
                for v in axe.run(pg, options=WCAG).response["violations"]:
                    if v["impact"] in ("serious", "critical"):
                        targets = [n["target"] for n in v["nodes"][:3]]
                        problems.append(f"{where}: axe {v['id']} ({v['impact']}): {v['help']} at {targets}")
    finally:
        context.close()
    assert visited >= 50, f"only {visited} pages visited"
    assert not problems, "\n".join(problems)
    assert not errors, f"browser console errors (CSP violations or script errors): {errors}"


# ----------------------------------------------------------------------------- the defects named in issue 19
_BOXES = """() => { const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const svg = document.querySelector('#funnel svg');
  return {svg: box(svg), chart: box(document.querySelector('#funnel')),
          bars: [...svg.querySelectorAll('.mark-rect path')].map(box),
          legends: [...svg.querySelectorAll('.role-legend')].map(box), axes: [...svg.querySelectorAll('.role-axis')].map(box),
          summaries: [...document.querySelectorAll('summary')].map(s => s.textContent.trim() || s.getAttribute('aria-label') || '')}; }"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_country_profile_chart_draws_its_bars_on_a_phone(demo: LiveServer, browser: Any) -> None:
    """At 390 px the funnel showed no bars and its legend overlapped the axis; its menu had no name."""
    import json

    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True)
    pg = context.new_page()
    try:
        pg.goto(demo.url + "/statistics/country/NLD")
        pg.wait_for_selector("#funnel svg .mark-rect path")
        spec = json.loads(pg.get_attribute("#funnel", "data-vega-spec"))
        found = pg.evaluate(_BOXES)
    finally:
        context.close()
    assert len(found["bars"]) == len(spec["data"]["values"]) >= 3
    assert all(b[2] - b[0] >= 1 for b in found["bars"])  # every bar drawn, none of zero width
    widest = max(b[2] - b[0] for b in found["bars"])
    assert widest > 0.4 * (found["chart"][2] - found["chart"][0]), "the bars get a fair share of the width"
    assert found["svg"][2] <= found["chart"][2] + 1, "the chart fits its box"
    assert found["legends"] and found["axes"]
    assert not [(lg, ax) for lg in found["legends"] for ax in found["axes"] if _overlap(lg, ax)], "legend over an axis"
    assert all(found["summaries"]), "every <summary> has a name (axe: summary-name)"


def test_keyboard_reaches_the_content_and_scrolls_a_wide_table(demo: LiveServer, browser: Any) -> None:
    """The first Tab stop is a visible skip link to the content; a table wider than a phone scrolls by keyboard."""
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True)
    pg = context.new_page()
    try:
        pg.goto(demo.url + "/statistics")
        pg.keyboard.press("Tab")
        skip = pg.evaluate("() => { const a = document.activeElement, r = a.getBoundingClientRect();"
                           " return [a.className, a.getAttribute('href'), r.top >= 0 && r.height > 0,"
                           " getComputedStyle(a).outlineStyle]; }")
        assert skip[:3] == ["skip-link", "#main", True] and skip[3] != "none"
        pg.keyboard.press("Enter")
        assert pg.evaluate("document.activeElement.id") == "main"
        for _ in range(40):  # on to the source registry's box, which is wider than the phone
            pg.keyboard.press("Tab")
            if pg.evaluate("document.activeElement.classList.contains('table-scroll')"):
                break
        box = pg.evaluate("() => { const b = document.activeElement; return [b.getAttribute('aria-label'),"
                          " b.scrollWidth > b.clientWidth, getComputedStyle(b).outlineStyle]; }")
        assert box[0] == "Source registry" and box[1] and box[2] != "none"
        for _ in range(5):
            pg.keyboard.press("ArrowRight")
        pg.wait_for_function("document.activeElement.scrollLeft > 0", timeout=5_000)  # scrolled (smoothly)
        # a box whose table fits is no tab stop
        pg.set_viewport_size(VIEWPORTS["desktop"])
        pg.wait_for_timeout(200)
        fits = pg.evaluate("[...document.querySelectorAll('.table-scroll')].filter(b => b.scrollWidth <= b.clientWidth)"
                           ".map(b => b.getAttribute('tabindex'))")
        assert fits and all(t is None for t in fits)
    finally:
        context.close()

"""End to end in Debian's headless chromium: log in, see the four areas, log out."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD, LiveServer, Shots
from tests.web_helpers import browser_login

pytestmark = pytest.mark.browser


def test_login_home_areas_logout(live_server: LiveServer, page: tuple[object, Shots]) -> None:
    pg, shot = page
    pg.goto(live_server.url + "/")  # type: ignore[attr-defined]
    assert "/login" in pg.url  # type: ignore[attr-defined]
    shot("login")
    pg.fill("#username", "a-analyst")  # type: ignore[attr-defined]
    pg.fill("#password", "wrong password!")  # type: ignore[attr-defined]
    pg.click("#login")  # type: ignore[attr-defined]
    assert "wrong username or password" in pg.inner_text("[role=alert]")  # type: ignore[attr-defined]
    shot("login-refused")
    pg.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    pg.click("#login")  # type: ignore[attr-defined]
    pg.wait_for_selector("#area-statistics")  # type: ignore[attr-defined]
    areas = pg.locator(".area h2").all_inner_texts()  # type: ignore[attr-defined]
    assert areas == ["Statistics", "Linkage & exchange", "Coordination", "Identification"]
    assert "a-analyst" in pg.inner_text(".who")  # type: ignore[attr-defined]
    shot("home")
    pg.click("#logout")  # type: ignore[attr-defined]
    pg.wait_for_selector("#login")  # type: ignore[attr-defined]
    shot("logged-out")
    pg.goto(live_server.url + "/")  # type: ignore[attr-defined]
    assert "/login" in pg.url  # type: ignore[attr-defined]


@pytest.fixture
def demo_server(sqlite_demo_db, tmp_path):  # type: ignore[no-untyped-def]
    from tests.conftest import EXTERNAL, make_settings
    from tests.web.conftest import serve

    yield from serve(make_settings(tmp_path, sqlite_demo_db, context_dir=EXTERNAL), sqlite_demo_db)


PAGES = [("statistics", "/statistics", "#sources"), ("country-profile", "/statistics/country/NLD", "#funnel svg"),
         ("estimates", "/statistics/estimates", "h1"), ("linkage", "/linkage", "#hits"),
         ("agreements", "/exchange/agreements", "#agreement-graph svg"),
         ("routes", "/exchange/routes?from=NG-NAPTIP&to=EUROPOL&category=hit_no_hit&purpose=investigation", "#routes"),
         ("requests", "/exchange/requests", "h1"), ("coordination", "/coordination", "#activity-map svg"),
         ("liaison", "/coordination/liaison", "#liaison-map svg"), ("commitments", "/coordination/commitments", "h1"),
         ("identification-es", "/identification?lang=es", "#screening-form"), ("handbooks", "/identification/handbooks", "#overlap")]


def test_every_area_renders_with_its_charts(demo_server: LiveServer, page: tuple[object, Shots]) -> None:
    """Each section of the demo in a real browser under the strict CSP: charts drawn, no script error."""
    pg, shot = page
    browser_login(pg, demo_server, "nl.analyst", "palermo-demo-2000")
    for name, path, ready in PAGES:
        pg.goto(demo_server.url + path)  # type: ignore[attr-defined]
        pg.wait_for_selector(ready, timeout=20_000)  # type: ignore[attr-defined]
        shot(name)


def test_front_line_screening_on_a_phone(demo_server: LiveServer, browser: object) -> None:
    """An officer screens on a phone-sized screen, in French, without any name."""
    from tests.web.conftest import OUTPUT

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
    pg = context.new_page()
    shot = Shots(pg, OUTPUT / "test_front_line_screening_on_a_phone")
    try:
        browser_login(pg, demo_server, "gr.officer", "palermo-demo-2000")
        pg.goto(demo_server.url + "/identification?lang=fr")
        pg.fill("#age", "15")
        for iid in ("DEBT@destination", "EX-HOURS@exploitation", "EX-EDUCATION@exploitation"):
            pg.check(f"input[value='{iid}']")
        shot("form")
        pg.click("#screen")
        pg.wait_for_selector("#conclusion")
        assert pg.inner_text("#conclusion") == "traite indiquée"
        assert "protection de l'enfance" in pg.inner_text("#next-steps")
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the page is {width}px wide on a 390px phone"
        shot("result")
    finally:
        context.close()

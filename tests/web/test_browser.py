"""End to end in Debian's headless chromium: log in, see the four areas, log out."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD, LiveServer, Shots

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

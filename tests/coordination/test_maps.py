"""The coordination maps (issue 19): status and dates decide "active", maps fit every country with data,
legends never show NaN, and one liaison officer looks different from none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from palermo.auth.roles import Principal
from palermo.coordination import charts
from palermo.coordination.initiatives import InitiativeSpec, is_active, save_initiatives
from palermo.coordination.overview import overview
from palermo.db import Database
from tests.web.conftest import LiveServer, Shots, serve
from tests.web_helpers import browser_login

SYSTEM = Principal.system()
ON = date(2026, 12, 1)


@pytest.mark.parametrize("status, start, end, active", [
    ("active", date(2026, 1, 1), date(2027, 1, 1), True),
    ("planned", date(2027, 1, 1), date(2028, 12, 31), False),   # DEMO-SEN-01 on 2026-12-01
    ("planned", date(2026, 1, 1), date(2028, 12, 31), False),   # start passed, nobody said it started
    ("completed", date(2026, 1, 1), date(2027, 1, 1), False),   # closed early
    ("suspended", None, None, False),
    ("active", date(2027, 1, 1), None, False),                  # not started yet
    ("active", None, date(2026, 11, 30), False),                # ended
    ("active", None, None, True),
])
def test_status_and_dates_decide_active(status: str, start: date | None, end: date | None, active: bool) -> None:
    assert is_active(SimpleNamespace(status=status, start=start, end=end), ON) is active  # type: ignore[arg-type]


def test_the_map_is_of_today_by_default(db: Database) -> None:
    today = date.today()
    specs = [InitiativeSpec("NOW", "Under way", [("IOM", "implementing")], themes=["awareness"], countries=["NER"],
                            start=today - timedelta(days=10), end=today + timedelta(days=10)),
             InitiativeSpec("SOON", "Planned", [("IOM", "implementing")], themes=["safe_migration"], countries=["SEN"],
                            status="planned", start=today + timedelta(days=31), end=today + timedelta(days=400)),
             InitiativeSpec("DONE", "Closed early", [("ICRC", "implementing")], themes=["victim_assistance"],
                            countries=["LBY", "NER"], status="completed", start=today - timedelta(days=100),
                            end=today + timedelta(days=100))]
    with db.session() as s:
        save_initiatives(s, SYSTEM, specs)
    with db.session(write=False) as s:
        ov = overview(s, SYSTEM)
        assert ov.on == today
        assert [(r["country"], r["initiatives"]) for r in ov.matrix()] == [("NER", ["NOW"])]
        assert ov.active_by_country() == {"NER": 1}


def test_a_country_with_two_themes_counts_its_initiative_once() -> None:
    two = SimpleNamespace(ref="X", status="active", start=None, end=None, countries=["NGA"],
                          themes=["legislation", "coordination"], participants=[])
    from palermo.coordination.analysis import active_by_country, matrix

    assert len(matrix([two], ON)) == 2 and active_by_country([two], ON) == {"NGA": 1}  # type: ignore[list-item]


def test_map_specs_have_a_legend_only_with_data_and_a_scale_from_zero() -> None:
    empty = charts.choropleth({}, "Initiatives", "initiatives", empty="none on this date")
    assert "legends" not in empty and empty["title"]["subtitle"] == "none on this date"
    assert empty["data"][0]["values"] == []
    one = charts.choropleth({"SEN": 1, "LBY": 2, "XXX": 5}, "Officers", "officers", "purples")
    [scale] = one["scales"]
    assert scale["domain"] == [0, 2]  # from zero: 1 is half-way, not the bottom of the scale; unknown XXX dropped
    assert scale["range"]["extent"][0] >= 0.3  # the lightest colour used is clearly coloured
    assert {r["iso3"] for r in one["data"][0]["values"]} == {"SEN", "LBY"}
    assert "scale" not in one["projections"][0] and "fit" in one["projections"][0]  # zoom fitted, not fixed


# ----------------------------------------------------------------------------- in a real browser
@pytest.fixture
def demo_server(sqlite_demo_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    from tests.conftest import make_settings

    yield from serve(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)


def _login(pg: object, server: LiveServer) -> None:
    browser_login(pg, server, "icat.coordinator", "palermo-demo-2000")  # analyst and admin: with the second factor


_BOXES = """sel => { const svg = document.querySelector(sel + ' svg'); const r = svg.getBoundingClientRect();
  const items = [...svg.querySelectorAll('.with_data path')].map(p => { const b = p.getBoundingClientRect();
    return {label: p.getAttribute('aria-label'), fill: p.getAttribute('fill'),
            inside: b.left >= r.left - 1 && b.right <= r.right + 1 && b.top >= r.top - 1 && b.bottom <= r.bottom + 1}; });
  return {items, text: svg.textContent}; }"""


@pytest.mark.browser
def test_maps_in_the_browser(demo_server: LiveServer, page: tuple[object, Shots]) -> None:
    pg, shot = page
    _login(pg, demo_server)
    pg.goto(demo_server.url + "/coordination")  # type: ignore[attr-defined]
    pg.wait_for_selector("#activity-map svg .with_data path", timeout=20_000)  # type: ignore[attr-defined]
    shot("coordination")
    found = pg.evaluate(_BOXES, "#activity-map")  # type: ignore[attr-defined]
    labels = {i["label"].split(":")[0]: i for i in found["items"]}
    assert {"NLD", "ITA", "ESP", "LBY", "NGA", "NER"} <= set(labels), labels
    assert all(i["inside"] for i in found["items"]), found["items"]  # nothing cropped, the Netherlands included
    assert "NaN" not in found["text"]

    pg.goto(demo_server.url + "/coordination?on=2030-01-01")  # type: ignore[attr-defined]
    pg.wait_for_selector("#activity-map svg", timeout=20_000)  # type: ignore[attr-defined]
    shot("coordination-2030")
    later = pg.evaluate(_BOXES, "#activity-map")  # type: ignore[attr-defined]
    assert later["items"] == [] and "NaN" not in later["text"] and "no initiative under way" in later["text"]

    pg.goto(demo_server.url + "/coordination/liaison")  # type: ignore[attr-defined]
    pg.wait_for_selector("#liaison-map svg .with_data path", timeout=20_000)  # type: ignore[attr-defined]
    shot("liaison")
    officers = {i["label"]: i["fill"] for i in pg.evaluate(_BOXES, "#liaison-map")["items"]}  # type: ignore[attr-defined]
    one = officers["SEN: 1"]
    assert one.lower() != charts.NO_DATA and _lightness(one) < 0.85 and one != officers["LBY: 2"]


def _lightness(colour: str) -> float:
    """Relative lightness 0-1 of an SVG fill written as #rrggbb or rgb(r, g, b)."""
    if colour.startswith("#"):
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    else:
        rgb = [int(float(x)) for x in colour[colour.index("(") + 1:-1].split(",")[:3]]
    return sum(rgb) / (3 * 255)


@pytest.mark.browser
def test_money_flows_and_reached_map_draw_under_the_csp(demo_server: LiveServer, page: tuple[object, Shots]) -> None:
    pg, shot = page
    _login(pg, demo_server)
    pg.goto(demo_server.url + "/coordination/money")  # type: ignore[attr-defined]
    pg.wait_for_selector("#flows-eur svg .bands path", timeout=20_000)  # type: ignore[attr-defined]
    shot("money")
    bands = pg.eval_on_selector_all("#flows-eur svg .bands path", "els => els.map(e => e.getAttribute('aria-label'))")  # type: ignore[attr-defined]
    assert "European Commission (DG INTPA) to International Organization for Migration: 16,500,000" in bands
    pg.goto(demo_server.url + "/coordination")  # type: ignore[attr-defined]
    pg.wait_for_selector("#reached-map svg .with_data path", timeout=20_000)  # type: ignore[attr-defined]
    reached = {i["label"] for i in pg.evaluate(_BOXES, "#reached-map")["items"]}  # type: ignore[attr-defined]
    assert reached == {"ITA: 82", "NGA: 76"}, reached  # ITA 1650 of 2000; NGA (1120 + 95) of (1200 + 400)
    pg.goto(demo_server.url + "/coordination/initiatives/DEMO-NGA-02")  # type: ignore[attr-defined]
    pg.wait_for_selector("#progress table", timeout=20_000)  # type: ignore[attr-defined]
    shot("initiative")

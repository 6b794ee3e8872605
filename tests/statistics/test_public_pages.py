"""Public statistics without a login: the registry, country profiles with the hidden figure, the data
explorer and downloads, all under disclosure control; the owner's analysts still see true values; pages
follow the data version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.statistics.exports import EXPORT_FORMATS
from palermo.statistics.models import Observation, Source
from palermo.statistics.publication import set_public
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

PASSWORD = "palermo-demo-2000"


@pytest.fixture
def visitor(sqlite_demo_db: Database, tmp_path: Path) -> TestClient:
    with sqlite_demo_db.session() as s:  # one source internal: it must not show anywhere below
        set_public(s, Principal.system(), "nl-ngo-assisted", False)
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    c.follow_redirects = False
    return c


def small_organ_values(db: Database, country: str) -> set[int]:
    with db.session(write=False) as s:
        return {int(v) for v in s.execute(select(Observation.value).where(Observation.country == country,
                                                                          Observation.exploitation == "organs")).scalars()}


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'<td class="num">(.*?)</td>', html, re.S)]


def test_a_visitor_sees_the_public_registry_without_logging_in(visitor: TestClient) -> None:
    r = visitor.get("/statistics")
    assert r.status_code == 200 and "Log in" in r.text and "Log out" not in r.text
    assert "nl-police-detected" in r.text and "nl-ngo-assisted" not in r.text
    assert "Data last changed on" in r.text and r.headers["last-modified"].endswith("GMT")
    assert 'href="/admin"' not in r.text and "/statistics/estimates" not in r.text  # only the public part is offered


def test_the_public_profile_shows_the_hidden_figure_and_no_small_count(visitor: TestClient, sqlite_demo_db: Database) -> None:
    r = visitor.get("/statistics/country/NLD")
    assert r.status_code == 200
    estimate = re.search(r'id="estimate">(.*?)</section>', r.text, re.S)
    assert estimate and "estimated total" in estimate.group(1) and "multiple systems estimation" in estimate.group(1)
    assert "nl-ngo-assisted" not in r.text
    data = visitor.get("/statistics/data", params={"country": "NLD", "per_page": "500"})
    assert data.status_code == 200 and "nl-ngo-assisted" not in data.text
    organs = [row for row in re.findall(r"<tr>(.*?)</tr>", data.text, re.S) if "<td>organs</td>" in row]
    assert organs and all('title="suppressed"' in row for row in organs)
    shown = {c for c in cells(data.text) if c.replace(",", "").replace(".0", "").isdigit()}
    assert not {str(v) for v in small_organ_values(sqlite_demo_db, "NLD")} & {c.replace(".0", "") for c in shown}


def test_an_analyst_of_the_owner_still_sees_true_values(visitor: TestClient) -> None:
    visitor.follow_redirects = True
    login(visitor, "nl.analyst", PASSWORD)
    data = visitor.get("/statistics/data", params={"country": "NLD", "source": "nl-police-detected", "breakdown": "exploitation",
                                                  "per_page": "500"})
    organs = [row for row in re.findall(r"<tr>(.*?)</tr>", data.text, re.S) if "<td>organs</td>" in row]
    assert "internal view" in data.text and organs and not any('title="suppressed"' in row for row in organs)
    assert data.headers["cache-control"] == "private, no-store"


def test_explorer_filters_sorts_pages_and_offers_every_download(visitor: TestClient) -> None:
    r = visitor.get("/statistics/data", params={"country": "ITA", "indicator": "victims", "year": "2023", "sort": "-value",
                                               "per_page": "5"})
    assert r.status_code == 200
    values = [float(c.replace(",", "")) for c in cells(r.text) if c.replace(",", "").replace(".", "").isdigit()]
    assert values == sorted(values, reverse=True) and len(cells(r.text)) == 5
    assert re.search(r"\d+ observations; page 1 of \d+", r.text) and 'rel="next"' in r.text
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', r.text.split('id="downloads"')[1].split("</p>")[0]))
    # every export format, and the SDMX API's SDMX-ML, SDMX-CSV, labelled SDMX-CSV, SDMX-JSON and JSON-stat
    assert len(links) == len(EXPORT_FORMATS) + 5 and "JSON-stat (API)" in links.values()
    for href in links:
        got = visitor.get(href.replace("&amp;", "&"))
        assert got.status_code == 200, (href, got.text[:200])
        assert b"nl-ngo-assisted" not in got.content and b"ITA" in got.content
    bad = visitor.get("/statistics/data", params={"sort": "colour", "page": "0"})
    assert bad.status_code == 422 and "cannot sort by this" in bad.text and "page must be" in bad.text


def test_pages_follow_the_data_version(visitor: TestClient, sqlite_demo_db: Database) -> None:
    first = visitor.get("/statistics")
    etag = first.headers["etag"]
    assert visitor.get("/statistics", headers={"If-None-Match": etag}).status_code == 304
    with sqlite_demo_db.session() as s:
        set_public(s, Principal.system(), "nl-police-detected", False)
    again = visitor.get("/statistics", headers={"If-None-Match": etag})
    assert again.status_code == 200 and "nl-police-detected" not in again.text and again.headers["etag"] != etag
    profile = visitor.get("/statistics/country/NLD")
    assert "nl-police-detected" not in profile.text
    with sqlite_demo_db.session(write=False) as s:
        assert not s.execute(select(Source.public).where(Source.key == "nl-police-detected")).scalar()


def test_the_hidden_figure_follows_the_disclosure_rules(db: Database) -> None:
    from palermo.statistics.hidden_figure import hidden_figure
    from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations

    system = Principal.system()
    with db.session() as s:
        record_observations(s, system, SourceSpec("mse", "MSE estimate", "estimate", "estimated", "persons", "national",
                                                  method="MSE", notes="Multiple systems estimation. Lists used (3)."),
                            [ObservationSpec("victims", "DOM", "2022", value=410, lower=300, upper=650, flags={"estimated"})])
        record_observations(s, system, SourceSpec("ident", "Identified", "police", "identified", "persons", "national"),
                            [ObservationSpec("victims", "DOM", "2022", value=3)])
        set_public(s, system, "ident", True)
    with db.session(write=False) as s:
        public = hidden_figure(s, Principal.anonymous(), "dom")
        internal = hidden_figure(s, system, "DOM")
    assert public is not None and internal is not None
    assert (public.lower, public.upper, public.method) == (300, 650, "multiple systems estimation (capture-recapture over linked lists)")
    assert public.identified is None and "identified" not in public.text  # 3 is below the threshold: not shown
    assert internal.identified == 3 and internal.text.startswith("3 identified; estimated total 300 – 650")
    with db.session() as s:
        set_public(s, system, "mse", False)
    with db.session(write=False) as s:
        assert hidden_figure(s, Principal.anonymous(), "DOM") is None

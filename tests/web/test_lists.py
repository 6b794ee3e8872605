"""Long lists on the web pages (issue 19, item 3): hits, requests, the audit log, initiatives and the data
explorer come in pages with search and sorting done by the core, page controls a screen reader can use,
links that keep the reader's choices, a clear message for a bad parameter, and counts of visible rows only."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.exchange.requests import file_request
from palermo.linkage.hits import hits_for
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

ROW = re.compile(r'<tr id="hit-([^"]+)">')


def _client(db: Database, tmp_path: Path, user: str) -> TestClient:
    c = client_for(make_settings(tmp_path, db), db)
    login(c, user, DEMO_PASSWORD)
    return c


def _pager(html: str, label: str) -> str:
    m = re.search(rf'<nav class="pager" aria-label="{label}">(.*?)</nav>', html, re.DOTALL)
    assert m, f"no page controls labelled {label!r}"
    return unescape(m.group(1))


def test_the_hit_list_comes_in_pages_with_accessible_controls_that_keep_the_search(
        sqlite_demo_db: Database, tmp_path: Path) -> None:
    """The reported defect: 108 hits on one page with no search, sort or paging."""
    with sqlite_demo_db.session(write=False) as s:
        every = hits_for(s, accounts.principal_for(accounts.get_user(s, "europol.analyst")))
    c = _client(sqlite_demo_db, tmp_path, "europol.analyst")
    first = c.get("/linkage").text
    assert len(ROW.findall(first)) == 50 < len(every)
    assert f"Hits for your records ({len(every)})" in first and f"1–50 of {len(every)} hits" in first
    nav = _pager(first, "Pages of hits")
    assert 'aria-current="page"' in nav and 'rel="next"' in nav and 'rel="prev"' not in nav
    second = c.get("/linkage?page=2").text
    assert set(ROW.findall(second)).isdisjoint(ROW.findall(first))
    assert 'rel="prev"' in _pager(second, "Pages of hits")
    # a search narrows the list in the database; its page and sort links keep the search
    agency = every[0].other_agency
    found = c.get(f"/linkage?q={agency}&sort=record").text
    assert len(ROW.findall(found)) == min(50, sum(h.other_agency == agency for h in every))
    links = re.findall(r'href="\?([^"#]*)', found)
    assert links and all(f"q={agency}" in unescape(x) for x in links)
    assert 'aria-sort="ascending"' in found  # the sorted column says so


def test_a_hit_row_says_when_its_record_was_already_requested(sqlite_demo_db: Database, tmp_path: Path) -> None:
    with sqlite_demo_db.session() as s:
        officer = accounts.principal_for(accounts.get_user(s, "es.officer"))
        hit = next(h for h in hits_for(s, officer) if h.may_request and h.other_agency == "EUROPOL")
        req = file_request(s, officer, owner_org_id=accounts.get_organisation(s, "EUROPOL").id, category=hit.category,
                           purpose="investigation", justification="case ES-10", case_reference="ES-10",
                           data_wanted="identity", match_reference=hit.reference)
    c = _client(sqlite_demo_db, tmp_path, "es.officer")
    page = c.get("/linkage?follow_up=requested").text
    assert ROW.findall(page) == [hit.reference]
    row = page[page.index(f'<tr id="hit-{hit.reference}">'):]
    row = row[:row.index("</tr>")]
    assert f'<a href="/exchange/requests/{req.reference}">already requested</a>' in row
    assert "Request the record" not in row  # not offered twice while the first is open
    assert hit.reference not in ROW.findall(c.get("/linkage?follow_up=none&per_page=200").text)


@pytest.mark.parametrize("path, bad", [
    ("/linkage", "sort=password"), ("/linkage", "follow_up=maybe"), ("/linkage", "page=0"),
    ("/exchange/requests", "sort=justification"), ("/exchange/requests", "box=everyone"),
    ("/audit", "sort=hash"), ("/audit", "per_page=100000"),
    ("/coordination", "sort=budget"), ("/coordination", "status=secret"),
    ("/statistics/data", "sort=true_value"),
])
def test_a_bad_list_parameter_gets_a_clear_message_not_a_server_error(
        sqlite_demo_db: Database, tmp_path: Path, path: str, bad: str) -> None:
    c = _client(sqlite_demo_db, tmp_path, "nl.admin")
    r = c.get(f"{path}?{bad}")
    name, _, value = bad.partition("=")
    assert r.status_code == 422, (path, bad, r.status_code)
    text = unescape(r.text)
    assert f"'{value}'"[:21] in text and name in text and ("use one of" in text or "whole number" in text)


def test_the_audit_log_pages_count_only_the_readers_own_entries(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = _client(sqlite_demo_db, tmp_path, "nl.analyst")
    with sqlite_demo_db.session(write=False) as s:
        org = accounts.get_organisation(s, "NL-POL").id
        own = s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.organisation_id == org)).scalar_one()
        every = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert own < every
    assert own > 2
    page = unescape(c.get("/audit?per_page=2").text)
    m = re.search(r"1–2 of ([\d,]+) entries", page)
    assert m and int(m.group(1).replace(",", "")) == own
    assert len(re.findall(r"<tr><td>\d+</td>", page)) == 2
    assert 'aria-label="Pages of the audit log"' in page
    # the action filter is kept in the page links
    logins = unescape(c.get("/audit?action=session.&per_page=1").text)
    assert all("action=session." in x for x in re.findall(r'href="\?([^"]*)"', logins))


def test_the_requests_list_has_an_inbox_and_an_outbox_in_pages(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = _client(sqlite_demo_db, tmp_path, "europol.owner")
    inbox = unescape(c.get("/exchange/requests?box=received").text)
    rows = re.findall(r"<tr><td><a href=\"/exchange/requests/(req-[0-9a-f]+)\">.*?</td><td>([^<]+)</td><td>([^<]+)</td>",
                      inbox)
    assert rows and all("EUROPOL" in to and "EUROPOL" not in frm for _, frm, to in rows)
    outbox = unescape(c.get("/exchange/requests?box=sent").text)
    assert not {r for r, _, _ in rows} & set(re.findall(r"/exchange/requests/(req-[0-9a-f]+)", outbox))
    overdue = unescape(c.get("/exchange/requests?status=overdue").text)
    listed = re.findall(r"<tr><td><a href=\"/exchange/requests/(req-[0-9a-f]+)\">", overdue)
    assert listed and overdue.count('badge bad">overdue') == len(listed)


def test_the_initiatives_list_keeps_the_date_in_its_links(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = _client(sqlite_demo_db, tmp_path, "nl.analyst")
    page = unescape(c.get("/coordination?on=2026-06-01&per_page=5&page=2").text)
    nav = _pager(page, "Pages of initiatives")
    assert 'aria-current="page"' in nav and 'rel="prev"' in nav
    assert all("on=2026-06-01" in x and "per_page=5" in x for x in re.findall(r'href="\?([^"]*)"', nav))
    section = page[page.index('id="initiatives"'):]
    assert len(re.findall(r'<tr><td><a href="/coordination/initiatives/', section)) == 5
    found = unescape(c.get("/coordination?q=GLO.ACT").text)
    section = found[found.index('id="initiatives"'):]
    assert re.findall(r'<tr><td><a href="/coordination/initiatives/([^"]+)"', section) == ["DEMO-NGA-01"]


def test_the_data_explorer_keeps_the_public_view_on_every_page(sqlite_demo_db: Database, tmp_path: Path) -> None:
    """Before, the pager's links dropped ``public=true``: page 2 of the public view showed internal values."""
    c = _client(sqlite_demo_db, tmp_path, "nl.analyst")
    internal = unescape(c.get("/statistics/data?per_page=20").text)
    public_link = re.search(r'<a href="\?([^"]*)">public view</a>', internal)
    assert public_link and "public=true" in public_link.group(1) and "per_page=20" in public_link.group(1)
    public = unescape(c.get("/statistics/data?public=true&per_page=20").text)
    nav = _pager(public, "Pages of observations")
    assert 'rel="next"' in nav and all("public=true" in x for x in re.findall(r'href="\?([^"]*)"', nav))
    second = c.get("/statistics/data?public=true&per_page=20&page=2").text
    assert "public view: cells below the threshold suppressed" in second and "internal view" not in second

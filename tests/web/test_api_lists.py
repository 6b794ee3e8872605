"""The API's long lists (hits, follow-up requests) paged, sorted and filtered as the web's, through
``palermo/listing.py``: a page never holds another organisation's rows, and the totals count only the
caller's own (a total that counted every agency's hits would tell one agency how much the others found)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, or_, select

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.exchange.models import ExchangeRequest
from palermo.linkage.models import LinkHit
from tests.conftest import make_settings
from tests.web_helpers import client_for

USERS = ("nl.owner", "europol.analyst")


def _auth(db: Database, username: str) -> tuple[dict[str, str], int]:
    with db.session() as s:
        user = accounts.get_user(s, username)
        token = accounts.issue_token(s, Principal.system(), user, "t").token
        return {"Authorization": f"Bearer {token}"}, user.organisation_id


def _all_pages(c: object, url: str, auth: dict[str, str], **params: str) -> tuple[list[dict], set[int]]:
    rows: list[dict] = []
    totals = set()
    page = 1
    while True:
        r = c.get(url, headers=auth, params={**params, "per_page": "3", "page": str(page)})  # type: ignore[attr-defined]
        assert r.status_code == 200, r.text
        totals.add(int(r.headers["X-Total-Count"]))
        body = r.json()
        rows += body if isinstance(body, list) else body["items"]
        if 'rel="next"' not in r.headers.get("Link", ""):
            assert int(r.headers["X-Page"]) == int(r.headers["X-Pages"])
            return rows, totals
        page += 1


def test_hit_pages_hold_only_the_organisations_hits_and_count_only_them(demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, demo_db), demo_db)
    with demo_db.session(write=False) as s:
        everyone = s.execute(select(func.count()).select_from(LinkHit)).scalar_one()
    for user in USERS:
        auth, org = _auth(demo_db, user)
        with demo_db.session(write=False) as s:
            mine = set(s.execute(select(LinkHit.reference).where(or_(LinkHit.org_a_id == org, LinkHit.org_b_id == org)))
                       .scalars())
            open_mine = s.execute(select(func.count()).select_from(LinkHit).where(
                or_(LinkHit.org_a_id == org, LinkHit.org_b_id == org), LinkHit.status == "open")).scalar_one()
        assert 3 < len(mine) < everyone  # several pages, and other agencies' hits exist
        rows, totals = _all_pages(c, "/api/v1/linkage/hits", auth)
        refs = [h["reference"] for h in rows]
        assert totals == {len(mine)} and len(refs) == len(set(refs)) and set(refs) == mine
        scores = [h["score"] for h in rows]
        assert scores == sorted(scores, reverse=True)  # best first, as before paging
        rows, totals = _all_pages(c, "/api/v1/linkage/hits", auth, status="open", sort="reference")
        assert totals == {open_mine} and {h["reference"] for h in rows} <= mine
        assert [h["reference"] for h in rows] == sorted(h["reference"] for h in rows)
        # without parameters: the first page, a list as before, and the headers say how many there are in all
        first = c.get("/api/v1/linkage/hits", headers=auth)
        assert isinstance(first.json(), list) and first.headers["X-Total-Count"] == str(len(mine))


def test_request_pages_hold_only_the_organisations_requests(demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, demo_db), demo_db)
    with demo_db.session(write=False) as s:
        everyone = s.execute(select(func.count()).select_from(ExchangeRequest)).scalar_one()
    auth, org = _auth(demo_db, "nl.owner")
    with demo_db.session(write=False) as s:
        rows_db = list(s.execute(select(ExchangeRequest.reference, ExchangeRequest.requester_org_id).where(
            or_(ExchangeRequest.requester_org_id == org, ExchangeRequest.owner_org_id == org))).all())
    mine, sent = {r for r, _ in rows_db}, {r for r, who in rows_db if who == org}
    assert 0 < len(mine) < everyone
    rows, totals = _all_pages(c, "/api/v1/exchange/requests", auth)
    assert totals == {len(mine)} and sorted(r["reference"] for r in rows) == sorted(mine)
    rows, totals = _all_pages(c, "/api/v1/exchange/requests", auth, box="sent")
    assert totals == {len(sent)} and {r["reference"] for r in rows} == sent
    body = c.get("/api/v1/exchange/requests", headers=auth).json()  # the shape before paging is kept
    assert {r["reference"] for r in body["sent"]} | {r["reference"] for r in body["received"]} == \
        {r["reference"] for r in body["items"]} and "dashboard" in body and body["total"] == len(mine)


def test_a_bad_list_parameter_is_a_422_naming_it(demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, demo_db), demo_db)
    auth, _ = _auth(demo_db, "nl.owner")
    r = c.get("/api/v1/linkage/hits", headers=auth, params={"sort": "secret_column", "per_page": "100000"})
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["details"]["problems"]}
    assert {"query.sort", "query.per_page"} <= fields and set(r.json()) == {"error", "message", "details"}

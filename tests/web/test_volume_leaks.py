"""No identifier or counter tells one agency how much another did (the platform's first rule: a reader
never learns more than it may see, and the activity volume of another agency is a count it may not see).

Each test has two agencies: B acts a known number of times between two looks of A, and A's view before
and after must not let it work out that number.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from palermo.auth import accounts, audit
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD
from tests.web_helpers import client_for, csrf, login

B_ACTS = 25


def _b_acts(db: Database, times: int = B_ACTS) -> None:
    with db.session() as s:
        b = Principal(None, "b-analyst", accounts.get_organisation(s, "B").id, frozenset({"analyst"}))
        for i in range(times):
            audit.record(s, b, "b.read", "t", i)


def _as(db: Database, tmp_path: Path, username: str) -> TestClient:
    c = client_for(make_settings(tmp_path, db), db)
    login(c, username, PASSWORD)
    return c


def test_an_agency_reads_its_audit_entries_numbered_among_its_own(world: Database, tmp_path: Path) -> None:
    """The global seq of A's entries before and after B's 25 would jump by 25: A gets its own numbers
    instead, consecutive, in the API and the page, and no chain hash (which would give the seq back)."""
    a = _as(world, tmp_path, "a-analyst")
    before = a.get("/api/v1/audit").json()
    _b_acts(world)
    a.get("/api/v1/audit/verify")  # any write of A's will do; a second login writes one
    a = _as(world, tmp_path, "a-analyst")
    after = a.get("/api/v1/audit").json()
    numbers = [e["number"] for e in reversed(after)]
    assert numbers == list(range(1, len(after) + 1)) and len(after) > len(before)
    assert {e["scope"] for e in after} == {"organisation"} and all(e["hash"] is None for e in after)
    assert all("seq" not in e for e in after)
    page = a.get("/audit?sort=number").text
    assert re.findall(r"<tr><td>(\d+)</td>", page) == [str(n) for n in numbers]
    assert "<th>Hash</th>" not in page and "numbered among your organisation" in page
    sorted_down = a.get("/audit?sort=-number").text
    assert re.findall(r"<tr><td>(\d+)</td>", sorted_down) == [str(n) for n in reversed(numbers)]


def test_the_hub_operator_reads_the_chain_with_its_numbers_and_hashes(world: Database, tmp_path: Path) -> None:
    _b_acts(world, 3)
    hub = _as(world, tmp_path, "hub-admin")
    rows = hub.get("/api/v1/audit", params={"limit": 1000}).json()
    with world.session(write=False) as s:
        length = audit.head_seq(s)
    assert [e["number"] for e in rows] == list(range(length, 0, -1)) and {e["scope"] for e in rows} == {"chain"}
    assert all(len(e["hash"]) == 64 for e in rows)
    assert "<th>Hash</th>" in hub.get("/audit").text


def test_a_visitors_etag_does_not_count_the_platforms_writes(world: Database, tmp_path: Path) -> None:
    """The public pages' and SDMX answers' ETag was the audit chain's length: polled by anyone, it counted
    every agency's writes. It is now an unguessable digest that only changes."""
    visitor = client_for(make_settings(tmp_path, world), world)
    first = visitor.get("/statistics").headers["etag"]
    sdmx = visitor.get("/sdmx/rest/dataflow").headers.get("etag")
    _b_acts(world)
    second = visitor.get("/statistics").headers["etag"]
    assert first != second
    for tag in (first, second, sdmx):
        assert tag and re.fullmatch(r'(W/)?"[0-9a-f]{24}"', tag), tag
    assert visitor.get("/statistics", headers={"If-None-Match": second}).status_code == 304


def test_an_admin_lists_its_users_without_row_ids(world: Database, tmp_path: Path) -> None:
    """User ids counted every organisation's accounts (B's five new staff between two of A's would show as
    a gap of five); users are named by username, so the API gives no id."""
    a = _as(world, tmp_path, "a-admin")
    with world.session() as s:
        for n in range(5):
            accounts.create_user(s, Principal.system(), username=f"b-new-{n}", password=PASSWORD, organisation="B",
                                 roles="viewer")
    made = a.post("/api/v1/users", json={"username": "a-new", "password": PASSWORD, "organisation": "A",
                                         "roles": ["viewer"]}, headers={"X-CSRF-Token": csrf(a)})
    assert made.status_code == 201 and "id" not in made.json()
    listed = a.get("/api/v1/users").json()
    assert {u["username"] for u in listed} >= {"a-admin", "a-new"} and all("id" not in u for u in listed)


def test_an_agencys_audit_names_its_sources_by_key_not_by_row_id(world: Database) -> None:
    """Source row ids counted every organisation's sources, non-public ones included: A's two imports
    around B's three private ones would be named 3 apart in A's own audit entries."""
    with world.session() as s:
        a_org, b_org = (accounts.get_organisation(s, x).id for x in ("A", "B"))
        a = Principal(None, "a-analyst", a_org, frozenset({"analyst"}))
        b = Principal(None, "b-analyst", b_org, frozenset({"analyst"}))

        def add(who: Principal, key: str, owner: int) -> None:
            record_observations(s, who, SourceSpec(key, key, "police", "detected", "persons", "national", owner_org_id=owner),
                                [ObservationSpec("victims", "NLD", "2023", value=40.0)])

        add(a, "a-first", a_org)
        for n in range(3):
            add(b, f"b-private-{n}", b_org)
        add(a, "a-second", a_org)
    with world.session(write=False) as s:
        named = [e.object_id for e in audit.entries(s, a, action="stats.") if e.object_type == "stat_source"]
    assert sorted(named) == ["a-first@1", "a-second@1"]


def test_an_agencys_audit_names_users_by_username_not_by_row_id(world: Database, tmp_path: Path) -> None:
    """A's logins were audited as "user 7", "user 12": user ids count every organisation's accounts."""
    _as(world, tmp_path, "a-analyst")
    a = _as(world, tmp_path, "a-admin")
    users = [e for e in a.get("/api/v1/audit").json() if e["object_type"] == "user"]
    assert {e["object_id"] for e in users if e["action"] == "session.login"} == {"a-analyst", "a-admin"}
    assert not any(e["object_id"].isdigit() for e in users)


def test_an_admin_names_its_api_tokens_by_reference_not_by_row_id(world: Database, tmp_path: Path) -> None:
    """Token ids counted every organisation's tokens: A's two tokens around B's 25 would be numbered 26 apart
    in the API, the admin page's revoke forms and A's own audit entries. Tokens are named by random reference."""
    a = _as(world, tmp_path, "a-admin")
    token = {"X-CSRF-Token": csrf(a)}
    with world.session() as s:
        accounts.issue_token(s, Principal.system(), accounts.get_user(s, "a-analyst"), "first")
    before = a.get("/api/v1/users/a-analyst/tokens").json()
    with world.session() as s:
        for n in range(B_ACTS):
            accounts.issue_token(s, Principal.system(), accounts.get_user(s, "b-admin"), f"b-{n}")
        accounts.issue_token(s, Principal.system(), accounts.get_user(s, "a-analyst"), "second")
    after = a.get("/api/v1/users/a-analyst/tokens").json()
    assert after[0] == before[0] and [t["name"] for t in after] == ["first", "second"]
    assert all(set(t) == {"reference", "name", "prefix", "created_at", "revoked"} for t in after)
    assert all(re.fullmatch(r"tok-[0-9a-f]{12}", t["reference"]) for t in after)
    page = a.get("/admin").text
    assert sorted(re.findall(r'action="/admin/tokens/([^/"]+)/revoke"', page)) == sorted(t["reference"] for t in after)
    second = after[1]["reference"]
    assert a.post(f"/api/v1/tokens/{second}/revoke", headers=token).json()["revoked"] is True
    issued = [e["object_id"] for e in a.get("/api/v1/audit").json() if e["object_type"] == "api_token"]
    assert issued and set(issued) <= {t["reference"] for t in after}
    # B's token is not found by A, and is named the same way as one that does not exist
    with world.session(write=False) as s:
        b_ref = accounts.user_tokens(s, Principal.system(), "b-admin")[0].reference
    missing = a.post("/api/v1/tokens/tok-000000000000/revoke", headers=token)
    refused = a.post(f"/api/v1/tokens/{b_ref}/revoke", headers=token)
    assert missing.status_code == refused.status_code == 404
    assert refused.json()["message"].replace(b_ref, "X") == missing.json()["message"].replace("tok-000000000000", "X")

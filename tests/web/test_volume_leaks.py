"""No identifier or counter tells one agency how much another did (the platform's first rule: a reader
never learns more than it may see, and the activity volume of another agency is a count it may not see).

Each test has two agencies: B acts a known number of times between two looks of A, and A's view before
and after must not let it work out that number.
"""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import accounts, audit
from palermo.auth.roles import Principal
from palermo.coordination.actors import resolve_actor
from palermo.coordination.liaison import PostingSpec, add_posting, add_report
from palermo.db import Database
from palermo.demo.linkage import DEMO_SECRET
from palermo.linkage.encoding import Encoder
from palermo.linkage.hub import submit
from palermo.linkage.models import LinkRun, LinkUpload
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from palermo.settings import Settings
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD
from tests.web_helpers import client_for, csrf, csrf_of, ensure_second_factor, login

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


def _session_cookie(client: TestClient) -> dict[str, object]:
    """The session cookie as its holder can read it: signed, not encrypted (Starlette's base64 JSON)."""
    data = client.cookies["palermo_session"].split(".")[0]
    return dict(json.loads(base64.b64decode(data + "=" * (-len(data) % 4))))


def test_a_session_cookie_names_its_user_without_a_row_id(world: Database, tmp_path: Path) -> None:
    """The cookie carried the user id: a new colleague's cookie, read in the browser, told A how many accounts
    every organisation had opened since A's own. It carries the username; a second factor's pending login too."""
    a = _as(world, tmp_path, "a-analyst")
    first = _session_cookie(a)
    with world.session() as s:
        for n in range(5):
            accounts.create_user(s, Principal.system(), username=f"b-staff-{n}", password=PASSWORD, organisation="B",
                                 roles="viewer")
        accounts.create_user(s, Principal.system(), username="a-new", password=PASSWORD, organisation="A", roles="viewer")
    second = _session_cookie(_as(world, tmp_path, "a-new"))
    assert first["user"] == "a-analyst" and second["user"] == "a-new"
    for cookie in (first, second):
        # the only whole number left is the user's session version, which counts that user's own logouts
        assert "uid" not in cookie and {k for k, v in cookie.items() if isinstance(v, int) and not isinstance(v, bool)} <= {"sv"}
    assert set(first) == set(second)
    pending = client_for(make_settings(tmp_path, world), world)  # an admin past the password, before the code
    ensure_second_factor(world, pending.app.state.settings.resolved_secret_key, "a-admin")  # type: ignore[attr-defined]
    pending.post("/login", data={"username": "a-admin", "password": PASSWORD, "csrf_token": csrf_of(pending)},
                 follow_redirects=False)
    half = _session_cookie(pending)["pending"]
    assert isinstance(half, dict) and half["user"] == "a-admin" and "uid" not in half
    assert a.get("/api/v1/me").json()["username"] == "a-analyst"  # and the session still opens


def test_a_reader_names_liaison_reports_by_reference_not_by_row_id(world: Database, tmp_path: Path) -> None:
    """Reports restricted to their sending agency are not everyone's to see: the ids of the ones A reads,
    around B's 25 restricted ones, were 26 apart. Reports (and the duplicates found among them) are named by
    reference, in the API and in A's audit entries."""
    with world.session() as s:
        a_org, b_org = (accounts.get_organisation(s, x) for x in ("A", "B"))
        for org in (a_org, b_org):
            resolve_actor(s, Principal.system(), org.name).organisation_id = org.id
        add_posting(s, Principal.system(), PostingSpec("A-1", "NLD", a_org.name, "LBY", date(2024, 1, 1)))
        add_posting(s, Principal.system(), PostingSpec("B-1", "ITA", b_org.name, "LBY", date(2024, 1, 1)))
        a_officer = accounts.principal_for(accounts.get_user(s, "a-officer"))
        b_officer = accounts.principal_for(accounts.get_user(s, "b-officer"))
        add_report(s, a_officer, "A-1", event_date=date(2025, 5, 2), event_place="Zuwara port", title="Boats leaving Zuwara")
        for n in range(B_ACTS):
            add_report(s, b_officer, "B-1", event_date=date(2025, 1, 1), event_place="Tripoli", title=f"Informant {n}",
                       sharing_level="restricted")
        add_report(s, b_officer, "B-1", event_date=date(2025, 5, 3), event_place="Zuwara", title="Boats leaving Zuwara port")
    a = _as(world, tmp_path, "a-officer")
    liaison = a.get("/api/v1/coordination/liaison").json()
    seen = {r["reference"] for r in liaison["reports"]}
    assert len(seen) == 2 and all(re.fullmatch(r"lrp-[0-9a-f]{12}", r) for r in seen)
    assert all("id" not in r for r in liaison["reports"])
    assert [set(d["reports"]) for d in liaison["duplicate_reports"]] == [seen]
    audit_of_a = _as(world, tmp_path, "a-analyst").get("/api/v1/audit").json()
    filed = [e["object_id"] for e in audit_of_a if e["action"] == "coord.liaison.report"]
    assert len(filed) == 1 and filed[0] in seen


def test_an_agencys_match_runs_name_no_other_agencys_upload_or_run(demo_db: Database) -> None:
    """A's match-run and notification entries carried the hub's run id and the ids of the other agencies'
    uploads its list was compared with: both count every agency's uploads. They name A's upload by reference
    and count the lists compared."""
    lists, _ = agency_lists({"ES": 60, "EU": 60}, overlap=0.5, noise=0.03, seed=7)

    def upload(s: Session, agency: str, username: str) -> str:
        ds = Encoder(DEFAULT_SCHEMA, DEMO_SECRET).encode(lists[agency], label=agency)
        ds.meta["hub"] = "palermo-hub"
        buf = io.BytesIO()
        ds.write(buf)  # type: ignore[arg-type]
        return submit(s, accounts.principal_for(accounts.get_user(s, username)), buf.getvalue(), label=f"list {agency}",
                      purpose="investigation", list_kind="suspects", settings=Settings()).upload.reference

    with demo_db.session() as s:
        for _ in range(3):
            upload(s, "EU", "europol.analyst")
        mine = upload(s, "ES", "es.officer")
        spain = accounts.principal_for(accounts.get_user(s, "es.officer"))
        ours = [e for e in audit.entries(s, spain, action="link.", limit=1000) if e.actor == "es.officer"]
        hidden = {str(i) for i in s.scalars(select(LinkUpload.id))} | {str(i) for i in s.scalars(select(LinkRun.id))}
    run = next(e for e in ours if e.action == "link.match_run")
    assert run.object_id == mine and json.loads(run.details)["compared"] >= 1
    notices = [json.loads(e.details) for e in ours if e.action == "link.notify"]
    assert notices and all(n["upload"] == mine and "run" not in n for n in notices)
    for e in ours:
        values = json.loads(e.details).values()
        assert not any(isinstance(v, list) and {str(x) for x in v} & hidden for v in values), e

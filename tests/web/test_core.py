"""The web shell and core JSON API: login, CSRF, tokens, organisation isolation, clear errors."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from palermo.auth import accounts, audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD
from tests.web_helpers import client_for, csrf, csrf_of, login


def test_pages_need_login_and_login_reaches_home(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    r = c.get("/admin")
    assert r.url.path == "/login" and r.url.params["next"] == "/admin"
    login(c, "a-admin", PASSWORD)
    home = c.get("/")
    for label in ("Statistics", "Linkage &amp; exchange", "Coordination", "Identification"):
        assert label in home.text
    assert c.get("/admin").status_code == 200


def test_wrong_password_and_missing_csrf_are_refused(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    token = csrf_of(c)
    r = c.post("/login", data={"username": "a-admin", "password": "nope-nope-nope", "csrf_token": token})
    assert r.status_code == 401 and "wrong username or password" in r.text
    r = c.post("/login", data={"username": "a-admin", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/login", data={"username": "a-admin", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    assert c.get("/").url.path == "/login"


def test_admin_adds_user_through_form_only_with_csrf(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    login(c, "a-admin", PASSWORD)
    form = {"username": "a-new", "password": "long-enough-pw", "organisation": "A", "roles": ["officer"]}
    assert c.post("/admin/users", data=form).status_code == 403
    r = c.post("/admin/users", data={**form, "csrf_token": csrf(c)})
    assert r.status_code == 200 and "User a-new added" in r.text
    r = c.post("/admin/users", data={**form, "csrf_token": csrf(c)})
    assert r.status_code == 409 and "already exists" in r.text
    r = c.post("/admin/users", data={**form, "username": "b-new", "organisation": "B", "csrf_token": csrf(c)})
    assert r.status_code == 403
    with world.session(write=False) as s:
        names = {u.username for u in accounts.list_users(s, Principal.system())}
    assert "a-new" in names and "b-new" not in names


def test_api_token_auth_and_json_errors(world: Database, tmp_path: Path) -> None:
    with world.session() as s:
        token = accounts.issue_token(s, Principal.system(), accounts.get_user(s, "a-admin"), "test").token
    c = client_for(make_settings(tmp_path, world), world)
    r = c.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["error"] == "authentication_failed"
    r = c.get("/api/v1/me", headers={"Authorization": "Bearer plm_wrong"})
    assert r.status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/v1/me", headers=auth).json()["username"] == "a-admin"
    r = c.post("/api/v1/users", headers=auth, json={"username": "x y", "password": "short", "organisation": "A",
                                                     "roles": ["wizard"]})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation" and {p["field"] for p in body["details"]["problems"]} == {"body.username", "body.password",
                                                                                         "body.roles.0"}
    r = c.post("/api/v1/users", headers=auth, json={"username": "z", "password": "x" * 12, "organisation": "NOPE",
                                                     "roles": ["viewer"]})
    assert r.status_code == 404 and "no organisation 'NOPE'" in r.json()["message"]
    r = c.post("/api/v1/users", headers=auth, json={"username": 5})
    assert r.status_code == 422 and r.json()["error"] == "validation"


def test_session_api_writes_need_csrf_header(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    login(c, "a-admin", PASSWORD)
    body = {"username": "a-api", "password": "x" * 12, "organisation": "A", "roles": ["viewer"]}
    assert c.post("/api/v1/users", json=body).status_code == 403
    assert c.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf(c)}).status_code == 201


def test_organisation_a_cannot_see_organisation_b(world: Database, tmp_path: Path) -> None:
    """Users and audit entries of B are invisible to A, in the API and in the UI."""
    c = client_for(make_settings(tmp_path, world), world)
    login(c, "a-admin", PASSWORD)
    users = {u["username"] for u in c.get("/api/v1/users").json()}
    assert users == {"a-admin", "a-analyst", "a-officer", "a-viewer"}
    page = c.get("/admin").text
    assert "a-officer" in page and "b-officer" not in page
    c2 = client_for(make_settings(tmp_path, world), world)
    login(c2, "b-admin", PASSWORD)
    audit_b = c2.get("/api/v1/audit").json()
    assert audit_b and all(e["actor"] != "a-admin" for e in audit_b)
    assert "a-admin" not in c2.get("/audit").text


def test_audit_verification_counts_only_what_the_reader_may_see(world: Database, tmp_path: Path) -> None:
    """An agency's analyst learns that the whole chain is intact and how many of its own entries were verified,
    never the length of the chain (how much every other agency did), in the page or the API."""
    with world.session() as s:  # B does a lot: 25 entries A must not be able to count
        b = Principal(None, "b-analyst", accounts.get_organisation(s, "B").id, frozenset({"analyst"}))
        for i in range(25):
            audit.record(s, b, "b.read", "t", i)
    c = client_for(make_settings(tmp_path, world), world)
    login(c, "a-analyst", PASSWORD)
    with world.session(write=False) as s:
        total = audit.verify(s, Principal.system()).entries
        org_a = accounts.get_organisation(s, "A").id
        own = s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.organisation_id == org_a)).scalar_one()
    assert total > own + 25
    body = c.get("/api/v1/audit/verify").json()
    assert body["ok"] is True and body["scope"] == "organisation" and body["entries"] == own
    page = c.get("/audit").text
    assert f"your organisation&#39;s {own} entries verified" in page and "intact" in page
    assert f"{total} entries" not in page and f"{total}" not in body["message"]
    hub = client_for(make_settings(tmp_path, world), world)
    login(hub, "hub-admin", PASSWORD)
    whole = hub.get("/api/v1/audit/verify").json()
    assert whole["scope"] == "chain" and whole["entries"] >= total
    assert f"{whole['entries']} entries verified" in hub.get("/audit").text


def test_viewer_is_refused_admin_pages(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    login(c, "a-viewer", PASSWORD)
    assert c.get("/admin").status_code == 403
    assert c.get("/api/v1/users").status_code == 403
    assert c.get("/api/v1/audit").status_code == 403


def test_security_headers_and_cookie_flags(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    r = c.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    secure = client_for(make_settings(tmp_path, world, secure_cookies=True), world)
    assert "secure" in secure.get("/login").headers["set-cookie"].lower()


def test_login_is_throttled(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world, login_attempts_per_minute=3), world)
    token = csrf_of(c)
    for _ in range(3):
        assert c.post("/login", data={"username": "a-admin", "password": "bad-bad-bad", "csrf_token": token}).status_code == 401
    r = c.post("/login", data={"username": "a-admin", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "too many failed logins" in r.text


def test_session_expires(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world, session_max_age=1), world)
    login(c, "a-admin", PASSWORD)
    import time

    time.sleep(1.2)
    assert c.get("/").url.path == "/login"


def test_openapi_document_is_served(world: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, world), world)
    doc = c.get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in doc["paths"] and "/api/v1/audit/verify" in doc["paths"]


def test_out_of_range_numbers_are_bad_input_not_crashes(world: Database, tmp_path: Path) -> None:
    """Regression (found by schemathesis): a huge offset overflowed SQLite's INTEGER and gave a 500."""
    c = client_for(make_settings(tmp_path, world), world)
    login(c, "a-admin", PASSWORD)
    r = c.get("/api/v1/audit", params={"offset": 10**20})
    assert r.status_code == 422 and r.json()["error"] == "validation"
    assert c.get("/api/v1/audit", params={"limit": 0}).status_code == 422

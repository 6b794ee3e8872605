"""Sessions that end: logout, a new password, deactivation and "sign out everywhere" end every session.

Also the web login throttle (probe 1: username variants, X-Forwarded-For) and token/account
administration on the web and in the API (probe 5)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.web.app import create_app
from tests.conftest import make_settings
from tests.web.conftest import PASSWORD
from tests.web_helpers import client_for, csrf, csrf_of, login

OBSERVATION = {"source": {"key": "after-logout", "name": "x", "source_type": "police", "stage": "detected",
                          "counting_unit": "persons", "legal_definition": "x"},
               "observations": [{"indicator": "victims", "country": "NLD", "period": "2022", "value": 3}]}


def _saved_cookie(c: TestClient) -> str:
    return str(c.cookies.get("palermo_session"))


def _replay(settings_db: tuple[object, Database], cookie: str) -> TestClient:
    settings, db = settings_db
    other = client_for(settings, db)  # type: ignore[arg-type]
    other.cookies.set("palermo_session", cookie)
    return other


def test_a_cookie_saved_before_logout_opens_nothing_afterwards(world: Database, tmp_path: Path) -> None:
    # Probe 2: the cookie still read /audit and wrote observations after POST /logout.
    settings = make_settings(tmp_path, world)
    c = client_for(settings, world)
    login(c, "a-admin", PASSWORD)
    saved, token = _saved_cookie(c), csrf(c)
    assert _replay((settings, world), saved).get("/audit").url.path == "/audit"
    c.post("/logout", data={"csrf_token": token})
    replay = _replay((settings, world), saved)
    assert replay.get("/audit").url.path == "/login"
    r = replay.post("/api/v1/statistics/observations", json=OBSERVATION, headers={"X-CSRF-Token": token})
    assert r.status_code == 401
    with world.session(write=False) as s:
        from sqlalchemy import select

        from palermo.statistics.models import Source

        assert s.execute(select(Source).where(Source.key == "after-logout")).first() is None


def test_logout_ends_the_users_other_sessions_too(world: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, world)
    laptop, phone = client_for(settings, world), client_for(settings, world)
    login(laptop, "a-analyst", PASSWORD)
    login(phone, "a-analyst", PASSWORD)
    laptop.post("/logout", data={"csrf_token": csrf(laptop)})
    assert phone.get("/").url.path == "/login"


def test_password_change_deactivation_and_sign_out_everywhere_end_sessions(world: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, world)
    for action in ("password", "deactivate", "everywhere"):
        user = f"a-{ {'password': 'analyst', 'deactivate': 'officer', 'everywhere': 'viewer'}[action] }"
        c = client_for(settings, world)
        login(c, user, PASSWORD)
        assert c.get("/").url.path == "/"
        with world.session() as s:
            admin = accounts.principal_for(accounts.get_user(s, "a-admin"))
            target = accounts.get_user(s, user)
            if action == "password":
                accounts.change_password(s, admin, target, "a-new-password-2")
            elif action == "deactivate":
                accounts.deactivate_user(s, admin, user)
            else:
                accounts.end_sessions(s, admin, target)
        assert c.get("/").url.path == "/login", action


def test_web_login_throttle_cannot_be_walked_around(world: Database, tmp_path: Path) -> None:
    # Probe 1: variants with spaces (40 tries, no 429) and a new X-Forwarded-For per try (30 x 401).
    c = client_for(make_settings(tmp_path, world, login_attempts_per_minute=5), world)
    token = csrf_of(c)
    codes = [c.post("/login", data={"username": " " * i + "a-officer", "password": "wrong-password",
                                    "csrf_token": token}).status_code for i in range(8)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    codes = [c.post("/login", data={"username": "b-admin", "password": "wrong-password", "csrf_token": token},
                    headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(8)]
    assert set(codes[5:]) == {429}
    r = c.post("/login", data={"username": "a-officer", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429


def test_x_forwarded_for_counts_only_behind_a_declared_proxy(world: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, world, login_attempts_per_minute=100, login_attempts_per_client_per_minute=3,
                             trusted_proxies="10.1.0.0/16")
    app = create_app(settings, world)
    proxied = TestClient(app, client=("10.1.2.3", 4000))
    token = csrf_of(proxied)
    for i in range(3):
        proxied.post("/login", data={"username": f"nobody{i}", "password": "wrong-password", "csrf_token": token},
                     headers={"X-Forwarded-For": "203.0.113.5"})
    blocked = proxied.post("/login", data={"username": "a-admin", "password": PASSWORD, "csrf_token": token},
                           headers={"X-Forwarded-For": "203.0.113.5"})
    assert blocked.status_code == 429
    # Another client behind the same proxy is not blocked; a client cannot pose as it by prepending.
    ok = proxied.post("/login", data={"username": "a-analyst", "password": PASSWORD, "csrf_token": token},
                      headers={"X-Forwarded-For": "203.0.113.5, 198.51.100.20"})  # no second factor to give
    assert ok.status_code == 200 and "Log out" in ok.text


def test_admins_revoke_tokens_deactivate_and_unlock_in_the_api_and_on_the_web(world: Database, tmp_path: Path) -> None:
    # Probe 5: tokens could not be revoked nor users deactivated.
    settings = make_settings(tmp_path, world, login_attempts_per_minute=2)
    with world.session() as s:
        sysp = Principal.system()
        officer_token = accounts.issue_token(s, sysp, accounts.get_user(s, "a-officer"), "scanner")
        admin_token = accounts.issue_token(s, sysp, accounts.get_user(s, "a-admin"), "ops").token
        b_admin_token = accounts.issue_token(s, sysp, accounts.get_user(s, "b-admin"), "ops").token
    api = client_for(settings, world)
    as_admin, as_b = {"Authorization": f"Bearer {admin_token}"}, {"Authorization": f"Bearer {b_admin_token}"}
    officer = {"Authorization": f"Bearer {officer_token.token}"}
    listed = api.get("/api/v1/users/a-officer/tokens", headers=as_admin).json()
    assert [t["name"] for t in listed] == ["scanner"] and "token" not in listed[0]
    assert api.get("/api/v1/users/a-officer/tokens", headers=as_b).status_code == 404
    assert api.post(f"/api/v1/tokens/{officer_token.record.reference}/revoke", headers=as_b).status_code == 404
    assert api.get("/api/v1/me", headers=officer).status_code == 200
    assert api.post(f"/api/v1/tokens/{officer_token.record.reference}/revoke", headers=as_admin).json()["revoked"] is True
    assert api.get("/api/v1/me", headers=officer).status_code == 401
    # Deactivation through the API: the viewer's session ends, logins are refused.
    viewer = client_for(settings, world)
    login(viewer, "a-viewer", PASSWORD)
    assert api.post("/api/v1/users/a-viewer/deactivate", headers=as_b).status_code == 404
    assert api.post("/api/v1/users/a-viewer/deactivate", headers=as_admin).json()["active"] is False
    assert viewer.get("/").url.path == "/login"
    # Lock-out lifted on the web by the organisation's admin.
    token = csrf_of(viewer)
    for _ in range(3):
        viewer.post("/login", data={"username": "a-analyst", "password": "wrong-password", "csrf_token": token})
    web_admin = client_for(settings, world)
    login(web_admin, "a-admin", PASSWORD)
    page = web_admin.get("/admin").text
    assert "locked after failed logins" in page and "/admin/users/a-analyst/unlock" in page
    web_admin.post("/admin/users/a-analyst/unlock", data={"csrf_token": csrf(web_admin)})
    login(client_for(settings, world), "a-analyst", PASSWORD)
    web_admin.post("/admin/users/a-analyst/sessions/end", data={"csrf_token": csrf(web_admin)})
    r = web_admin.post("/admin/users/a-officer/deactivate", data={"csrf_token": csrf(web_admin)})
    assert "a-officer deactivated" in r.text

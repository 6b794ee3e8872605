"""The second factor on the web: enrolment forced after the password, the code step, recovery, the ``next`` URL."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlsplit

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from palermo.auth import accounts, audit, mfa
from palermo.auth.models import TotpCredential
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.settings import Settings
from tests.web.conftest import PASSWORD
from tests.web_helpers import CSRF_RE, client_for, csrf, csrf_of, fresh_code, login, totp_secret

SECRET_RE = re.compile(r'<code id="mfa-secret">([A-Z2-7 ]+)</code>')


def _password(c: TestClient, username: str, next_url: str = "/"):  # type: ignore[no-untyped-def]
    return c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(c),
                                  "next": next_url})


def _token(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match
    return match.group(1)


def _actions(db: Database, prefix: str) -> list[str]:
    with db.session(write=False) as s:
        return [e.action for e in audit.entries(s, Principal.system(), action=prefix)]


def test_an_admin_without_a_second_factor_sets_one_up_before_anything_else(settings: Settings, world: Database) -> None:
    c = client_for(settings, world)
    r = _password(c, "a-admin", "/audit?action=user.")
    assert r.url.path == "/account/security" and 'id="mfa-required"' in r.text
    # The key in text for typing, and the QR code as inline SVG (no image URL, no script: inside the CSP).
    assert "<svg" in r.text and "<img" not in r.text and "data:image" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"] and r.headers["cache-control"] == "no-store"
    secret = SECRET_RE.search(r.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    token = _token(r.text)
    # Nothing else opens: pages lead back to the enrolment, the API answers 401, the admin page too.
    for path in ("/", "/admin", "/audit", "/linkage"):
        page = c.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/account/security", path
    assert "Log out" not in c.get("/statistics/data").text  # published figures: as to any visitor
    assert c.get("/api/v1/me").status_code == 401
    wrong = c.post("/account/security/enrol", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 401 and "not right" in wrong.text
    assert SECRET_RE.search(wrong.text).group(1).replace(" ", "") == secret  # type: ignore[union-attr]  # same key
    done = c.post("/account/security/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    assert done.status_code == 200 and len(codes) == mfa.RECOVERY_CODES
    # The login completes and goes where it was headed, query string included.
    link = re.search(r'href="([^"]+)" id="continue"', done.text).group(1)  # type: ignore[union-attr]
    assert html.unescape(link) == "/audit?action=user."
    assert "Log out" in c.get(html.unescape(link)).text and c.get("/api/v1/me").json()["username"] == "a-admin"
    assert _actions(world, "mfa.") == ["mfa.enrol"] and _actions(world, "session.mfa_failed") == ["session.mfa_failed"]


def test_an_enrolled_account_gives_its_code_after_the_password_once_per_step(settings: Settings, world: Database) -> None:
    login(client_for(settings, world), "a-admin", PASSWORD)  # enrols a-admin with the helpers' known secret
    c = client_for(settings, world)
    r = _password(c, "a-admin", "/admin")
    assert r.url.path == "/login/second-factor" and c.get("/", follow_redirects=False).headers["location"] == \
        "/login/second-factor"
    code = fresh_code(world, "a-admin")
    ok = c.post("/login/second-factor", data={"code": code, "csrf_token": _token(r.text)})
    assert ok.url.path == "/admin" and "Log out" in ok.text
    # The same code in another browser: refused (replay), although the password is right.
    other = client_for(settings, world)
    r2 = _password(other, "a-admin")
    replay = other.post("/login/second-factor", data={"code": code, "csrf_token": _token(r2.text)})
    assert replay.status_code == 401 and "not right" in replay.text and other.get("/api/v1/me").status_code == 401
    with world.session(write=False) as s:
        logins = [e for e in audit.entries(s, Principal.system(), action="session.login")
                  if e.action == "session.login"]
    assert '"second_factor":"totp"' in logins[0].details.replace(" ", "")


def test_wrong_codes_lock_the_account_like_wrong_passwords(settings: Settings, world: Database) -> None:
    login(client_for(settings, world), "a-admin", PASSWORD)
    c = client_for(settings, world)
    token = _token(_password(c, "a-admin").text)
    statuses = [c.post("/login/second-factor", data={"code": "123456", "csrf_token": token}).status_code
                for _ in range(settings.login_attempts_per_minute + 1)]
    assert statuses == [401] * settings.login_attempts_per_minute + [429]
    # Locked: the right password no longer even reaches the code step.
    assert _password(client_for(settings, world), "a-admin").status_code == 429


def test_a_recovery_code_logs_in_once(settings: Settings, world: Database) -> None:
    c = client_for(settings, world)
    r = _password(c, "b-admin")
    secret = SECRET_RE.search(r.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    done = c.post("/account/security/enrol", data={"code": pyotp.TOTP(secret).now(), "csrf_token": _token(r.text)})
    code = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)[0]
    for attempt in (1, 2):
        c2 = client_for(settings, world)
        r2 = c2.post("/login/second-factor", data={"code": code, "csrf_token": _token(_password(c2, "b-admin").text)})
        assert (r2.status_code, "Log out" in r2.text) == ((200, True) if attempt == 1 else (401, False))
    assert _actions(world, "mfa.recovery_used") == ["mfa.recovery_used"]


def test_others_may_set_up_a_second_factor_and_turn_it_off(settings: Settings, world: Database) -> None:
    c = client_for(settings, world)
    login(c, "a-analyst", PASSWORD)  # no code asked: optional for analysts
    page = c.get("/account/security")
    assert "Optional for your account" in page.text and 'id="mfa-required"' not in page.text
    secret = SECRET_RE.search(page.text).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert "Recovery codes" in c.post("/account/security/enrol", data={"code": pyotp.TOTP(secret).now(),
                                                                      "csrf_token": csrf(c)}).text
    assert "Log out" in c.get("/").text  # the session goes on
    c2 = client_for(settings, world)
    assert _password(c2, "a-analyst").url.path == "/login/second-factor"  # from now on every login asks
    wrong = c.post("/account/security/disable", data={"code": "000000", "csrf_token": csrf(c)})
    assert wrong.status_code == 401 and _actions(world, "mfa.disable") == []
    step = int(time.time() // mfa.STEP_SECONDS) + 1  # the enrolment used the present step
    off = c.post("/account/security/disable", data={"code": pyotp.TOTP(secret).generate_otp(step), "csrf_token": csrf(c)})
    assert off.url.path == "/account/security" and "Second factor removed" in off.text
    assert "Log out" in _password(client_for(settings, world), "a-analyst").text


def test_an_admin_cannot_turn_it_off_and_another_admin_resets_it(settings: Settings, world: Database) -> None:
    c = client_for(settings, world)
    login(c, "a-admin", PASSWORD)
    assert "cannot be turned off" in c.get("/account/security").text
    r = c.post("/account/security/disable", data={"code": fresh_code(world, "a-admin"), "csrf_token": csrf(c)})
    assert r.status_code == 403 and "requires a second factor" in r.text
    hub = client_for(settings, world)
    login(hub, "hub-admin", PASSWORD)
    assert "Reset second factor" in hub.get("/admin").text
    reset = hub.post("/admin/users/a-admin/mfa/reset", data={"csrf_token": csrf(hub)})
    assert "Second factor of a-admin reset" in reset.text
    assert c.get("/", follow_redirects=False).status_code == 303  # its sessions ended
    assert _password(client_for(settings, world), "a-admin").url.path == "/account/security"  # set up again


def test_a_role_that_requires_it_ends_a_session_opened_without_it(settings: Settings, world: Database) -> None:
    c = client_for(settings, world)
    login(c, "a-analyst", PASSWORD)
    with world.session() as s:
        accounts.get_user(s, "a-analyst").roles = "admin,analyst"
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_api_tokens_need_no_second_factor(settings: Settings, world: Database) -> None:
    with world.session() as s:
        token = accounts.issue_token(s, Principal.system(), accounts.get_user(s, "a-admin"), "robot").token
    r = TestClient(client_for(settings, world).app).get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["username"] == "a-admin"


def test_the_login_helper_enrols_with_its_known_secret(settings: Settings, world: Database) -> None:
    login(client_for(settings, world), "b-admin", PASSWORD)  # enrolled through the core, then a code given
    with world.session() as s:
        user = accounts.get_user(s, "b-admin")
        last = s.execute(select(TotpCredential.last_step).where(TotpCredential.user_id == user.id)).scalar_one()
        code = pyotp.TOTP(totp_secret("b-admin")).generate_otp(last + 1)
        assert mfa.verify(s, user, code, settings.resolved_secret_key, now=(last + 1) * mfa.STEP_SECONDS) == "totp"


# ---------------------------------------------------------------- issue 19: the login keeps the whole next URL
def test_logging_in_from_a_page_with_a_query_comes_back_to_it(settings: Settings, world: Database) -> None:
    c = client_for(settings, world)
    page = c.get("/statistics/data?public=true")  # public: the visitor sees a "Log in" link
    link = html.unescape(re.search(r'href="(/login\?next=[^"]+)" id="login"', page.text).group(1))  # type: ignore[union-attr]
    assert parse_qs(urlsplit(link).query)["next"] == ["/statistics/data?public=true"]
    form = c.get(link)
    assert 'name="next" value="/statistics/data?public=true"' in html.unescape(form.text)
    r = c.post("/login", data={"username": "a-analyst", "password": PASSWORD, "csrf_token": _token(form.text),
                               "next": "/statistics/data?public=true"}, follow_redirects=False)
    assert r.headers["location"] == "/statistics/data?public=true"
    # A protected page with a query: the redirect to the login keeps all of it.
    anon = client_for(settings, world).get("/audit?action=session.&x=1", follow_redirects=False)
    assert parse_qs(urlsplit(anon.headers["location"]).query)["next"] == ["/audit?action=session.&x=1"]


OFF_SITE = ["//evil.example/x", "/\\evil.example", "https://evil.example/", "\\\\evil.example", "/\t/evil.example",
            "javascript:alert(1)", "evil.example", "/x\n", " /x"]


def test_the_next_url_never_leaves_the_site(settings: Settings, world: Database) -> None:
    c = client_for(settings, world)
    for target in OFF_SITE:
        form = c.get("/login", params={"next": target})
        assert 'name="next" value="/"' in form.text, target
        r = c.post("/login", data={"username": "a-analyst", "password": PASSWORD, "csrf_token": _token(form.text),
                                   "next": target}, follow_redirects=False)
        assert r.headers["location"] == "/", target

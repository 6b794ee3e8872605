"""Helpers for driving the web app in-process (FastAPI TestClient), the second factor included."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from palermo.auth import accounts, mfa
from palermo.auth.models import TotpCredential
from palermo.db import Database
from palermo.settings import Settings
from palermo.web.app import create_app

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
# The page's width against the layout viewport's: not window.innerWidth, which a phone browser widens to a
# page that does not fit (it zooms out), so an overflowing page would seem to fit.
PAGE_AND_SCREEN_WIDTH = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def client_for(settings: Settings, db: Database) -> TestClient:
    return TestClient(create_app(settings, db), follow_redirects=True)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = CSRF_RE.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def totp_secret(username: str) -> str:
    """The authenticator secret the test helpers enrol ``username`` with (known, so they can make codes)."""
    return base64.b32encode(hashlib.sha256(f"palermo-test-totp:{username.lower()}".encode()).digest()[:20]).decode()


def fresh_code(db: Database, username: str) -> str:
    """A TOTP code of ``username`` that the server accepts now: of a time step after the last one used
    (a code is accepted once), within one step of the clock; waits for the next step when all are used."""
    while True:
        with db.session(write=False) as s:
            user = accounts.get_user(s, username)
            last = s.query(TotpCredential.last_step).filter(TotpCredential.user_id == user.id).scalar() or 0
        now = time.time()
        step_now = int(now // mfa.STEP_SECONDS)
        # The previous step only while it cannot fall out of the window before the server checks it.
        lowest = step_now - 1 if mfa.STEP_SECONDS - now % mfa.STEP_SECONDS > 5 else step_now
        step = max(lowest, last + 1)
        if step <= step_now + 1:
            return pyotp.TOTP(totp_secret(username)).generate_otp(step)
        time.sleep(mfa.STEP_SECONDS - now % mfa.STEP_SECONDS + 0.2)


def ensure_second_factor(db: Database, key: str, username: str) -> bool:
    """Enrol ``username`` through the core with :func:`totp_secret` when its role requires a second factor
    and it has none yet (as the user would on the enrolment page); True if logging in will ask for a code."""
    with db.session() as s:
        user = accounts.find_user(s, username)
        if user is None:
            return False
        if mfa.is_enrolled(s, user):
            return True
        if not mfa.required(user.role_set):
            return False
        mfa.start_enrolment(s, user, key, secret=totp_secret(user.username))
    code = fresh_code(db, username)
    with db.session() as s:
        user = accounts.get_user(s, username)
        mfa.confirm_enrolment(s, accounts.principal_for(user), user, code, key)
    return True


def login(client: TestClient, username: str, password: str) -> None:
    """Log in through the real form, with the second factor when the account has or needs one;
    fails the test if the login is refused."""
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    key = client.app.state.settings.resolved_secret_key  # type: ignore[attr-defined]
    needs_code = ensure_second_factor(db, key, username)
    token = csrf_of(client)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"})
    if needs_code and r.url.path == "/login/second-factor":
        match = CSRF_RE.search(r.text)
        assert match, f"no CSRF token on the second-factor page: {r.text[:300]}"
        r = client.post("/login/second-factor", data={"code": fresh_code(db, username), "csrf_token": match.group(1)})
    assert r.status_code == 200 and 'id="logout"' in r.text, f"login of {username} failed: {r.status_code} {r.text[:300]}"


def browser_login(pg: Any, server: Any, username: str, password: str) -> None:
    """Log in through the real form in a Playwright page, with the second factor when the account has or
    needs one; ``server`` is the live server (``url``, ``db``, ``settings``: tests.web.conftest.LiveServer).
    Fails the test if the login is refused."""
    needs_code = ensure_second_factor(server.db, server.settings.resolved_secret_key, username)
    pg.goto(server.url + "/login")
    pg.fill("#username", username)
    pg.fill("#password", password)
    pg.click("#login")
    if needs_code:
        pg.wait_for_selector("#code")
        pg.fill("#code", fresh_code(server.db, username))
        pg.click("#verify")
    pg.wait_for_selector("#logout")


def csrf(client: TestClient) -> str:
    """The CSRF token of the logged-in session (read from any page)."""
    return csrf_of(client, "/")

"""Helpers for driving the web app in-process (FastAPI TestClient)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from palermo.db import Database
from palermo.settings import Settings
from palermo.web.app import create_app

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def client_for(settings: Settings, db: Database) -> TestClient:
    return TestClient(create_app(settings, db), follow_redirects=True)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = CSRF_RE.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str) -> None:
    """Log in through the real form; fails the test if the login is refused."""
    token = csrf_of(client)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"})
    assert r.status_code == 200 and "Log out" in r.text, f"login of {username} failed: {r.status_code} {r.text[:300]}"


def browser_login(pg: Any, base_url: str, username: str, password: str) -> None:
    """Log in through the real form in a Playwright page; fails the test if the login is refused."""
    pg.goto(base_url + "/login")
    pg.fill("#username", username)
    pg.fill("#password", password)
    pg.click("#login")
    pg.wait_for_selector("#logout")


def csrf(client: TestClient) -> str:
    """The CSRF token of the logged-in session (read from any page)."""
    return csrf_of(client, "/")

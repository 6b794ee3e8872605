"""The access matrix, generated from the application's route table and the rules table.

Every route the app serves must declare its action (palermo.web.access.ROUTE_ACTIONS); the rules table
(palermo.auth.permissions) says which roles it is open to. Each route is then requested as every role
of two organisations and as a visitor without an account, with the demo's ids in its path: a GET open
to the role answers 200 (404 for another organisation's object), anything not open to it is refused
(403 with the rule's reason; 401 or the login page without an account). Writes are sent without a
body: refused ones must be refused before anything is read; allowed ones get past the rule.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from fastapi import Depends
from starlette.responses import PlainTextResponse

from palermo.auth import accounts
from palermo.auth.permissions import ACTIONS, allowed, decide
from palermo.auth.roles import ROLES, Principal
from palermo.db import Database
from palermo.web.access import ROUTE_ACTIONS, attach
from palermo.web.app import create_app
from palermo.web.deps import page_principal
from tests.conftest import make_settings
from tests.web.routes_helpers import DemoIds, app_rules
from tests.web_helpers import client_for, csrf, csrf_of, login

RULES = app_rules()
ORGS = ("NL-POL", "IT-POL")
PASSWORD = "matrix-pass-1"


def test_every_route_declares_an_action_and_every_declaration_a_route() -> None:
    missing = sorted(f"{r.method} {r.path}" for r in RULES if r.action is None)
    assert not missing, f"routes without a declared action (add them to palermo.web.access.ROUTE_ACTIONS): {missing}"
    served = {(r.method, r.path) for r in RULES}
    assert not set(ROUTE_ACTIONS) - served, f"actions declared for routes that no longer exist: {sorted(set(ROUTE_ACTIONS) - served)}"
    assert {r.action for r in RULES} <= set(ACTIONS)


def test_a_route_added_without_a_rule_is_refused_to_everyone(sqlite_demo_db: Database, tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)

    @app.get("/statistics/forgotten")
    def forgotten(principal: Principal = Depends(page_principal)) -> PlainTextResponse:
        return PlainTextResponse("secret")

    attach(app)
    from fastapi.testclient import TestClient

    c = TestClient(app)
    login(c, "hub.admin", "palermo-demo-2000")
    r = c.get("/statistics/forgotten")
    assert r.status_code == 403 and "no declared access rule" in r.text and "secret" not in r.text


@pytest.fixture
def matrix_db(demo_db: Database) -> Database:
    with demo_db.session() as s:
        for org in ORGS:
            for role in ROLES:
                accounts.create_user(s, Principal.system(), username=f"m-{org.lower()}-{role}", password=PASSWORD,
                                     organisation=org, roles=role)
    return demo_db


def _expect_allowed(status: int, method: str, path: str) -> bool:
    if method in ("GET", "HEAD"):
        return status == 200 or (status == 404 and "{" in path) or (status == 303 and path == "/exchange")
    return status != 401  # a 403 here must not be the rule's (checked by the caller): the core may refuse the object


def test_roles_of_two_organisations_get_what_the_rules_table_says(matrix_db: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, matrix_db)
    ids = DemoIds.of(matrix_db)
    failures = []
    for org in ORGS:
        for role in ROLES:
            c = client_for(settings, matrix_db)
            login(c, f"m-{org.lower()}-{role}", PASSWORD)
            token = csrf(c)
            with matrix_db.session(write=False) as s:
                principal = accounts.principal_for(accounts.get_user(s, f"m-{org.lower()}-{role}"))
            for rule in RULES:
                if rule.action in ("session.login", "session.logout"):
                    continue  # would end the session under test; covered by tests/web/test_core.py
                url = ids.urls(rule.path)[0]
                if rule.method in ("GET", "HEAD"):
                    r = c.request(rule.method, url, follow_redirects=False)
                else:
                    r = c.request(rule.method, url, data={"csrf_token": token}, headers={"X-CSRF-Token": token},
                                  follow_redirects=False)
                decision = decide(principal, rule.action)
                text = html.unescape(r.text)
                ruled_out = r.status_code == 403 and f"may not {ACTIONS[rule.action].description}" in text
                may = decision.allowed
                # allowed: past the rule (the core may still refuse an object of another organisation)
                ok = _expect_allowed(r.status_code, rule.method, rule.path) and not ruled_out if may else \
                    ruled_out and decision.reason in text
                if not ok:
                    failures.append(f"{org} {role} {rule.method} {url} ({rule.action}): {r.status_code} "
                                    f"({'should be allowed' if may else 'should be refused'}) {r.text[:120]!r}")
    assert not failures, "\n".join(failures)


def test_visitors_without_an_account_get_only_what_is_open_to_anyone(matrix_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, matrix_db), matrix_db)
    ids = DemoIds.of(matrix_db)
    anon = Principal.anonymous()
    failures = []
    for rule in RULES:
        url = ids.urls(rule.path)[0]
        # A visitor's session has a CSRF token too: refusals must come from the rule, not from CSRF. Read it
        # anew for each write: POST /logout ends the visitor's session (and its token) as well.
        token = csrf_of(c) if rule.method not in ("GET", "HEAD") else ""
        r = c.request(rule.method, url, follow_redirects=False, **({} if rule.method in ("GET", "HEAD") else
                      {"data": {"csrf_token": token}, "headers": {"X-CSRF-Token": token}}))
        if allowed(anon, rule.action):
            ok = r.status_code not in (401, 403) and not (r.status_code == 303 and "/login" in r.headers.get("location", ""))
        else:
            ok = r.status_code in (401, 403) or (r.status_code == 303 and "/login" in r.headers.get("location", ""))
        if not ok:
            failures.append(f"{rule.method} {url} ({rule.action}): {r.status_code}")
    assert not failures, "\n".join(failures)

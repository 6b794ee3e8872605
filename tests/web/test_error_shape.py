"""The one error shape of the API, for every status it answers with, and error pages for everything else.

Every JSON error under /api is ``{"error": <code>, "message": <text>, "details": <object>}`` and nothing
else, whoever raised it (the core, request validation, an unparsable body, routing, the body limit, a
crash); the OpenAPI document describes exactly that body. Pages outside /api answer with HTML that
keeps the navigation, never JSON. (Datasette pins its error shape the same way: tests/test_error_shape.py.)
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo.linkage import DEMO_SECRET
from palermo.errors import DatabaseUnavailable
from palermo.linkage.encoding import Encoder
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from palermo.settings import Settings
from palermo.web.app import create_app
from palermo.web.deps import api_principal
from tests.conftest import make_settings
from tests.web_helpers import login

DEMO_PASSWORD = "palermo-demo-2000"


@dataclass
class Api:
    client: TestClient
    app: FastAPI
    tokens: dict[str, str]

    def call(self, method: str, path: str, user: str | None = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if user:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return self.client.request(method, path, headers=headers, **kw)


@pytest.fixture
def api(sqlite_demo_db: Database, tmp_path: Path) -> Iterator[Api]:
    tokens = {}
    with sqlite_demo_db.session() as s:
        for username in ("nl.owner", "hub.admin", "nl.officer"):
            user = accounts.get_visible_user(s, Principal.system(), username)
            tokens[username] = accounts.issue_token(s, Principal.system(), user, "shape").token
    app = create_app(make_settings(tmp_path, sqlite_demo_db, max_body_mib=1, link_uploads_per_day=0), sqlite_demo_db)

    @app.get("/api/v1/test-crash", include_in_schema=False)
    def crash(principal: Principal = Depends(api_principal)) -> None:
        raise RuntimeError("/srv/palermo/secret-path must never reach the client")

    @app.get("/api/v1/test-busy", include_in_schema=False)
    def busy(principal: Principal = Depends(api_principal)) -> None:
        raise DatabaseUnavailable("the database is busy; try again in a few seconds")

    from palermo.web.access import ROUTE_ACTIONS, attach

    ROUTE_ACTIONS[("GET", "/api/v1/test-crash")] = ROUTE_ACTIONS[("GET", "/api/v1/test-busy")] = "account.read"
    try:
        attach(app)
        yield Api(TestClient(app, raise_server_exceptions=False), app, tokens)
    finally:
        del ROUTE_ACTIONS[("GET", "/api/v1/test-crash")], ROUTE_ACTIONS[("GET", "/api/v1/test-busy")]


def _encodings_upload() -> dict[str, Any]:
    """A real encoded list (the demo's schema and secret), so that only the quota can refuse it."""
    lists, _ = agency_lists({"NL-POL": 20}, overlap=0.0, noise=0.1, seed=7)
    ds = Encoder(DEFAULT_SCHEMA, DEMO_SECRET).encode(lists["NL-POL"], label="suspects 2026")
    ds.meta["hub"] = Settings().hub_name
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return {"files": {"file": ("list.parquet", buf.getvalue(), "application/octet-stream")},
            "data": {"label": "suspects 2026", "purpose": "investigation", "kind": "suspects"}}


# (status, error code, request): one real way to meet each status the API answers with.
CASES: list[tuple[int, str, Callable[[Api], Any]]] = [
    (400, "malformed_request", lambda a: a.call("POST", "/api/v1/users", "hub.admin", content=b"{not json",
                                                  headers={"content-type": "application/json"})),
    (400, "malformed_request", lambda a: a.call("POST", "/api/v1/exchange/requests", "nl.owner", content=b"m\x03\xff)}?",
                                                  headers={"content-type": "application/json"})),
    (401, "authentication_failed", lambda a: a.call("GET", "/api/v1/me")),
    (401, "authentication_failed", lambda a: a.call("GET", "/api/v1/me", headers={"Authorization": "Bearer plm_wrong"})),
    (403, "permission_denied", lambda a: a.call("POST", "/api/v1/organisations", "nl.owner",
                                                  json={"name": "X", "short_name": "X", "org_type": "ngo"})),
    (404, "not_found", lambda a: a.call("GET", "/api/v1/nope", "nl.owner")),
    (404, "not_found", lambda a: a.call("GET", "/api/v1/coordination/initiatives/NO-SUCH-REF", "nl.owner")),
    (405, "method_not_allowed", lambda a: a.call("PUT", "/api/v1/users", "hub.admin")),
    (409, "conflict", lambda a: a.call("POST", "/api/v1/organisations", "hub.admin",
                                         json={"name": "Dutch police again", "short_name": "NL-POL", "org_type": "police"})),
    (413, "body_too_large", lambda a: a.call("POST", "/api/v1/users", "hub.admin", content=b"x" * (2 * 2**20),
                                               headers={"content-type": "application/json"})),
    (422, "validation", lambda a: a.call("POST", "/api/v1/users", "hub.admin", json={"username": "x"})),
    (422, "validation", lambda a: a.call("GET", "/api/v1/audit?limit=0", "hub.admin")),
    (429, "rate_limited", lambda a: a.call("POST", "/api/v1/linkage/uploads", "nl.officer", **_encodings_upload())),
    (500, "internal_error", lambda a: a.call("GET", "/api/v1/test-crash", "nl.owner")),
    (503, "database_unavailable", lambda a: a.call("GET", "/api/v1/test-busy", "nl.owner")),
]


def assert_envelope(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "details"}, body
    assert isinstance(body["error"], str) and re.fullmatch(r"[a-z_]+", body["error"])
    assert isinstance(body["message"], str) and len(body["message"]) > 10
    assert isinstance(body["details"], dict)
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(("status", "code", "send"), CASES, ids=[f"{s}-{c}-{i}" for i, (s, c, _) in enumerate(CASES)])
def test_every_api_error_has_the_one_shape(api: Api, status: int, code: str, send: Callable[[Api], Any]) -> None:
    body = assert_envelope(send(api), status)
    assert body["error"] == code
    # The OpenAPI document describes exactly this body.
    schema = api.client.get("/api/v1/openapi.json").json()
    error_schema = schema["components"]["schemas"]["ErrorOut"]
    jsonschema_rs.validate(error_schema, body)
    assert error_schema.get("additionalProperties") is False and set(error_schema["required"]) == set(body)


def test_validation_errors_name_every_field_and_never_echo_a_password(api: Api) -> None:
    r = api.call("POST", "/api/v1/users", "hub.admin", json={"username": "", "password": "p" * 500,
                                                             "organisation": "NL-POL", "roles": []})
    body = assert_envelope(r, 422)
    fields = {p["field"] for p in body["details"]["problems"]}
    assert {"body.username", "body.password", "body.roles"} <= fields
    assert "p" * 50 not in r.text
    assert "body.username" in body["message"]  # the message alone says what to fix


def test_405_names_every_method_of_the_path(api: Api) -> None:
    r = api.call("DELETE", "/api/v1/linkage/uploads", "nl.owner")
    body = assert_envelope(r, 405)
    assert r.headers["allow"] == "GET, POST" and body["details"]["allowed"] == ["GET", "POST"]


def test_a_crash_tells_a_reference_not_the_traceback(api: Api) -> None:
    r = api.call("GET", "/api/v1/test-crash", "nl.owner")
    body = assert_envelope(r, 500)
    assert "secret-path" not in r.text and "Traceback" not in r.text and body["details"]["reference"] in body["message"]


# ---------------------------------------------------------------- pages
def _nav_links(html: str) -> set[str]:
    nav = re.search(r'<nav class="sections"[^>]*>(.*?)</nav>', html, re.DOTALL)
    assert nav, "the page has no navigation"
    return set(re.findall(r'href="([^"]+)"', nav.group(1)))


def test_an_unknown_url_gives_a_page_with_the_navigation(api: Api) -> None:
    login(api.client, "nl.owner", DEMO_PASSWORD)
    r = api.client.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert {"/statistics", "/linkage", "/coordination", "/identification"} <= _nav_links(r.text)
    assert "nl.owner" in r.text and "Page not found" in r.text and not r.text.startswith("{")


def test_a_visitor_meets_an_error_page_with_a_way_in(api: Api) -> None:
    r = api.client.get("/no/such/page")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "/statistics" in _nav_links(r.text) and 'href="/login' in r.text


def test_the_api_keeps_json_for_unknown_paths(api: Api) -> None:
    login(api.client, "nl.owner", DEMO_PASSWORD)  # even from a browser session
    body = assert_envelope(api.client.get("/api/v1/nope"), 404)
    assert body["error"] == "not_found" and "/api/docs" in body["message"]


def test_a_forbidden_page_is_a_page(api: Api) -> None:
    login(api.client, "nl.officer", DEMO_PASSWORD)
    r = api.client.get("/admin")
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]
    assert "Not allowed" in r.text and "/linkage" in _nav_links(r.text)


def test_a_crash_on_a_page_is_a_page_without_server_details(api: Api) -> None:
    @api.app.get("/statistics/test-crash")
    def page_crash() -> None:
        raise RuntimeError("/srv/palermo/secret-path")

    r = api.client.get("/statistics/test-crash")
    assert r.status_code == 500 and "text/html" in r.headers["content-type"]
    assert "secret-path" not in r.text and "Traceback" not in r.text and "Something went wrong" in r.text


def test_a_page_larger_than_the_limit_is_refused_with_a_page(api: Api) -> None:
    r = api.client.post("/admin/users", content=b"x" * (2 * 2**20), headers={"content-type": "text/plain"})
    assert r.status_code == 413 and "text/html" in r.headers["content-type"] and "Too much data" in r.text


def test_login_keeps_the_whole_address(api: Api) -> None:
    r = api.client.get("/linkage?page=2&sort=score", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Flinkage%3Fpage%3D2%26sort%3Dscore"

"""The access-control matrix: every route of the app, every role, of an organisation and of another one.

One table says who may use each route. A route added later without an entry here fails the test, and
so does an entry whose route is gone. GET routes without parameters are requested as every role of two
organisations and unauthenticated; every other route is checked to refuse unauthenticated callers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from palermo.auth import accounts
from palermo.auth.roles import ROLES, Principal
from palermo.db import Database
from palermo.web.app import create_app
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

ANY = frozenset(ROLES)
PUBLIC = "public"
STAFF = frozenset({"admin", "analyst", "data_owner", "officer"})
AUDIT = frozenset({"admin", "analyst", "data_owner"})

# (method, path) -> who may use it: PUBLIC, or the set of roles (ANY = every logged-in user).
TABLE: dict[tuple[str, str], Any] = {
    ("GET", "/login"): PUBLIC, ("POST", "/login"): PUBLIC, ("GET", "/api/docs"): PUBLIC, ("HEAD", "/api/docs"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC, ("HEAD", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC, ("HEAD", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/"): ANY, ("POST", "/logout"): ANY,
    ("GET", "/admin"): frozenset({"admin"}), ("POST", "/admin/users"): frozenset({"admin"}),
    ("POST", "/admin/organisations"): frozenset({"admin"}), ("GET", "/audit"): AUDIT,
    ("GET", "/api/v1/me"): ANY, ("GET", "/api/v1/organisations"): ANY, ("POST", "/api/v1/organisations"): frozenset({"admin"}),
    ("GET", "/api/v1/users"): frozenset({"admin"}), ("POST", "/api/v1/users"): frozenset({"admin"}),
    ("GET", "/api/v1/audit"): AUDIT, ("GET", "/api/v1/audit/verify"): frozenset({"admin"}),
    ("POST", "/admin/users/{username}/deactivate"): frozenset({"admin"}),
    ("POST", "/admin/users/{username}/sessions/end"): frozenset({"admin"}),
    ("POST", "/admin/users/{username}/unlock"): frozenset({"admin"}), ("POST", "/admin/tokens/{token_id}/revoke"): frozenset({"admin"}),
    ("GET", "/api/v1/users/{username}/tokens"): ANY, ("POST", "/api/v1/tokens/{token_id}/revoke"): ANY,
    ("POST", "/api/v1/users/{username}/deactivate"): frozenset({"admin"}),
    ("POST", "/api/v1/users/{username}/sessions/end"): frozenset({"admin"}),
    ("POST", "/api/v1/users/{username}/unlock"): frozenset({"admin"}),
    # statistics
    ("GET", "/statistics"): ANY, ("GET", "/statistics/country/{country}"): ANY, ("GET", "/statistics/data"): ANY,
    ("GET", "/api/v1/statistics/sources"): ANY, ("GET", "/api/v1/statistics/stale"): ANY,
    ("GET", "/api/v1/statistics/observations"): ANY, ("GET", "/api/v1/statistics/explain"): ANY,
    ("POST", "/api/v1/statistics/observations"): STAFF,
    ("POST", "/api/v1/statistics/import"): frozenset({"admin", "analyst", "data_owner"}),
    ("POST", "/statistics/import"): frozenset({"admin", "analyst", "data_owner"}),
    ("GET", "/api/v1/statistics/export"): ANY,
    # SDMX REST: the publication channel, anonymous (public sources, disclosure-controlled, in the core)
    **{("GET", f"/sdmx/rest{p}"): PUBLIC for p in (
        "/data/{flow_ref}", "/data/{flow_ref}/{key}", "/data/{flow_ref}/{key}/{provider}", "/{resource}", "/{resource}/{agency}",
        "/{resource}/{agency}/{resource_id}", "/{resource}/{agency}/{resource_id}/{version}", "/{path:path}")},
    # estimation
    ("GET", "/statistics/estimates"): ANY, ("POST", "/statistics/estimates"): ANY,
    ("POST", "/statistics/estimates/{table_id}/source"): frozenset({"admin", "analyst"}),
    ("POST", "/api/v1/estimates"): ANY, ("GET", "/api/v1/estimates/tables"): ANY,
    # linkage
    ("GET", "/linkage"): ANY, ("POST", "/linkage/uploads"): frozenset({"officer", "analyst", "data_owner"}),
    ("POST", "/api/v1/linkage/uploads"): frozenset({"officer", "analyst", "data_owner"}), ("GET", "/api/v1/linkage/hits"): ANY,
    ("GET", "/linkage/hits/{reference}"): ANY,
    ("POST", "/linkage/hits/{reference}/review"): frozenset({"officer", "analyst", "data_owner"}),
    ("POST", "/linkage/uploads/{upload_id}/withdraw"): frozenset({"officer", "analyst", "data_owner"}),
    ("POST", "/api/v1/linkage/hits/{reference}/review"): frozenset({"officer", "analyst", "data_owner"}),
    ("GET", "/api/v1/linkage/uploads"): ANY, ("GET", "/api/v1/linkage/precision"): ANY, ("GET", "/api/v1/linkage/entities"): ANY,
    ("DELETE", "/api/v1/linkage/uploads/{upload_id}"): frozenset({"officer", "analyst", "data_owner"}),
    # exchange
    ("GET", "/exchange"): ANY, ("GET", "/exchange/agreements"): ANY, ("GET", "/exchange/agreements/{reference}"): ANY,
    ("GET", "/exchange/routes"): ANY, ("GET", "/exchange/requests"): ANY, ("GET", "/exchange/requests/new"): ANY,
    ("GET", "/exchange/requests/{reference}"): ANY,
    ("POST", "/exchange/requests"): frozenset({"officer", "analyst", "data_owner"}),
    ("POST", "/exchange/requests/{reference}/answer"): frozenset({"data_owner"}),
    ("GET", "/api/v1/exchange/agreements"): ANY, ("GET", "/api/v1/exchange/check"): ANY, ("GET", "/api/v1/exchange/routes"): ANY,
    ("GET", "/api/v1/exchange/requests"): ANY, ("POST", "/api/v1/exchange/requests"): frozenset({"officer", "analyst", "data_owner"}),
    ("POST", "/api/v1/exchange/requests/{reference}/answer"): frozenset({"data_owner"}),
    # identification
    ("GET", "/identification"): ANY, ("POST", "/identification/screen"): frozenset({"officer", "analyst"}),
    ("GET", "/identification/screenings/{reference}"): ANY, ("GET", "/identification/handbooks"): ANY,
    ("GET", "/api/v1/identification/catalogue"): ANY, ("GET", "/api/v1/identification/handbooks"): ANY,
    ("POST", "/api/v1/identification/screen"): ANY, ("POST", "/api/v1/identification/cases"): frozenset({"officer", "analyst"}),
    ("POST", "/identification/screenings/{reference}/referrals"): frozenset({"officer", "analyst"}),
    ("GET", "/identification/referrals"): frozenset({"officer", "analyst"}),
    ("POST", "/identification/referrals/{reference}/decision"): frozenset({"officer", "analyst"}),
    ("GET", "/identification/cases"): ANY, ("POST", "/identification/cases"): frozenset({"officer", "analyst"}),
    ("GET", "/api/v1/identification/referrals"): frozenset({"officer", "analyst"}),
    ("POST", "/api/v1/identification/referrals/{reference}/decision"): frozenset({"officer", "analyst"}),
    # coordination
    ("GET", "/coordination"): ANY, ("GET", "/coordination/liaison"): ANY, ("GET", "/coordination/commitments"): ANY,
    ("POST", "/coordination/import"): frozenset({"analyst", "admin"}),
    ("GET", "/api/v1/coordination/initiatives"): ANY, ("POST", "/api/v1/coordination/initiatives"): frozenset({"analyst", "admin"}),
    **{("GET", f"/api/v1/coordination/{p}"): ANY for p in ("actors", "commitments", "gaps", "instruments", "liaison", "matrix",
                                                            "overlaps", "suggestions", "flows")},
    ("GET", "/coordination/money"): ANY, ("GET", "/coordination/initiatives/{ref}"): ANY,
    ("POST", "/coordination/initiatives/{ref}/results"): frozenset({"analyst", "admin"}),
    ("GET", "/api/v1/coordination/initiatives/{ref}"): ANY,
    ("POST", "/api/v1/coordination/initiatives/{ref}/results"): frozenset({"analyst", "admin"}),
}


def routes() -> set[tuple[str, str]]:
    from palermo.settings import Settings

    app = create_app(Settings(secret_key="k" * 40, database_url="sqlite:///:memory:"))
    out: set[tuple[str, str]] = set()
    for r in app.routes:
        contexts = r.effective_route_contexts() if hasattr(r, "effective_route_contexts") else [r]
        for c in contexts:
            for m in getattr(c, "methods", None) or ():
                out.add((m, c.path))
    return out


def test_every_route_has_an_entry_and_every_entry_a_route() -> None:
    actual = routes()
    assert not actual - set(TABLE), f"routes without an access rule: {sorted(actual - set(TABLE))}"
    assert not set(TABLE) - actual, f"rules for routes that no longer exist: {sorted(set(TABLE) - actual)}"


ORGS = ("NL-POL", "IT-POL")


@pytest.fixture
def matrix_db(sqlite_demo_db: Database) -> Database:
    with sqlite_demo_db.session() as s:
        for org in ORGS:
            for role in ROLES:
                accounts.create_user(s, Principal.system(), username=f"m-{org.lower()}-{role}", password="matrix-pass-1",
                                     organisation=org, roles=role)
    return sqlite_demo_db


QUERY = {"/api/v1/exchange/check": "?from=NL-POL&to=EUROPOL&category=hit_no_hit&purpose=investigation",
         "/api/v1/exchange/routes": "?from=NG-NAPTIP&to=EUROPOL&category=hit_no_hit&purpose=investigation",
         "/api/v1/statistics/explain": "?country=NLD&year=2022"}
PLAIN_GETS = sorted(k for k in TABLE if k[0] == "GET" and "{" not in k[1] and TABLE[k] != PUBLIC)


def test_roles_of_two_organisations_get_what_the_table_says(matrix_db: Database, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, matrix_db)
    failures = []
    for org in ORGS:
        for role in ROLES:
            c = client_for(settings, matrix_db)
            login(c, f"m-{org.lower()}-{role}", "matrix-pass-1")
            for method, path in PLAIN_GETS:
                status = c.get(path + QUERY.get(path, ""), follow_redirects=False).status_code
                allowed = role in TABLE[(method, path)]
                ok = status == 200 or (status == 303 and path == "/exchange") if allowed else status in (403, 404)
                if not ok:
                    failures.append(f"{org} {role} GET {path}: {status} ({'should be allowed' if allowed else 'should be refused'})")
    assert not failures, "\n".join(failures)


def test_unauthenticated_callers_are_refused_everywhere(matrix_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, matrix_db), matrix_db)
    failures = []
    for (method, path), rule in sorted(TABLE.items()):
        if rule == PUBLIC or method == "HEAD":
            continue
        url = path.replace("{country}", "NLD").replace("{reference}", "x").replace("{table_id}", "1")
        url = url.replace("{username}", "x").replace("{token_id}", "1").replace("{upload_id}", "1")
        r = c.request(method, url, follow_redirects=False)
        refused = r.status_code in (401, 403) or (r.status_code == 303 and "/login" in r.headers.get("location", ""))
        if not refused:
            failures.append(f"{method} {path}: {r.status_code}")
    assert not failures, "\n".join(failures)

"""Every route declares the action it performs; the rules table (palermo.auth.permissions) decides.

:data:`ROUTE_ACTIONS` names the action of each route of the app. :func:`attach` maps each route's
endpoint to its action when the app is built; :func:`enforce` runs as soon as a route has its acting
principal (``deps.page_principal`` / ``deps.api_principal`` call it) and refuses, with the rule's
reason, a principal whose roles the action is not open to. Ownership is decided by the core function
on the object itself. A route without a declared action is refused to everyone, and
``tests/web/test_access_matrix.py`` fails naming it: a new route cannot escape by being forgotten.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request

from palermo.auth.permissions import action, require
from palermo.auth.roles import Principal
from palermo.errors import PermissionDenied
from palermo.messages import N_

_EXCHANGE_READ = ("/exchange", "/exchange/agreements", "/exchange/agreements/{reference}", "/exchange/routes",
                  "/api/v1/exchange/agreements", "/api/v1/exchange/routes")
_COORDINATION_READ = ("/coordination", "/coordination/liaison", "/coordination/commitments", "/coordination/money",
                      "/coordination/initiatives/{ref}", "/api/v1/coordination/initiatives/{ref}",
                      *(f"/api/v1/coordination/{p}" for p in ("actors", "commitments", "gaps", "initiatives",
                                                              "instruments", "liaison", "matrix", "overlaps",
                                                              "suggestions", "flows", "feeds")))

# (method, path) -> action in palermo.auth.permissions.ACTIONS
ROUTE_ACTIONS: dict[tuple[str, str], str] = {
    # framework pages (no data)
    ("GET", "/api/docs"): "api.docs",
    ("GET", "/api/v1/openapi.json"): "api.docs", ("HEAD", "/api/v1/openapi.json"): "api.docs",
    # accounts and audit
    ("GET", "/login"): "session.login", ("POST", "/login"): "session.login", ("POST", "/logout"): "session.logout",
    ("GET", "/"): "home.read", ("GET", "/api/v1/me"): "account.read",
    # the second factor: the code after the password is part of logging in (its pages check the half-done login)
    ("GET", "/login/second-factor"): "session.login", ("POST", "/login/second-factor"): "session.login",
    # single sign-on: the redirect to the identity provider and its answer (404 while not set up)
    ("GET", "/login/oidc"): "session.login", ("GET", "/login/oidc/callback"): "session.login",
    ("GET", "/account/security"): "account.mfa",
    **{("POST", f"/account/security/{p}"): "account.mfa" for p in ("enrol", "recovery-codes", "disable")},
    ("GET", "/admin"): "users.list", ("POST", "/admin/users"): "users.create",
    ("POST", "/admin/organisations"): "organisations.create",
    ("GET", "/api/v1/organisations"): "organisations.list", ("POST", "/api/v1/organisations"): "organisations.create",
    ("GET", "/api/v1/users"): "users.list", ("POST", "/api/v1/users"): "users.create",
    **{("POST", p): "users.manage" for p in (
        "/admin/users/{username}/deactivate", "/admin/users/{username}/sessions/end", "/admin/users/{username}/unlock",
        "/admin/users/{username}/mfa/reset",
        "/admin/tokens/{reference}/revoke", "/api/v1/users/{username}/deactivate", "/api/v1/users/{username}/sessions/end",
        "/api/v1/users/{username}/unlock")},
    ("GET", "/api/v1/users/{username}/tokens"): "account.tokens", ("POST", "/api/v1/tokens/{reference}/revoke"): "account.tokens",
    ("GET", "/audit"): "audit.read", ("GET", "/api/v1/audit"): "audit.read", ("GET", "/api/v1/audit/verify"): "audit.verify",
    # statistics
    **{("GET", p): "statistics.read" for p in (
        "/api/v1/statistics/sources", "/api/v1/statistics/stale", "/api/v1/statistics/observations",
        "/api/v1/statistics/explain")},
    # the public statistics: visitors without an account see the published figures, protected by the core read
    **{("GET", p): "statistics.read_public" for p in (
        "/statistics", "/statistics/country/{country}", "/statistics/data", "/api/v1/statistics/export")},
    ("POST", "/api/v1/statistics/observations"): "statistics.record",
    ("POST", "/api/v1/statistics/import"): "statistics.import", ("POST", "/statistics/import"): "statistics.import",
    # SDMX REST: the publication channel, open to visitors without an account (public sources, protected, in the core)
    **{("GET", f"/sdmx/rest{p}"): "statistics.read_public" for p in (
        "/data/{flow_ref}", "/data/{flow_ref}/{key}", "/data/{flow_ref}/{key}/{provider}", "/{resource}",
        "/{resource}/{agency}", "/{resource}/{agency}/{resource_id}", "/{resource}/{agency}/{resource_id}/{version}",
        "/{path:path}")},
    # estimation
    ("GET", "/statistics/estimates"): "estimation.tables.read", ("GET", "/api/v1/estimates/tables"): "estimation.tables.read",
    ("POST", "/statistics/estimates"): "estimation.estimate", ("POST", "/api/v1/estimates"): "estimation.estimate",
    ("POST", "/statistics/estimates/{reference}/source"): "estimation.record_source",
    # linkage
    ("GET", "/linkage"): "linkage.read", ("GET", "/api/v1/linkage/hits"): "linkage.hits.read",
    ("GET", "/linkage/hits/{reference}"): "linkage.hits.read", ("GET", "/api/v1/linkage/uploads"): "linkage.read",
    ("GET", "/api/v1/linkage/precision"): "linkage.read", ("GET", "/api/v1/linkage/entities"): "linkage.read",
    ("POST", "/linkage/hits/{reference}/review"): "linkage.review", ("POST", "/api/v1/linkage/hits/{reference}/review"): "linkage.review",
    ("POST", "/linkage/uploads/{reference}/withdraw"): "linkage.withdraw",
    ("DELETE", "/api/v1/linkage/uploads/{reference}"): "linkage.withdraw",
    ("POST", "/linkage/uploads"): "linkage.upload", ("POST", "/api/v1/linkage/uploads"): "linkage.upload",
    ("GET", "/linkage/estimate"): "linkage.estimate", ("POST", "/linkage/estimate"): "linkage.estimate",
    ("POST", "/api/v1/linkage/estimate"): "linkage.estimate",
    # exchange
    **{("GET", p): "exchange.read" for p in _EXCHANGE_READ},
    ("GET", "/api/v1/exchange/check"): "exchange.check",
    **{("GET", p): "exchange.requests.read" for p in ("/exchange/requests", "/exchange/requests/new",
                                                     "/exchange/requests/{reference}", "/api/v1/exchange/requests")},
    ("POST", "/exchange/requests"): "exchange.request", ("POST", "/api/v1/exchange/requests"): "exchange.request",
    ("POST", "/exchange/requests/{reference}/answer"): "exchange.answer",
    ("POST", "/api/v1/exchange/requests/{reference}/answer"): "exchange.answer",
    # identification
    **{("GET", p): "identification.read" for p in ("/identification", "/identification/handbooks",
                                                  "/api/v1/identification/catalogue", "/api/v1/identification/handbooks")},
    ("POST", "/identification/screen"): "identification.screening.save",
    ("GET", "/identification/screenings/{reference}"): "identification.screening.read",
    ("POST", "/api/v1/identification/screen"): "identification.screen",
    ("POST", "/api/v1/identification/cases"): "identification.cases.submit",
    ("GET", "/identification/cases"): "identification.read", ("POST", "/identification/cases"): "identification.cases.submit",
    # the offline form: the catalogue-and-rule bundle and the service worker that keeps it (code and public catalogue)
    ("GET", "/identification/offline.json"): "identification.read", ("GET", "/identification/sw.js"): "identification.read",
    **{(m, p): "identification.referrals" for m, p in (
        ("POST", "/identification/screenings/{reference}/referrals"), ("GET", "/identification/referrals"),
        ("POST", "/identification/referrals/{reference}/decision"), ("GET", "/api/v1/identification/referrals"),
        ("POST", "/api/v1/identification/referrals/{reference}/decision"))},
    # coordination
    **{("GET", p): "coordination.read" for p in _COORDINATION_READ},
    ("POST", "/coordination/initiatives/{ref}/results"): "coordination.edit",
    ("POST", "/api/v1/coordination/initiatives/{ref}/results"): "coordination.edit",
    ("POST", "/coordination/import"): "coordination.edit", ("POST", "/api/v1/coordination/initiatives"): "coordination.edit",
}
for _name in set(ROUTE_ACTIONS.values()):
    action(_name)  # an unknown action fails at import, not at the first request


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    endpoint: Any
    action: str | None  # None: no rule declared (refused to everyone)


def route_rules(app: FastAPI) -> Iterator[RouteRule]:
    """Every (method, path) the app serves, with its endpoint and declared action."""
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for c in contexts:
            for method in sorted(getattr(c, "methods", None) or ()):
                original = getattr(c, "original_route", c)
                path: str = getattr(c, "path", "")  # every served route has one (BaseRoute does not declare it)
                yield RouteRule(method, path, getattr(original, "endpoint", None), ROUTE_ACTIONS.get((method, path)))


def attach(app: FastAPI) -> None:
    """Map each endpoint to its declared action (read by :func:`enforce` on every request)."""
    table: dict[Any, str | None] = {}
    for rule in route_rules(app):
        if rule.endpoint is not None:
            table[rule.endpoint] = rule.action if table.get(rule.endpoint, rule.action) == rule.action else None
    app.state.route_actions = table


def route_action(request: Request) -> str | None:
    table = getattr(request.app.state, "route_actions", {})
    return table.get(request.scope.get("endpoint"))


def enforce(request: Request, principal: Principal) -> None:
    """Refuse the principal if the route's action is not open to its roles (or no action is declared)."""
    name = route_action(request)
    if name is None:
        raise PermissionDenied(N_("this page has no declared access rule, so it is refused to everyone; declare its "
                                  "action in palermo.web.access.ROUTE_ACTIONS (see docs/security.md)"))
    request.state.action = name
    require(principal, name)

"""The FastAPI application factory: pages under /, JSON API under /api/v1, one router module per domain."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from palermo import __version__
from palermo.auth import audit, oidc
from palermo.auth.roles import Principal
from palermo.coordination.context import load_context
from palermo.db import Database
from palermo.errors import ImportRejected, PalermoError
from palermo.linkage import calibration_cache
from palermo.settings import Settings
from palermo.web import errors, openapi
from palermo.web.access import attach
from palermo.web.deps import LoginRequired
from palermo.web.openapi import OPENAPI_URL
from palermo.web.security import (
    BodyLimit,
    BodyTooLarge,
    SecurityHeaders,
    trusted_networks,
)

log = logging.getLogger(__name__)

# Router modules; each defines `pages` (HTML) and `api` (JSON, mounted under /api/v1) APIRouters.
ROUTERS = ("core", "account", "sso", "statistics", "sdmx", "linkage", "exchange", "coordination", "identification", "estimation")
# Routes that take files; their bodies may reach PALERMO_MAX_UPLOAD_MIB instead of PALERMO_MAX_BODY_MIB.
UPLOAD_PATHS = ("/statistics/import", "/api/v1/statistics/import", "/linkage/uploads", "/api/v1/linkage/uploads",
                "/coordination/import", "/statistics/estimates")


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    db = db or Database(settings.resolved_database_url)
    calibration_cache.use_directory(settings.resolved_cache_dir)  # a hub start reads its schema's calibration

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies share one thread pool; a request that holds SQLite's write lock
        # must find a free thread for its next step, or every waiter starves it (a 10 s deadlock).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        # Parse the public context files before the first visitor rather than during their request.
        await anyio.to_thread.run_sync(load_context, settings.context_dir)
        async with anyio.create_task_group() as tasks:
            if settings.purge_daily:
                tasks.start_soon(daily_purge, db, settings)
            yield
            tasks.cancel_scope.cancel()

    app = FastAPI(lifespan=lifespan, title="Palermo API", version=__version__,
                  description="Cooperation platform against trafficking in human beings and migrant smuggling.",
                  docs_url=None, redoc_url=None, openapi_url=OPENAPI_URL)  # /api/docs: routes/core.py
    app.state.settings = settings
    app.state.db = db
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
    app.state.oidc = oidc.Mapping.from_settings(settings)  # None: no single sign-on; a bad mapping fails here

    async def body_refused(method: str, path: str, limit: int) -> None:
        await anyio.to_thread.run_sync(lambda: audit.record_refusal(
            db, Principal.anonymous(), "request.refused", "request", f"{method} {path}"[:120],
            reason=f"body larger than {limit / 2**20:g} MiB", details={"status": 413}))

    app.add_middleware(SecurityHeaders)
    app.add_middleware(SessionMiddleware, secret_key=settings.resolved_secret_key, session_cookie="palermo_session",
                       max_age=settings.session_max_age, same_site="strict", https_only=settings.secure_cookies)
    # Outermost: a body is bounded before sessions, routes or authentication see any of it.
    app.add_middleware(BodyLimit, limit_bytes=int(settings.max_body_mib * 2**20),
                       upload_limit_bytes=int(settings.max_upload_mib * 2**20), upload_paths=UPLOAD_PATHS,
                       on_refused=body_refused, respond=errors.scope_response)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="api-docs-assets")
    for name in ROUTERS:
        module = importlib.import_module(f"palermo.web.routes.{name}")
        app.include_router(module.pages)
        app.include_router(module.api, prefix="/api/v1")
    attach(app)  # every route's declared action (palermo.web.access), enforced on each request
    errors.register(app, _audit_if_refusal)  # one envelope for every API error, pages for the rest
    openapi.install(app)
    return app


async def daily_purge(db: Database, settings: Settings) -> None:
    """The retention purge, once a day at ``purge_time_utc``, for as long as the app runs."""
    from datetime import time

    from palermo.auth.roles import ROLES, Principal
    from palermo.linkage.retention import daily, purge

    hour, minute = map(int, settings.purge_time_utc.split(":"))
    principal = Principal(None, "system:daily-purge", None, frozenset(ROLES), True)

    def job() -> None:
        with db.session() as s:
            result = purge(s, principal)
        log.info("retention purge of %s: %s", result.on, result.counts)

    await daily(job, time(hour, minute))


def server_config(settings: Settings, db: Database, host: str | None = None, port: int | None = None) -> Any:
    """The uvicorn configuration `palermo serve` runs with (tests start the same).

    Concurrent requests are capped at half the worker threads: beyond that uvicorn answers 503 at
    once, instead of letting lock waiters take every thread (see the lifespan note above).
    """
    import uvicorn

    return uvicorn.Config(create_app(settings, db), host=host or settings.host, port=port or settings.port,
                          log_level="warning", limit_concurrency=max(10, settings.worker_threads // 2))


# Refusals worth a trace: bad credentials, CSRF, forbidden and not-found look-ups, throttling, rejected
# imports and uploads. A request without any credentials (LoginRequired, no token) is not one.
AUDITED_STATUS = (401, 403, 404, 429)


def _is_refusal(exc: PalermoError) -> bool:
    if isinstance(exc, (LoginRequired, BodyTooLarge)) or exc.after_rollback:  # the core audited it already
        return False
    if isinstance(exc, ImportRejected):
        return True
    return exc.http_status in AUDITED_STATUS and not exc.message.startswith("authentication required")


def _route_of(request: Request) -> str:
    """The route's template (``/api/v1/users/{username}/tokens``): identifiers go to path_params."""
    template = getattr(request.scope.get("route"), "path", None)
    if not template:
        return request.url.path
    at = request.url.path.find(template.split("{")[0])  # the router's prefix is not in the template
    return (request.url.path[:at] if at > 0 else "") + template


def _audit_refusal(request: Request, exc: PalermoError) -> None:
    """One audit entry per refused request, with its reason and the route, never the body or the query."""
    principal = getattr(request.state, "principal", None) or errors.session_principal(request) or Principal.anonymous()
    extra = dict(getattr(exc, "audit", None) or {})
    if principal.is_anonymous and extra.get("organisation_id"):  # e.g. a revoked token: its organisation sees it
        principal = Principal(None, principal.username, extra["organisation_id"], frozenset(), False, True)
    route = _route_of(request)
    details: dict[str, Any] = {"status": exc.http_status, "kind": exc.kind, "method": request.method, "route": route,
                               "path_params": {k: str(v)[:80] for k, v in request.path_params.items()}, **extra}
    if isinstance(exc, ImportRejected):
        details["problems"] = len(exc.problems)
        reason = exc.message.split(";")[0]
    else:
        reason = exc.message
    try:
        audit.record_refusal(request.app.state.db, principal, f"refused.{exc.kind}", "request", f"{request.method} {route}"[:120],
                             reason=reason, details=details)
    except PalermoError:  # the database itself refusing (busy) must not turn a 403 into a 500
        log.warning("could not audit a refused request to %s", route)


async def _audit_if_refusal(request: Request, exc: PalermoError) -> None:
    if _is_refusal(exc):
        await anyio.to_thread.run_sync(_audit_refusal, request, exc)

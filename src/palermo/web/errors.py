"""Every error the web app answers, built in one place: a JSON envelope under ``/api``, a page elsewhere.

Whoever raises it (a core :class:`~palermo.errors.PalermoError`, FastAPI's request validation, an
unparsable body, Starlette's routing 404 and 405, the body limit, an unexpected crash), the answer is
made by :func:`error_response`. Under ``/api`` that is the envelope built by :func:`envelope`,

    {"error": "<code>", "message": "<what is wrong and how to fix it>", "details": {...}}

described once for the OpenAPI document by :class:`ErrorOut`; everywhere else an HTML page that
extends ``base.html`` (navigation, the visitor's session), never JSON and never a server path.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import Scope

from palermo.auth.roles import Principal
from palermo.errors import PalermoError, Problem
from palermo.i18n import N_, page_translations, speaking, translate
from palermo.messages import joined, translated_tree, verbatim
from palermo.web.next_steps import link_for

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Codes of the errors the framework raises itself (a PalermoError carries its own ``kind``).
STATUS_CODES = {400: "malformed_request", 401: "authentication_failed", 403: "permission_denied", 404: "not_found",
                405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "body_too_large",
                415: "unsupported_media_type", 422: "validation", 429: "rate_limited", 500: "internal_error",
                503: "database_unavailable"}
# Request fields whose value an error never repeats back.
SECRET_FIELD = re.compile(r"password|secret|token", re.IGNORECASE)


class ErrorOut(BaseModel):
    """The body of every API error."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(description="machine-readable code, e.g. validation, not_found, permission_denied",
                       examples=["not_found"])
    message: str = Field(description="what is wrong and how to fix it, for a person to read")
    details: dict[str, Any] = Field(description="data about the error, e.g. problems: every invalid field with its "
                                                "reason (line, field, value, reason)")


def envelope(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one JSON shape of an API error."""
    return {"error": code, "message": message, "details": details or {}}


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def session_principal(request: Request) -> Principal | None:
    """The session's logged-in user for a request no route has identified yet (a 404, a refused form)."""
    if "session" not in request.scope or request.session.get("user") is None:
        return None
    from palermo.auth import accounts
    from palermo.web.deps import session_account

    try:
        with request.app.state.db.session(write=False) as s:
            user = session_account(request, s)
            if user is None or not user.active or request.session.get("sv") != user.session_version:
                return None
            request.state.user = user
            request.state.org_short = user.organisation.short_name
            return accounts.principal_for(user)
    except PalermoError:  # the database refusing must not turn an error page into a crash
        return None


def _page_principal(request: Request) -> Principal:
    """Who sees the error page (for its navigation): the route's principal, the session's user, or a visitor."""
    return getattr(request.state, "principal", None) or session_principal(request) or Principal.anonymous()


def error_response(request: Request, status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None, problems: Iterable[Any] = (),
                   next_step: tuple[str, str | None] | None = None) -> Response:
    """The answer to a failed request: the envelope under ``/api``, an HTML page (with the navigation) elsewhere,
    its words (``message``, the problems' reasons) in the reader's language; ``code`` never changes."""
    from palermo.identification.i18n import IDENTIFICATION
    from palermo.web.templating import render, request_language

    lang = request_language(request)
    if is_api(request.url.path):  # the message and the problems' reasons translated; codes and fields as they are
        words = page_translations(lang, IDENTIFICATION).gettext
        with speaking(lang, IDENTIFICATION):  # figures inside the details in the reader's way too
            said = translated_tree(details or {}, words)
        return JSONResponse(envelope(code, translate(message, lang, IDENTIFICATION), said),
                            status_code=status, headers=headers)
    request.state.principal = _page_principal(request)
    shown = [p.text if isinstance(p, Problem) else p for p in list(problems)[:100]]
    response = render(request, "error.html", {"status": status, "code": code, "message": message,
                                              "problems": shown, "title": _title(status), "lang": lang,
                                              "next_step_link": next_step,  # what to do, in web terms (next_steps)
                                              }, status_code=status, domains=(IDENTIFICATION,))
    response.headers.update(headers or {})
    return response


def _title(status: int) -> str:
    """The error page's heading, marked for translation (error.html translates it)."""
    return {403: N_("Not allowed"), 404: N_("Page not found"), 405: N_("Not allowed here"), 413: N_("Too much data"),
            422: N_("Please check what you entered"), 429: N_("Too many attempts")}.get(
        status, N_("Something went wrong") if status >= 500 else N_("The request could not be handled"))


def palermo_response(request: Request, exc: PalermoError) -> Response:
    status = exc.http_status if exc.http_status < 500 or exc.http_status == 503 else 500
    return error_response(request, status, exc.kind, exc.message, exc.details, problems=getattr(exc, "problems", ()),
                          next_step=link_for(exc.next_step))


# ---------------------------------------------------------------- framework errors
UNKNOWN_FIELD = N_("unknown field, refused: this operation does not take it, and nothing was stored; names and other "
                   "direct identifiers are never stored, so leave them out (the API documentation lists the fields)")


def _problem(error: dict[str, Any]) -> Problem:
    loc = [str(p) for p in error.get("loc", ())]
    field = ".".join(loc)
    value = error.get("input")
    if not isinstance(value, (str, int, float, bool)) or SECRET_FIELD.search(field):
        value = None  # a whole body, or a secret, is never echoed
    elif isinstance(value, str) and len(value) > 100:
        value = value[:100] + "…"
    reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        # never echoed: what a caller sends by mistake is most often personal data (a name)
        return Problem(UNKNOWN_FIELD, field=field)
    return Problem(verbatim(reason), field=field, value=value)  # pydantic's words


def validation_response(request: Request, exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(request, 400, "malformed_request", N_(
            "the request body is not valid JSON; send a JSON document with Content-Type: application/json, as the API "
            "documentation shows"))
    problems = [_problem(e) for e in errors]
    message = N_("the request is invalid: {problems}", problems=joined(p.text for p in problems[:20]))
    if len(problems) > 20:
        message = N_("the request is invalid: {problems}; and {n} more", problems=message.params["problems"],
                     n=len(problems) - 20)
    return error_response(request, 422, "validation", message, {"problems": [p.to_dict() for p in problems]},
                          problems=problems)


class AllowedMethods:
    """Which methods each path of the app answers, so that a 405 names them all in ``Allow`` (RFC 9110):
    Starlette's own 405 names only the methods of the first route that matched the path."""

    def __init__(self, app: FastAPI) -> None:
        from palermo.web.access import route_rules

        by_path: dict[str, set[str]] = {}
        for rule in route_rules(app):
            by_path.setdefault(rule.path, set()).add(rule.method)
        self.paths = [(compile_path(path)[0], methods) for path, methods in by_path.items()]

    def for_path(self, path: str) -> list[str]:
        found: set[str] = set()
        for regex, methods in self.paths:
            if regex.match(path):
                found |= methods
        return sorted(found)


def http_response(request: Request, exc: HTTPException) -> Response:
    path, status = request.url.path, exc.status_code
    headers = dict(exc.headers or {})
    if status == 404:
        where = (N_("no API operation here; the operations are listed at /api/docs") if is_api(path)
                 else N_("there is no page at this address; check the link, or start again from the home page"))
        return error_response(request, 404, "not_found", where, {"path": path[:200]}, headers)
    if status == 405:
        allow = request.app.state.allowed_methods.for_path(path) or headers.get("Allow", "").split(", ")
        headers["Allow"] = ", ".join(allow)
        return error_response(request, 405, "method_not_allowed",
                              N_("{method} is not allowed here; use {allowed}", method=request.method,
                                 allowed=" or ".join(allow)),
                              {"allowed": allow}, headers)
    if status == 400:
        return error_response(request, 400, "malformed_request", N_(
            "the request body could not be read; send JSON with Content-Type: application/json, or the form fields "
            "the operation documents as multipart/form-data"), headers=headers)
    code = STATUS_CODES.get(status, "error")
    return error_response(request, status, code, str(exc.detail), headers=headers)


def scope_response(scope: Scope, exc: PalermoError) -> Response:
    """The answer for middleware that refuses a request before the app runs (the body limit)."""
    scope = {**scope, "session": scope.get("session", {})}  # outside the session middleware: a visitor's page
    return palermo_response(Request(scope), exc)


def crash_response(request: Request, exc: Exception) -> Response:
    """An unexpected error: logged with a reference the user can quote, never shown (no traceback, no paths)."""
    reference = secrets.token_hex(6)
    log.error("unexpected error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "internal_error", N_(
        "an unexpected error occurred and nothing was changed; try again, and if it happens again tell an administrator "
        "the reference {reference}", reference=reference), {"reference": reference})


def overflow_response(request: Request, exc: OverflowError) -> Response:
    # An integer beyond what the database stores (SQLite: 64 bits) is bad input, not a crash.
    return error_response(request, 422, "validation", N_("a number in the request is out of range; use a smaller value"))


def register(app: FastAPI, on_refusal: Any) -> None:
    """Install the handlers; ``on_refusal(request, exc)`` audits refused requests (see ``web.app``)."""
    from palermo.web.deps import LoginRequired, pending_login, pending_page

    app.state.allowed_methods = AllowedMethods(app)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if is_api(request.url.path):
            return palermo_response(request, exc)
        pending = pending_login(request)
        if pending is not None:  # past the password: nothing opens until the second factor is done
            return RedirectResponse(pending_page(pending), status_code=303)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import urlencode

        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)

    @app.exception_handler(PalermoError)
    async def _palermo(request: Request, exc: PalermoError) -> Response:
        await on_refusal(request, exc)
        return await anyio.to_thread.run_sync(palermo_response, request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return await anyio.to_thread.run_sync(validation_response, request, exc)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return await anyio.to_thread.run_sync(http_response, request, exc)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> Response:
        return await anyio.to_thread.run_sync(overflow_response, request, exc)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        return await anyio.to_thread.run_sync(crash_response, request, exc)

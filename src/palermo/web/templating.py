"""Jinja2 environment and the ``render`` helper every page uses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from palermo.auth.permissions import NO_OBJECT, allowed
from palermo.auth.roles import Principal
from palermo.web import charts
from palermo.web.next_steps import error_link
from palermo.web.security import csrf_token

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# The four areas of the platform; each domain router fills its own section.
SECTIONS = [
    ("statistics", "Statistics", "/statistics", "Comparable THB and smuggling figures, divergences explained"),
    ("linkage", "Linkage & exchange", "/linkage", "Hit/no-hit across agencies; agreements and follow-up requests"),
    ("coordination", "Coordination", "/coordination", "Who does what where: overlaps, gaps, liaison officers"),
    ("identification", "Identification", "/identification", "One indicator catalogue and explained screening"),
]


def _tojson_attr(value: Any) -> str:
    """JSON for a data-* attribute (charts read their Vega-Lite spec from there, no inline scripts)."""
    return json.dumps(value, ensure_ascii=False, default=str)


templates.env.filters["tojson_attr"] = _tojson_attr
templates.env.globals.update(chart_spec=charts.for_page, chart_table=charts.data_table)
templates.env.globals["next_step"] = error_link


def _thousands(value: Any) -> Any:
    """A count as people write it: 1,234; a whole number stored as a float (658.0) without its ".0"."""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return f"{value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else value


templates.env.filters["thousands"] = _thousands
# the page building blocks (table boxes, charts) as ``ui.*``, once the filters they use exist
templates.env.globals["ui"] = templates.env.get_template("_ui.html").module


def _can(principal: Principal | None) -> Callable[..., bool]:
    """``can(action)`` in templates: the rules table decides which forms and actions a page offers."""
    def can(action: str, owner: object = NO_OBJECT) -> bool:
        return principal is not None and allowed(principal, action, owner)
    return can


def _untranslated(message: str) -> str:
    return message


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    principal = getattr(request.state, "principal", None)
    ctx = {
        # English unless the page passes its translator (the identification pages do)
        "_": _untranslated,
        "request": request,
        "sections": SECTIONS,
        "principal": principal,
        "can": _can(principal),
        "user": getattr(request.state, "user", None),
        "org_short": getattr(request.state, "org_short", None),
        "csrf_token": csrf_token(request),
        # The login page's "Sign in with <provider>" (palermo.auth.oidc), when single sign-on is set up.
        # (Error pages of the body limit render before routing: their scope may have no app.)
        "sso_name": getattr(getattr(getattr(request.scope.get("app"), "state", None), "oidc", None),
                            "provider_name", None),
        # This page with its query, for the "Log in" link to come back to (see core.safe_next).
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)

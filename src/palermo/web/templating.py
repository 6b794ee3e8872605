"""Jinja2 environment and the ``render`` helper every page uses, in the reader's language.

The language of a page (:func:`request_language`): ``?lang=`` if the reader just chose one (the language
switch on every page links there, and the choice is kept in the ``palermo_lang`` cookie), else the
cookie, else the browser's Accept-Language, else English (``palermo.i18n.choose_language``).
Templates say their words with ``_()``; Python that gives a page words marks them with ``N_`` and the
template translates them, or translates them with ``gettext_now`` while the page renders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.datastructures import QueryParams
from starlette.responses import Response

from palermo.auth.permissions import NO_OBJECT, allowed
from palermo.auth.roles import Principal
from palermo.i18n import (
    LANGUAGES,
    N_,
    Domain,
    choose_language,
    format_date,
    format_moment,
    format_number,
    gettext_now,
    known_language,
    ngettext_now,
    page_words,
    say,
    speaking,
)
from palermo.web import charts
from palermo.web.next_steps import error_link
from palermo.web.security import csrf_token

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# Every ``{{ value }}`` a page writes: a core message (``palermo.messages.Message``: an error, a
# confirmation, a chart's word) in the page's language, with its values; data as it is.
templates.env.finalize = say

# The four areas of the platform; each domain router fills its own section. (Their words are marked
# for translation here and translated by the templates.)
SECTIONS = [
    ("statistics", N_("Statistics"), "/statistics", N_("Comparable THB and smuggling figures, divergences explained")),
    ("linkage", N_("Linkage & exchange"), "/linkage", N_("Hit/no-hit across agencies; agreements and follow-up requests")),
    ("coordination", N_("Coordination"), "/coordination", N_("Who does what where: overlaps, gaps, liaison officers")),
    ("identification", N_("Identification"), "/identification", N_("One indicator catalogue and explained screening")),
]
LANG_COOKIE = "palermo_lang"
LANG_COOKIE_AGE = 365 * 24 * 3600


def _tojson_attr(value: Any) -> str:
    """JSON for a data-* attribute (charts read their Vega-Lite spec from there, no inline scripts)."""
    return json.dumps(value, ensure_ascii=False, default=str)


templates.env.filters["tojson_attr"] = _tojson_attr
templates.env.globals.update(chart_spec=charts.for_page, chart_table=charts.data_table)
templates.env.globals["next_step"] = error_link
# The words of shared macros (``_ui.html``, ``_list.html``), which do not see a page's context: the
# language of the page being rendered (``render`` sets it).
templates.env.globals.update(_=gettext_now, ngettext=ngettext_now)


def _thousands(value: Any) -> Any:
    """A count as people of the page's language write it (1,234 · 1.234 · 1 234); a whole number stored as
    a float (658.0) without its ".0"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return format_number(int(value) if isinstance(value, float) and value.is_integer() else value)


templates.env.filters["thousands"] = _thousands


def _fill(message: str, *args: Any, **kwargs: Any) -> Markup:
    """A translated sentence with its placeholders filled in: ``{{ _('See {0}.')|fill(link) }}``. The values
    are escaped, except markup the template built itself (a link made with ``{% set %}``), so that a whole
    sentence with a link or a code inside stays one message a translator can reorder."""
    return escape(message).format(*args, **kwargs)


def _code(text: str) -> Markup:
    """A code sample, command or path inside a sentence (``{0}`` of a ``fill``): the same in every language."""
    return Markup("<code>{0}</code>").format(text)


templates.env.filters["fill"] = _fill
templates.env.globals["code"] = _code
def _as_time(value: Any) -> date | None:
    """A date or time a template holds (a ``date``, a ``datetime``, or ISO 8601 text as the audit keeps it)."""
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value or " " in value.strip() \
                else date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def _day(value: Any, width: str = "medium") -> Any:
    """``{{ d|day }}``: a date (of a date or a time) as the page's language writes it in a table (1 dic 2026);
    ``|day('long')`` in a sentence. Anything else (empty, not a date) is shown as it is. The API and CSV files
    keep ISO 8601; only pages are written for a reader."""
    when = _as_time(value)
    return value if when is None else format_date(when, width=width)


def _moment(value: Any, width: str = "long", seconds: bool = False) -> Any:
    """``{{ t|moment }}``: a UTC date and time as the page's language writes it (1 de diciembre de 2026, 14:05 UTC);
    ``|moment('medium')`` in a table, ``seconds=True`` for the audit trail."""
    when = _as_time(value)
    if isinstance(when, datetime):
        return format_moment(when, width=width, seconds=seconds)
    return value if when is None else format_date(when, width=width)


templates.env.filters["day"] = _day
templates.env.filters["moment"] = _moment
# the page building blocks (table boxes, charts) as ``ui.*``, once the filters they use exist
templates.env.globals["ui"] = templates.env.get_template("_ui.html").module


def _can(principal: Principal | None) -> Callable[..., bool]:
    """``can(action)`` in templates: the rules table decides which forms and actions a page offers."""
    def can(action: str, owner: object = NO_OBJECT) -> bool:
        return principal is not None and allowed(principal, action, owner)
    return can


def _query(request: Request) -> QueryParams:
    """The page's query; empty where the scope has none (an error page answered before routing, from a
    bare ASGI scope: Starlette's ``request.query_params`` needs ``query_string``, its URL does not)."""
    return QueryParams(request.url.query)


def request_language(request: Request, asked: str | None = None) -> str:
    """The language to answer ``request`` in: ``asked`` (a form's ``lang``), ``?lang=``, the language
    switch's cookie, Accept-Language, English."""
    return choose_language(asked or _query(request).get("lang"), request.cookies.get(LANG_COOKIE),
                           request.headers.get("accept-language"))


def _switch_links(request: Request) -> list[tuple[str, str, str]]:
    """``(code, name, href)`` of the language switch: this page in each language (after a form was sent,
    the home page: a form's answer cannot be asked for again by a link)."""
    if request.method not in ("GET", "HEAD"):
        return [(code, name, "/?" + urlencode({"lang": code})) for code, name in LANGUAGES.items()]
    query = [(k, v) for k, v in _query(request).multi_items() if k != "lang"]
    return [(code, name, request.url.path + "?" + urlencode([*query, ("lang", code)])) for code, name in LANGUAGES.items()]


def _remember_language(request: Request, response: Response) -> None:
    """Keep the language the reader just chose (``?lang=``) for their next pages."""
    asked = known_language(_query(request).get("lang"))
    if asked and asked != request.cookies.get(LANG_COOKIE):
        settings = getattr(getattr(request.scope.get("app"), "state", None), "settings", None)
        response.set_cookie(LANG_COOKIE, asked, max_age=LANG_COOKIE_AGE, path="/", samesite="lax", httponly=True,
                            secure=bool(getattr(settings, "secure_cookies", False)))


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200,
           domains: tuple[Domain, ...] = ()) -> Response:
    """Render page ``name`` in the reader's language (``context["lang"]`` when the route decided it), its
    words first from ``domains`` (identification's catalogues), then the platform's."""
    principal = getattr(request.state, "principal", None)
    lang = (context or {}).get("lang") or request_language(request)
    ctx = {
        **page_words(lang, *domains),
        "languages": LANGUAGES,
        "language_links": _switch_links(request),
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
    with speaking(lang, *domains):
        response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    _remember_language(request, response)
    return response

"""Long API lists, paged as the web's: a list's :class:`~palermo.listing.ListSpec` as an operation's query
parameters, and the page's place in the whole list in response headers.

The parameters are declared (so the OpenAPI document names every sort key and filter value) and then parsed
by the spec itself, the rule the web lists follow; the core list function cuts and counts the page over what
the caller may see, so ``X-Total-Count`` never counts another organisation's rows. A body that was a plain
list stays one: a client that reads only the body gets the first page, and the headers say there is more.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import Parameter, Signature
from typing import Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response

from palermo.listing import MAX_SEARCH, ListQuery, ListSpec, Page
from palermo.web.openapi import one_of

MAX_PAGE = 10**6
PAGE_HEADERS: dict[str, Any] = {
    "X-Total-Count": {"description": "rows the query matched, of those the caller may see", "required": True,
                      "schema": {"type": "integer", "minimum": 0}},
    "X-Page": {"description": "this page (a page past the end shows the last)", "required": True,
               "schema": {"type": "integer", "minimum": 1}},
    "X-Pages": {"description": "pages in all", "required": True, "schema": {"type": "integer", "minimum": 1}},
    "Link": {"description": 'the next and previous pages (RFC 8288: rel="next", rel="prev")', "schema": {"type": "string"}},
}
PAGED: dict[int | str, dict[str, Any]] = {200: {"headers": PAGE_HEADERS}}


def list_query(spec: ListSpec) -> Callable[..., ListQuery]:
    """A dependency giving the :class:`ListQuery` of ``spec`` from the request, its parameters declared."""
    sorts = [s for key in spec.sorts for s in (key, "-" + key)]
    params = [Parameter("request", Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]

    def declare(name: str, annotation: Any, description: str, **rules: Any) -> None:
        params.append(Parameter(name, Parameter.KEYWORD_ONLY, annotation=annotation | None,
                                default=Query(None, description=description, **rules)))

    declare("q", str, "search (case-insensitive, contained anywhere)", max_length=MAX_SEARCH)
    declare("sort", one_of(sorts, "sort"), f"sort key; a leading '-' sorts descending (default {spec.default_sort})")
    for name, values in spec.filters.items():
        declare(name, one_of(values, name), f"only the rows whose {name} is this")
    for name, size in spec.texts.items():
        declare(name, str, f"only the rows whose {name} is this", max_length=size)
    declare("page", int, "page number, from 1", ge=1, le=MAX_PAGE)
    declare("per_page", int, f"rows per page (default {spec.per_page})", ge=1, le=spec.max_per_page)

    def dependency(request: Request, **_: Any) -> ListQuery:
        return spec.parse(request.query_params)

    dependency.__signature__ = Signature(params, return_annotation=ListQuery)  # type: ignore[attr-defined]
    return dependency


def paged(request: Request, response: Response, page: Page[Any]) -> None:
    """Say in ``response``'s headers where ``page`` is in the whole list, and link its neighbours."""
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["X-Page"] = str(page.page)
    response.headers["X-Pages"] = str(page.pages)
    links = [f'<{request.url.path}?{urlencode(page.query.params(page=n))}>; rel="{rel}"'
             for n, rel in ((page.page + 1, "next"), (page.page - 1, "prev")) if 1 <= n <= page.pages]
    if links:
        response.headers["Link"] = ", ".join(links)

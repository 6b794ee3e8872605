"""The API's OpenAPI document, exact enough for a generated client to trust it.

FastAPI describes what the routes' models say; this module adds what the app does around them, in one
pass over the document: how callers authenticate (a bearer token), and for every operation each error
status it can answer with, all with the one error body (:class:`palermo.web.errors.ErrorOut`). Which
statuses an operation can return follows from how the app works:

* every operation: 401 (no or a wrong token), 403 (the rules table), 413 (the body limit, before
  routing), 500 (a crash), 503 (the database busy);
* an operation with parameters or a body: 422 (invalid input) and 404 (an object it names is not there
  or not visible to the caller); with a body: 400 (a body that cannot be parsed);
* a write (POST, DELETE): 409 (a duplicate, or a state that forbids the change); an upload: 429 (quota).

The types that make requests exact live here too: :func:`one_of` turns a core code list into an enum,
:data:`IsoDate` accepts only ``YYYY-MM-DD`` (pydantic alone also reads ``0`` as 1970-01-01), and
:class:`RequestBody` is the base of every request body: a field it does not declare is refused.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, get_type_hints

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    WithJsonSchema,
    create_model,
)

from palermo.web.errors import ErrorOut

OPENAPI_URL = "/api/v1/openapi.json"


class RequestBody(BaseModel):
    """Base of every API request body. A field the operation does not take is refused (422, naming it), never
    dropped: personal data sent by mistake (a ``name`` in a screening case) must meet the core's refusal,
    not vanish unseen. The document says so (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")
BEARER = "bearer"
# Operations a visitor without an account may call (a token, if sent, must still be valid).
PUBLIC_OPERATIONS = {("get", "/api/v1/statistics/export")}
UPLOADS = {("post", "/api/v1/linkage/uploads")}
ERROR_DESCRIPTIONS = {
    400: "The body cannot be parsed (not JSON, or a broken multipart form).",
    401: "No token, or a wrong, revoked or expired one.",
    403: "Authenticated, but the caller's roles or organisation do not allow this.",
    404: "An object the request names does not exist or is not visible to the caller.",
    409: "A duplicate, or a state of the object that forbids the change.",
    413: "The request body is larger than the deployment allows.",
    422: "The request breaks a rule; details.problems lists every invalid field with its reason.",
    429: "The organisation's quota for this operation is used up; try again later.",
    500: "An unexpected error; nothing was changed (details.reference names it in the server log).",
    503: "The database is busy or unreachable; try again in a few seconds.",
}
ALWAYS = (401, 403, 413, 500, 503)


def one_of(values: Iterable[str], what: str) -> Any:
    """A string from a code list: an enum in the document, and a clear error naming the choices."""
    allowed = tuple(values)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r}; use one of {', '.join(allowed)}")
        return value

    return Annotated[str, Strict(), AfterValidator(check), WithJsonSchema({"type": "string", "enum": list(allowed)})]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date; write it as year-month-day, e.g. 2026-12-01")
    return value


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(f"{value!r} is not a date and time; write it as e.g. 2026-12-01 or 2026-12-01T08:00:00Z")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
# A number of people or money: a JSON number (not a string or a boolean), finite, never negative.
StrictCount = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
# A text that must say something: not empty, not only blanks (Python's blanks, so the core's strip() agrees).
BLANKS = r"\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{BLANKS}]"
# No blank anywhere (user names).
NoBlanks = Annotated[str, Field(pattern=f"^[^{BLANKS}]+$")]
NonBlank = Annotated[str, Field(min_length=1, pattern=NOT_BLANK)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("send a value, or leave the field out (null is not accepted here)")
    return value


def omittable(tp: Any) -> Any:
    """A field that may be left out but, when sent, holds a value of ``tp`` (never null)."""
    return Annotated[tp | None, BeforeValidator(_not_null), WithJsonSchema(TypeAdapter(tp).json_schema())]


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 3.0 as an integer; a string or a boolean is not one.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    statuses = list(ALWAYS)
    has_body = "requestBody" in operation
    if operation.get("parameters") or has_body:
        statuses += [404, 422]
    if has_body:
        statuses.append(400)
    if method in ("post", "delete"):
        statuses.append(409)
    if (method, path) in UPLOADS:
        statuses.append(429)
    return sorted(statuses)


def _binary_uploads(doc: dict[str, Any]) -> None:
    """File fields of multipart forms as ``format: binary`` (a file part), never a string or null: FastAPI
    writes them as strings with a ``contentMediaType``, which clients and fuzzers fill with text."""
    schemas = doc["components"]["schemas"]
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            form = content.get("multipart/form-data", {}).get("schema", {})
            body = schemas.get(form.get("$ref", "").rsplit("/", 1)[-1], form)
            for name, prop in body.get("properties", {}).items():
                variants = prop.get("anyOf", [prop])
                if any("contentMediaType" in v for v in variants):
                    body["properties"][name] = {"type": "string", "format": "binary",
                                                **{k: prop[k] for k in ("title", "description") if k in prop}}


def summary_of(description: str) -> str:
    """An operation's summary: its docstring's first sentence, cut at its first clause when long (FastAPI would
    title-case the function's name: "Api Orgs")."""
    first = re.split(r"(?<=[.?])\s", " ".join(description.split()), maxsplit=1)[0].rstrip(".")
    for stop in (" (", "; ", ": "):
        if len(first) > 80 and stop in first:
            first = first.split(stop, 1)[0]
    return first


def document(app: FastAPI) -> dict[str, Any]:
    """The whole document, built once per app."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's own 422 body: the envelope replaces it
        schemas.pop(name, None)
    schemas["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    doc["components"]["securitySchemes"] = {BEARER: {
        "type": "http", "scheme": "bearer",
        "description": "An API token (palermo users token NAME, or ask an administrator). Pages of the web app "
                       "call the API with the browser session instead, sending X-CSRF-Token on writes."}}
    _binary_uploads(doc)
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            if operation.get("description"):
                operation["summary"] = summary_of(operation["description"])
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path, method, operation):
                responses[str(status)] = {"description": ERROR_DESCRIPTIONS[status],
                                          "content": {"application/json": {"schema": ref}}}
            public = (method, path) in PUBLIC_OPERATIONS
            operation["security"] = [{}, {BEARER: []}] if public else [{BEARER: []}]
    app.openapi_schema = doc
    return doc


def install(app: FastAPI) -> None:
    app.openapi = lambda: document(app)  # type: ignore[method-assign]


def view_schema(view: type, *, exclude: Iterable[str] = (), name: str | None = None) -> type[BaseModel]:
    """The API schema of a core view dataclass, so that its shape is declared once, in the core: the view's
    fields and types, each with its ``metadata["description"]``, less the fields the API does not carry.

    Example: ``view_schema(audit.EntryView, exclude=("details",))`` is the audit list's item."""
    hints, left_out = get_type_hints(view), set(exclude)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(view):
        if f.name not in left_out:
            default = f.default if f.default is not dataclasses.MISSING else ...
            fields[f.name] = (hints[f.name], Field(default, description=f.metadata.get("description")))
    model = create_model(name or f"{view.__name__}Out", __config__=ConfigDict(from_attributes=True), **fields)
    model.__doc__ = view.__doc__
    return model

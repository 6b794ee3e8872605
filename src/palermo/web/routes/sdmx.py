"""SDMX 2.1 REST API under /sdmx/rest: structures and data for the field's own clients (sdmx1, .Stat,
Eurostat's tools). The core (``palermo.statistics.sdmx_api``) answers; this router passes the request's
parts in and turns an :class:`SdmxError` into the SDMX-ML error message with its HTTP status."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.roles import Principal
from palermo.statistics import sdmx_api
from palermo.statistics.sdmx_query import NO_RESULTS, SdmxError
from palermo.web.deps import db_session, get_settings, visitor_principal

PREFIX = "/sdmx/rest"
pages = APIRouter(include_in_schema=False, prefix=PREFIX)
api = APIRouter()  # the SDMX API has its own root, not /api/v1


def _answer(request: Request, run: Callable[[], sdmx_api.Answer]) -> Response:
    try:
        answer = run()
    except SdmxError as err:
        return Response(sdmx_api.error_message(err), status_code=err.http_status, media_type="application/xml")
    etag = f'"{answer.etag}"' if answer.etag else None
    if etag and request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    headers = {"Vary": "Accept", "Cache-Control": "public, max-age=60"} | ({"ETag": etag} if etag else {})
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers=headers)


def _structure(request: Request, s: Session, principal: Principal, resource: str, agency: str | None,
               resource_id: str | None, version: str | None) -> Response:
    q = request.query_params
    return _answer(request, lambda: sdmx_api.structure_query(
        s, principal, resource, agency=agency, resource_id=resource_id, version=version, references=q.get("references"),
        detail=q.get("detail"), accept=request.headers.get("accept"), fmt=q.get("format")))


@pages.get("/data/{flow_ref}")
@pages.get("/data/{flow_ref}/{key}")
@pages.get("/data/{flow_ref}/{key}/{provider}")
def data(request: Request, flow_ref: str, key: str | None = None, provider: str | None = None,
         principal: Principal = Depends(visitor_principal), s: Session = Depends(db_session)) -> Response:
    q = request.query_params
    return _answer(request, lambda: sdmx_api.data_query(
        s, principal, flow_ref, key, provider, start_period=q.get("startPeriod"), end_period=q.get("endPeriod"),
        dimension_at_obs=q.get("dimensionAtObservation"), detail=q.get("detail"), accept=request.headers.get("accept"),
        fmt=q.get("format"), labels=q.get("labels"), threshold=get_settings(request).small_count_threshold))


@pages.get("/{resource}")
@pages.get("/{resource}/{agency}")
@pages.get("/{resource}/{agency}/{resource_id}")
@pages.get("/{resource}/{agency}/{resource_id}/{version}")
def structure(request: Request, resource: str, agency: str | None = None, resource_id: str | None = None,
              version: str | None = None, principal: Principal = Depends(visitor_principal),
              s: Session = Depends(db_session)) -> Response:
    return _structure(request, s, principal, resource, agency, resource_id, version)


@pages.get("/{path:path}")
def anything_else(request: Request, path: str) -> Response:
    """Any other path under the API root: the SDMX 'no results' message rather than a bare 404."""
    err = SdmxError(NO_RESULTS, f"no resource {path!r}; use dataflow, datastructure, codelist, conceptscheme or data/THB/KEY")
    return Response(sdmx_api.error_message(err), status_code=err.http_status, media_type="application/xml")

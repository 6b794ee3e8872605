"""Web pages and JSON API of palermo.statistics."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from email.utils import format_datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import Field, StrictBool
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.permissions import require
from palermo.auth.roles import Principal
from palermo.countries import name as country_name
from palermo.errors import ValidationError
from palermo.i18n import N_
from palermo.statistics import importers, release
from palermo.statistics.charts import funnel_spec
from palermo.statistics.codelists import FLAGS
from palermo.statistics.divergence import explain
from palermo.statistics.explorer import BREAKDOWNS, SORTS, ExplorerQuery, explore
from palermo.statistics.exports import EXPORT_FORMATS, export, rows_for_export
from palermo.statistics.freshness import source_status, stale
from palermo.statistics.hidden_figure import hidden_figure
from palermo.statistics.importers.warnings import group_warnings
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
from palermo.statistics.profile import country_profile
from palermo.statistics.query import countries_with_data, may_see_true_values
from palermo.statistics.sdmx_api import structures_for
from palermo.statistics.sdmx_query import key_for as sdmx_key
from palermo.web.codes import (
    AgeGroup,
    Citizenship,
    Country,
    Exploitation,
    ExportFormat,
    Flag,
    ImportFormat,
    Indicator,
    Publication,
    Sex,
    SourceType,
    Stage,
    Unit,
)
from palermo.web.deps import api_principal, csrf_form, db_session, get_settings, page_principal, visitor_principal
from palermo.web.flash import flashed
from palermo.web.openapi import NonBlank, RequestBody, StrictCount
from palermo.web.templating import render
from palermo.web.uploads import as_file, read_upload

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["statistics"], prefix="/statistics")


def _public_headers(s: Session, principal: Principal, response: Response) -> Response:
    """Visitors' pages say when the data last changed and may be cached until it does."""
    changed = release.last_changed(s)
    if changed is not None:
        response.headers["Last-Modified"] = format_datetime(changed, usegmt=True)
    if principal.is_anonymous:
        response.headers["ETag"] = f'W/"{release.validator(s)}"'
        response.headers["Cache-Control"] = "public, max-age=60"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _not_modified(request: Request, s: Session, principal: Principal) -> Response | None:
    if principal.is_anonymous and request.headers.get("if-none-match") == f'W/"{release.validator(s)}"':
        return Response(status_code=304)
    return None


@pages.get("/statistics")
def statistics_home(request: Request, principal: Principal = Depends(visitor_principal), s: Session = Depends(db_session)) -> Response:
    if (cached := _not_modified(request, s, principal)) is not None:
        return cached
    sources, countries = release.for_visitors(s, principal, ("home",),
                                              lambda: (source_status(s, principal), countries_with_data(s, principal)))
    return _public_headers(s, principal, render(request, "statistics/index.html", {
        "title": N_("Statistics"), "active": "statistics", "sources": sources, "countries": countries, "name": country_name,
        "last_changed": release.last_changed(s)}))


@pages.get("/statistics/country/{country}")
def country_profile_page(request: Request, country: str, year: str | None = Query(None, max_length=10),
                         principal: Principal = Depends(visitor_principal), s: Session = Depends(db_session)) -> Response:
    if (cached := _not_modified(request, s, principal)) is not None:
        return cached
    threshold = get_settings(request).small_count_threshold
    p, hidden = release.for_visitors(s, principal, ("profile", country.upper()[:3], year, threshold), lambda: (
        country_profile(s, principal, country, year, threshold=threshold),
        hidden_figure(s, principal, country, threshold=threshold)))
    name = country_name(p.country)
    return _public_headers(s, principal, render(request, "statistics/country.html", {
        "title": f"{name}: profile", "active": "statistics", "country": p.country, "cname": name,
        "year": p.year, "years": p.years, "chart": funnel_spec(p.funnel, N_("Justice funnel, {name} {year}", name=name, year=p.year)),
        "rows": p.funnel, "pairs": p.pairs, "shares": p.shares, "hidden": hidden, "last_changed": release.last_changed(s)}))


@pages.get("/statistics/data")
def data_table(request: Request, public: bool = False, principal: Principal = Depends(visitor_principal),
               s: Session = Depends(db_session)) -> Response:
    query = ExplorerQuery.parse(dict(request.query_params))
    if (cached := _not_modified(request, s, principal)) is not None:
        return cached
    threshold = get_settings(request).small_count_threshold
    if principal.is_anonymous:
        rows = release.public_rows(s, threshold=threshold)
    else:
        rows = rows_for_export(s, principal, public=public, threshold=threshold, country=query.country,
                               indicator=query.indicator)
    page = explore(rows, query)
    internal = not public and may_see_true_values(principal)
    return _public_headers(s, principal, render(request, "statistics/data.html", {
        "title": N_("Data"), "active": "statistics", "page": page, "q": query, "rows": page.rows, "total": page.total,
        "internal": internal, "formats": importers.FORMATS, "export_formats": EXPORT_FORMATS,
        "downloads": downloads(query, public=not internal), "breakdowns": BREAKDOWNS, "sorts": SORTS,
        "message": flashed(request), "last_changed": release.last_changed(s)}))


def downloads(q: ExplorerQuery, *, public: bool) -> list[tuple[str, str]]:
    """Links to the current selection in every export format and from the SDMX API."""
    common = {k: v for k, v in (("country", q.country), ("indicator", q.indicator)) if v}
    out = [(f, "/api/v1/statistics/export?" + urlencode({"format": f, **common, **({"public": "true"} if public else {})}))
           for f in EXPORT_FORMATS]
    key = sdmx_key(source=q.source, indicator=q.indicator, country=q.country)
    period = {"startPeriod": q.year, "endPeriod": q.year} if q.year else {}
    for label, fmt in (("SDMX-ML (API)", "structurespecificdata"), ("SDMX-CSV (API)", "csvdata"),
                       ("SDMX-CSV with labels (API)", "csvdatawithlabels"), ("SDMX-JSON (API)", "jsondata"),
                       ("JSON-stat (API)", "jsonstat")):
        out.append((label, f"/sdmx/rest/data/THB/{key}?" + urlencode({**period, "format": fmt})))
    return out


MAX_UPLOAD_MIB = 200
MEDIA = {"csv": ("text/csv", "csv"), "json": ("application/json", "json"), "json-stat": ("application/json", "json"),
         "sdmx-csv": ("text/csv", "csv"),
         "sdmx-ml": ("application/xml", "xml"), "sdmx-structure": ("application/xml", "xml")}


def _public_choice(value: str) -> bool | None:
    if value not in ("", "true", "false"):
        raise ValidationError(N_("publication {value!r} unknown; choose public (true), internal (false) or leave it unchanged",
                                 value=value))
    return None if value == "" else value == "true"


async def _import(request: Request, s: Session, principal: Principal, fmt: str, file: UploadFile,
                  mapping: UploadFile | None, source: str | None, public: str = "") -> importers.ImportReport:
    """Import an uploaded file exactly as `palermo stats import` does (all rows or none)."""
    require(principal, "statistics.import")  # before reading a large upload
    data = await read_upload(file, MAX_UPLOAD_MIB)
    spec = None
    if mapping is not None and mapping.filename:
        spec = importers.parse_mapping((await read_upload(mapping, 1)).decode("utf-8-sig", errors="replace"), mapping.filename)
    with as_file(data, file.filename) as path:
        return importers.import_file(s, principal, path, fmt, mapping=spec, source=source or None,
                                     public=_public_choice(public), mappings_dir=get_settings(request).mappings_dir)


@pages.post("/statistics/import", dependencies=[Depends(csrf_form)])
async def import_page(request: Request, fmt: str = Form(..., max_length=20), file: UploadFile = File(...),
                      mapping: UploadFile | None = File(None),
                      source: str = Form("", max_length=120), public: str = Form("", max_length=5),
                      principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    """The import's report as a page of its own: every warning, grouped by kind with counts and the first ones."""
    report = await _import(request, s, principal, fmt, file, mapping, source, public)
    summary = N_("Imported {observations:,} observations into {key} (vintage {vintage}); {publication}",
                 observations=report.observations, key=report.source_key, vintage=report.vintage,
                 publication=N_("public") if report.public else N_("internal, not published"))
    return render(request, "statistics/imported.html",
                  {"report": report, "summary": summary, "groups": group_warnings(report.warnings)})


# ------------------------------------------------------------------ API
class SourceIn(RequestBody):
    key: NonBlank = Field(max_length=120)
    name: NonBlank = Field(max_length=300)
    source_type: SourceType
    stage: Stage
    counting_unit: Unit
    legal_definition: str = Field(max_length=300)
    coverage: str = Field("national", max_length=300)
    update_schedule: str = "annual"
    vintage: str = Field("1", max_length=40)
    public: StrictBool = True


class ObservationIn(RequestBody):
    indicator: Indicator
    country: Country
    period: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?|-Q[1-4]|-S[12])?$", description="a year (2024), month, quarter or half")
    sex: Sex = "total"
    age_group: AgeGroup = "total"
    citizenship: Citizenship = "total"
    exploitation: Exploitation = "total"
    value: StrictCount | None = None
    lower: StrictCount | None = None
    upper: StrictCount | None = None
    flags: list[Flag] = Field([], max_length=len(FLAGS))


class ObservationsIn(RequestBody):
    source: SourceIn
    observations: list[ObservationIn] = Field(min_length=1, max_length=100_000)


@api.get("/sources")
def api_sources(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """The statistical sources the caller may see: type, stage, owner, vintage, freshness and whether public."""
    return [asdict(x) for x in source_status(s, principal)]


@api.get("/stale")
def api_stale(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Sources overdue for an update, and who owns them."""
    return [asdict(x) for x in stale(s, principal)]


@api.get("/observations")
def api_observations(request: Request, country: str | None = Query(None, max_length=3), indicator: str | None = Query(None, max_length=40),
                     public: bool = False, principal: Principal = Depends(api_principal),
                     s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Observations as rows with their flags, for a country or indicator; cells the caller may not see in full come
    disclosure-controlled (``public=true``: the public release)."""
    return rows_for_export(s, principal, public=public, threshold=get_settings(request).small_count_threshold,
                           country=country.upper() if country else None, indicator=indicator)


@api.get("/explain")
def api_explain(request: Request, country: str = Query(..., max_length=3), year: str = Query(..., max_length=10),
                indicator: str = Query("victims", max_length=40),
                principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Why sources disagree for a country and year: per pair, different concepts, different data, or both, with the
    evidence."""
    return [p.to_dict() for p in explain(s, principal, country=country.upper(), year=year, indicator=indicator,
                                         threshold=get_settings(request).small_count_threshold)]


@api.post("/import", status_code=201)
async def api_import(request: Request, fmt: Annotated[ImportFormat, Form()],
                     file: UploadFile = File(...), mapping: UploadFile | None = File(None, description="YAML mapping"),
                     source: str = Form("", max_length=120),
                     public: Annotated[Publication, Form(description="true: publish the source; false: internal; empty: unchanged")] = "",
                     principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> dict[str, Any]:
    """Import a file as `palermo stats import` does: all rows or none, every rejected row reported."""
    return asdict(await _import(request, s, principal, fmt, file, mapping, source, public))


@api.get("/export", response_class=Response, responses={200: {"content": {m: {} for m, _ in MEDIA.values()}}})
def api_export(request: Request, fmt: Annotated[ExportFormat, Query(alias="format")] = "csv",
               country: str | None = Query(None, max_length=3), indicator: str | None = Query(None, max_length=40),
               public: bool = False, principal: Principal = Depends(visitor_principal),
               s: Session = Depends(db_session)) -> Response:
    """CSV, JSON, JSON-stat, SDMX-CSV or SDMX-ML: true values only of the caller's own organisation's sources (analyst,
    data owner), every other cell under disclosure control; ``public=true`` gives the public release."""
    if fmt not in MEDIA:
        raise ValidationError(N_("format {fmt!r} unknown; use one of {formats}", fmt=fmt, formats=", ".join(EXPORT_FORMATS)))
    internal = not public and may_see_true_values(principal)
    rows = rows_for_export(s, principal, public=public, threshold=get_settings(request).small_count_threshold,
                           country=country.upper() if country else None, indicator=indicator)
    media, suffix = MEDIA[fmt]
    with tempfile.TemporaryDirectory(prefix="palermo-export-") as tmp:  # the exporters write files, as the CLI's
        path = Path(tmp) / f"export.{suffix}"
        export(rows, fmt, path, structures=structures_for(s, principal, public=not internal) if fmt == "sdmx-structure" else None)
        body = path.read_bytes()
    name = f"palermo-{'internal' if internal else 'public'}-{country or 'all'}-{fmt}.{suffix}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api.post("/observations", status_code=201)
def api_add(body: ObservationsIn, principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> dict[str, Any]:
    """Record observations of one source (created if new) with their flags; all of them or none."""
    src = record_observations(s, principal, SourceSpec(**body.source.model_dump()),
                              [ObservationSpec(**{**o.model_dump(), "flags": set(o.flags)}) for o in body.observations])
    return {"source": src.key, "vintage": src.vintage, "observations": len(body.observations)}

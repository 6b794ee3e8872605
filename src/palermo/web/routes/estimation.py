"""Web pages and JSON API of palermo.estimation: /statistics/estimates and POST /api/v1/estimates."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.permissions import NO_OBJECT, allowed, require
from palermo.auth.roles import Principal
from palermo.errors import ValidationError
from palermo.estimation import CRITERIA, DEFAULT_CRITERION, CaptureHistories
from palermo.estimation.estimate import bootstrap_method_for
from palermo.estimation.histories import MAX_LISTS
from palermo.estimation.report import INTERACTIVE_BUDGET, INTERACTIVE_MAX_BOOTSTRAP, Analysis, analyse_for
from palermo.estimation.tables import get_table, histories_from_json, histories_of, save_table, visible_tables
from palermo.i18n import N_
from palermo.web.codes import BootstrapMethod
from palermo.web.deps import api_principal, csrf_form, db_session, get_settings, page_principal
from palermo.web.flash import flash, flashed
from palermo.web.openapi import RequestBody
from palermo.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["estimation"])

WEB_MAX_BOOTSTRAP = INTERACTIVE_MAX_BOOTSTRAP  # keeps a request within a minute on the largest real tables
CRITERION_PATTERN = "^(" + "|".join(CRITERIA) + ")$"
DEFAULT_BOOTSTRAP_METHOD = "parametric"
BOOTSTRAP_METHOD_LABELS = {"parametric": N_("parametric (percentile)"), "bca": N_("BCa (resample the observed people)")}
# the model choices as the form names them (the criteria keep their usual abbreviations)
CRITERION_LABELS = {"aic": N_("AIC"), "bic": N_("BIC"), "pvalue": N_("p-value"), "average": N_("average of models (BIC weights)")}


def _merge_groups(text: str) -> list[list[str]]:
    """'PF+NCA, B+E' -> [['PF', 'NCA'], ['B', 'E']]"""
    return [[x.strip() for x in g.split("+") if x.strip()] for g in text.replace(";", ",").split(",") if g.strip()]


def _options(criterion: str, bootstrap: int, merge: str = "",
             bootstrap_method: str = DEFAULT_BOOTSTRAP_METHOD) -> dict[str, Any]:
    if criterion not in CRITERIA:
        raise ValidationError(N_("unknown criterion {criterion!r}; use one of {criteria}",
                                 criterion=criterion, criteria=', '.join(CRITERIA)))
    if not 0 <= bootstrap <= WEB_MAX_BOOTSTRAP:
        raise ValidationError(N_("bootstrap replicates must be between 0 and {web_max_bootstrap:,} on the web, got "
                                 "{bootstrap:,}",
                                 web_max_bootstrap=WEB_MAX_BOOTSTRAP, bootstrap=bootstrap))
    method = bootstrap_method_for(bootstrap_method, bootstrap)
    return {"criterion": criterion, "bootstrap": bootstrap, "bootstrap_method": method, "merge": _merge_groups(merge)}


def _analyse(request: Request, principal: Principal, histories: CaptureHistories, *, owner: object = NO_OBJECT,
             **opts: Any) -> Analysis:
    """One web or API estimate: the core decides the budget and which small cells the principal sees."""
    return analyse_for(principal, histories, threshold=get_settings(request).small_count_threshold, owner=owner,
                       budget=INTERACTIVE_BUDGET, **opts)


# ---------------------------------------------------------------- pages
def _page(request: Request, s: Session, principal: Principal, *, analysis: Analysis | None = None,
          table: Any = None, options: dict[str, Any] | None = None, message: str | None = None,
          status_code: int = 200) -> Response:
    return render(request, "estimation/estimates.html", {
        "title": N_("Estimates of the hidden number"), "active": "statistics",
        "tables": visible_tables(s, principal), "analysis": analysis, "table": table,
        "criteria": CRITERIA, "criterion_labels": CRITERION_LABELS, "bootstrap_methods": BOOTSTRAP_METHOD_LABELS,
        "options": options or {"criterion": DEFAULT_CRITERION, "bootstrap": 0,
                               "bootstrap_method": DEFAULT_BOOTSTRAP_METHOD, "merge": ""},
        "message": message, "max_bootstrap": WEB_MAX_BOOTSTRAP,
        "can_record": allowed(principal, "estimation.record_source") and table is not None and table.country
                      and table.period and (table.shared or principal.can_see(table.organisation_id)),
    }, status_code=status_code)


@pages.get("/statistics/estimates")
def estimates_page(request: Request, table: str | None = Query(None, min_length=1, max_length=40),
                   criterion: str = Query(DEFAULT_CRITERION, max_length=10),
                   bootstrap: int = Query(0, ge=0, le=WEB_MAX_BOOTSTRAP),
                   bootstrap_method: str = Query(DEFAULT_BOOTSTRAP_METHOD, max_length=20),
                   merge: str = Query("", max_length=200), message: str | None = Query(None, max_length=300),
                   principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    if table is None:
        return _page(request, s, principal, message=flashed(request))
    opts = _options(criterion, bootstrap, merge, bootstrap_method)
    t = get_table(s, principal, table)
    analysis = _analyse(request, principal, histories_of(t), owner=t.organisation_id, **opts)
    return _page(request, s, principal, analysis=analysis, table=t, message=flashed(request),
                 options={**opts, "merge": merge})


@pages.post("/statistics/estimates", dependencies=[Depends(csrf_form)])
async def estimates_upload(request: Request, file: UploadFile | None = File(None), csv_text: str = Form(""),
                           criterion: str = Form(DEFAULT_CRITERION), bootstrap: int = Form(0),
                           bootstrap_method: str = Form(DEFAULT_BOOTSTRAP_METHOD, max_length=20),
                           merge: str = Form(""), save: bool = Form(False), name: str = Form(""),
                           country: str = Form(""), period: str = Form(""),
                           principal: Principal = Depends(page_principal),
                           s: Session = Depends(db_session)) -> Response:
    data = await file.read() if file is not None and file.filename else b""
    if not data.strip() and not csv_text.strip():
        raise ValidationError(N_("choose a CSV file or paste the capture-history table (e.g. LA,NG,PF,count)"))
    histories = (CaptureHistories.from_bytes(data, file.filename or "upload.csv") if data.strip() and file is not None
                 else CaptureHistories.from_csv_text(csv_text))
    opts = _options(criterion, bootstrap, merge, bootstrap_method)
    table = None
    if save:
        table = save_table(s, principal, histories, name=name or "uploaded table", country=country or None,
                           period=period or None, origin="upload")
    analysis = _analyse(request, principal, histories, **opts)  # the counts the principal sent itself
    return _page(request, s, principal, analysis=analysis, table=table, options={**opts, "merge": merge})


@pages.post("/statistics/estimates/{reference}/source", dependencies=[Depends(csrf_form)])
def estimates_record(request: Request, reference: str, criterion: str = Form(DEFAULT_CRITERION),
                     bootstrap: int = Form(0), bootstrap_method: str = Form(DEFAULT_BOOTSTRAP_METHOD, max_length=20),
                     merge: str = Form(""), principal: Principal = Depends(page_principal),
                     s: Session = Depends(db_session)) -> Response:
    from palermo.estimation.source import record_estimate

    require(principal, "estimation.record_source")
    t = get_table(s, principal, reference)  # own tables, or shared hub overlaps (the source is then the caller's)
    if not (t.country and t.period):
        raise ValidationError(N_("the table needs a country and a period before its estimate can enter the statistics"))
    opts = _options(criterion, bootstrap, merge, bootstrap_method)
    analysis = _analyse(request, principal, histories_of(t), owner=t.organisation_id, **opts)
    record_estimate(s, principal, analysis.result, key=f"mse-{t.reference}-{criterion}",
                    name=f"MSE estimate: {t.name}", country=t.country, period=t.period,
                    coverage=f"persons on at least one of the lists {', '.join(analysis.result.lists)}, "
                             "and those estimated to be on none")
    flash(request, N_("Recorded as an estimate source: {estimate}", estimate=analysis.text))
    return RedirectResponse(f"/statistics/estimates?table={t.reference}&criterion={criterion}", status_code=303)


# ---------------------------------------------------------------- JSON API
class EstimateIn(RequestBody):
    """Capture histories as JSON: the lists, and either rows or overlap counts."""

    lists: list[str] = Field(default_factory=list, max_length=MAX_LISTS,
                             description="List names in order, e.g. ['NGO', 'POLICE', 'LABOUR']")
    rows: list[dict[str, int]] | None = Field(None, max_length=4096,
                                              description="One object per combination: {'NGO': 1, 'POLICE': 0, 'count': 12}")
    overlap: dict[str, int] | None = Field(None, description="Counts keyed by lists joined with '+': {'NGO+POLICE': 4}")


class EstimateOut(BaseModel):
    method: str
    method_description: str
    criterion: str
    lists: list[str]
    list_totals: dict[str, int]
    changes: list[dict[str, Any]]
    model_terms: list[str]
    non_overlapping_terms: list[str]
    observed: int
    dark_figure: float | None
    estimate: float | None
    lower: float | None
    upper: float | None
    confidence: float
    interval_method: str
    warnings: list[str]
    text: str
    disclosure_threshold: int
    overlap: list[dict[str, Any]]
    selection_steps: list[dict[str, Any]]
    fit: dict[str, Any]


class TableOut(BaseModel):
    reference: str
    name: str
    country: str | None
    period: str | None
    origin: str
    shared: bool


async def _raw_body(request: Request) -> tuple[str, bytes]:
    return request.headers.get("content-type", ""), await request.body()


_BODY_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": EstimateIn.model_json_schema()},
    "text/csv": {"schema": {"type": "string", "example": "NGO,POLICE,count\n1,0,40\n0,1,60\n1,1,10\n"}}}}}


@api.post("/estimates", response_model=EstimateOut, openapi_extra=_BODY_DOC)
def api_estimate(request: Request, body: tuple[str, bytes] = Depends(_raw_body),
                 criterion: str = Query(DEFAULT_CRITERION, pattern=CRITERION_PATTERN),
                 bootstrap: int = Query(0, ge=0, le=WEB_MAX_BOOTSTRAP),
                 bootstrap_method: Annotated[BootstrapMethod, Query(description=(
                     "parametric: Poisson tables from the fitted model, percentile interval; bca: the observed "
                     "people resampled, bias-corrected and accelerated interval (needs bootstrap > 0)"))] = DEFAULT_BOOTSTRAP_METHOD,
                 confidence: float = Query(0.95, ge=0.5, le=0.999), seed: int = Query(2000, ge=0, le=2**31 - 1),
                 merge: str = Query("", max_length=200),
                 principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """Estimate the total population from capture histories sent as CSV (text/csv) or JSON."""
    content_type, raw = body
    text = raw.decode("utf-8-sig", errors="replace")
    if "csv" in content_type or "text/plain" in content_type:
        histories = CaptureHistories.from_csv_text(text)
    else:
        try:
            data = EstimateIn.model_validate(json.loads(text or "null"))
        except (ValueError, TypeError) as exc:
            raise ValidationError(N_("the body is neither a capture-history CSV (send Content-Type: text/csv) nor "
                                     "valid JSON {{lists, rows | overlap}}: {exc}",
                                     exc=str(exc)[:300])) from None
        histories = histories_from_json(data.lists, data.rows, data.overlap)
    analysis = _analyse(request, principal, histories, owner=None, confidence=confidence, seed=seed,
                        **_options(criterion, bootstrap, merge, bootstrap_method))
    return analysis.to_dict()


@api.get("/estimates/tables", response_model=list[TableOut])
def api_tables(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[TableOut]:
    """Capture-history tables visible to the caller (own organisation's, and shared hub overlaps)."""
    return [TableOut(reference=t.reference, name=t.name, country=t.country, period=t.period, origin=t.origin, shared=t.shared)
            for t in visible_tables(s, principal)]

"""Web pages and JSON API of palermo.coordination."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.roles import Principal
from palermo.coordination import charts, money, results
from palermo.coordination.actors import list_actors
from palermo.coordination.codelists import theme_label
from palermo.coordination.feeds import feed_status
from palermo.coordination.hxl import read_hxl
from palermo.coordination.iati import read_iati
from palermo.coordination.initiatives import (
    INITIATIVE_LIST,
    InitiativeSpec,
    get_initiative,
    initiatives_page,
    is_overdue,
    list_initiatives,
    save_initiatives,
)
from palermo.coordination.instruments import commitments, instrument_table
from palermo.coordination.liaison import duplicate_reports, local_networks, visible_reports
from palermo.coordination.overview import overview
from palermo.coordination.sectors import label as sector_label
from palermo.errors import ValidationError
from palermo.i18n import N_, Translate, page_translations
from palermo.web.codes import Country, Currency, InitiativeStatus, ParticipantRole, ResultAge, ResultSex, TargetGroup, Theme
from palermo.web.deps import api_principal, csrf_form, db_session, get_settings, page_principal
from palermo.web.flash import flash, flashed
from palermo.web.openapi import IsoDate, NonBlank, RequestBody, StrictCount, omittable
from palermo.web.templating import render, request_language
from palermo.web.uploads import read_upload

# The confirmation the initiative page shows after the form (its template translates it).
SAVED = N_("Result saved")

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["coordination"], prefix="/coordination")

MAX_UPLOAD_MIB = 20


def _overview(request: Request, s: Session, principal: Principal, on: date | None) -> Any:
    settings = get_settings(request)
    return overview(s, principal, on=on, context_dir=settings.context_dir, threshold=settings.small_count_threshold)


def _words(request: Request) -> Translate:
    """The reader's language for the words a route builds into a chart (titles, legends)."""
    return page_translations(request_language(request)).gettext


@pages.get("/coordination")
def coordination_page(request: Request, on: date | None = None, principal: Principal = Depends(page_principal),
                      s: Session = Depends(db_session)) -> Response:
    listed = initiatives_page(s, INITIATIVE_LIST.parse(request.query_params))
    ov = _overview(request, s, principal, on)
    _ = _words(request)
    found, gaps = ov.overlaps(), ov.gaps()
    return render(request, "coordination/index.html", {
        "title": N_("Coordination"), "active": "coordination", "on": ov.on, "matrix": ov.matrix(), "overlaps": found,
        "gaps": gaps, "suggestions": ov.suggestions()[:10], "initiatives": listed, "theme": theme_label,
        "overdue": {i.ref for i in ov.initiatives if is_overdue(i)},
        "activity_map": charts.choropleth(ov.active_by_country(), _("Initiatives under way on {0}").format(ov.on),
                                          _("initiatives"), empty=_("no initiative under way on this date")),
        "gap_map": charts.choropleth(ov.gaps_by_country(), _("Uncovered needs on {0}").format(ov.on), _("gaps"), "oranges",
                                     empty=_("no uncovered need found")),
        "reached_map": charts.choropleth(ov.reached_by_country(), _("People reached, % of people targeted"), _("% reached"),
                                         "greens", empty=_("no initiative under way reports people targeted and reached"),
                                         top_at_least=100),
        "progress": {i.ref: results.headline_for(principal, i, ov.threshold) for i in ov.initiatives},
        "stopped": {i.ref for i in ov.initiatives if results.stopped_reporting(i)},
        "feeds": feed_status(s),
        "network": charts.network(ov.initiatives), "context_configured": get_settings(request).context_dir is not None,
        "message": flashed(request)})


@pages.post("/coordination/import", dependencies=[Depends(csrf_form)])
async def coordination_import(request: Request, fmt: str = Form(...), file: UploadFile = File(...),
                              principal: Principal = Depends(page_principal),
                              s: Session = Depends(db_session)) -> Response:
    data = await read_upload(file, MAX_UPLOAD_MIB)
    specs = _parse(fmt, data, file.filename or "upload")
    saved = save_initiatives(s, principal, specs, origin=file.filename or "upload")
    flash(request, N_("Imported {n} initiatives", n=len(saved)))
    return RedirectResponse("/coordination", status_code=303)


def _parse(fmt: str, data: bytes, name: str) -> list[InitiativeSpec]:
    if fmt == "hxl":
        try:
            return read_hxl(data.decode("utf-8-sig"), name)
        except UnicodeDecodeError:
            raise ValidationError(N_("{name} is not UTF-8 text; save the 3W sheet as CSV UTF-8", name=name)) from None
    if fmt == "iati":
        return read_iati(data, name)
    raise ValidationError(N_("format {fmt!r} unknown; use hxl or iati", fmt=fmt))


@pages.get("/coordination/liaison")
def liaison_page(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    nets = local_networks(s)
    reports = visible_reports(s, principal)
    _ = _words(request)
    return render(request, "coordination/liaison.html", {
        "title": N_("Liaison officers"), "active": "coordination", "networks": nets, "reports": reports,
        "duplicates": duplicate_reports(reports),
        "map": charts.choropleth({cc: len(ps) for cc, ps in nets.items()}, _("Liaison officers by host country"),
                                 _("officers"), "purples", empty=_("no officer posted"))})


@pages.get("/coordination/initiatives/{ref}")
def initiative_page(request: Request, ref: str, principal: Principal = Depends(page_principal),
                    s: Session = Depends(db_session)) -> Response:
    i = get_initiative(s, ref)
    return render(request, "coordination/initiative.html", {
        "title": i.title, "active": "coordination", "i": i,
        "progress": results.progress_for(principal, i, get_settings(request).small_count_threshold),
        "reported": results.results_for(principal, i), "threshold": get_settings(request).small_count_threshold,
        "stopped": results.stopped_reporting(i), "last_reported": results.last_reported(i),
        "overdue": is_overdue(i), "totals": money.totals(i), "sectors": [(c, sector_label(c)) for c in i.sectors],
        "theme_label": theme_label, "ages": results.AGES, "message": flashed(request)})


@pages.post("/coordination/initiatives/{ref}/results", dependencies=[Depends(csrf_form)])
def initiative_add_result(request: Request, ref: str, indicator: str = Form(results.PEOPLE),
                          period_start: str = Form(""), period_end: str = Form(""), sex: str = Form(""),
                          age: str = Form(""), target: str = Form(""), actual: str = Form(""),
                          principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    spec = results.ResultSpec(indicator.strip() or results.PEOPLE, _form_date(period_start, "period start"),
                              _form_date(period_end, "period end"), target=_form_number(target, "target"),
                              actual=_form_number(actual, "reached"), sex=sex, age=age,
                              people=(indicator.strip() or results.PEOPLE) == results.PEOPLE, where="form")
    results.add_results(s, principal, ref, [spec])
    return RedirectResponse(f"/coordination/initiatives/{quote(ref)}?{urlencode({'message': SAVED})}", status_code=303)


def _form_date(value: str, what: str) -> date | None:
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError:
        raise ValidationError(N_("{what} {value!r} is not a date; use the date picker (year-month-day)",
                                 what=what, value=value)) from None


def _form_number(value: str, what: str) -> float | None:
    try:
        return float(value.replace(",", "")) if value.strip() else None
    except ValueError:
        raise ValidationError(N_("{what} {value!r} is not a number of people", what=what, value=value)) from None


@pages.get("/coordination/money")
def money_page(request: Request, on: date | None = None, principal: Principal = Depends(page_principal),
               s: Session = Depends(db_session)) -> Response:
    ov = _overview(request, s, principal, on)
    found = money.flows(ov.initiatives)
    currencies = sorted({f.currency for f in found}, key=lambda c: -sum(f.value for f in found if f.currency == c))
    return render(request, "coordination/money.html", {
        "title": N_("Money"), "active": "coordination", "flows": found,
        "charts": [(c, charts.flow_chart(found, c)) for c in currencies],
        "two_funders": [o for o in ov.overlaps() if o.kind == "two funders"],
        "totals": {i.ref: money.totals(i) for i in ov.initiatives}, "initiatives": ov.initiatives})


@pages.get("/coordination/commitments")
def commitments_page(request: Request, principal: Principal = Depends(page_principal),
                     s: Session = Depends(db_session)) -> Response:
    return render(request, "coordination/commitments.html", {
        "title": N_("Commitments and instruments"), "active": "coordination", "commitments": commitments(s, principal),
        "instruments": instrument_table(s)})


# ------------------------------------------------------------------ API
class InitiativeIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"dependentRequired": {"budget": ["currency"]}})

    ref: NonBlank = Field(max_length=120)
    title: NonBlank = Field(max_length=300)
    participants: list[tuple[NonBlank, ParticipantRole]] = Field(min_length=1, description="(organisation, role) pairs")
    themes: list[Theme] = []
    target_groups: list[TargetGroup] = []
    countries: list[Country] = []
    areas: list[str] = []
    description: str = ""
    start: IsoDate | None = None
    end: IsoDate | None = None
    budget: omittable(StrictCount) = Field(None, description="with its currency")  # type: ignore[valid-type]
    currency: omittable(Currency) = Field(None, description="ISO 4217, e.g. EUR")  # type: ignore[valid-type]
    status: InitiativeStatus = "active"


class InitiativeOut(BaseModel):
    ref: str
    title: str
    themes: list[str]
    target_groups: list[str]
    countries: list[str]
    areas: list[str]
    start: date | None
    end: date | None
    budget: float | None
    currency: str | None
    status: str
    participants: list[dict[str, str]]
    updated_by: str
    overdue_update: bool


def _out(i: Any) -> InitiativeOut:
    return InitiativeOut(ref=i.ref, title=i.title, themes=i.themes, target_groups=i.target_groups, countries=i.countries,
                         areas=i.areas, start=i.start, end=i.end, budget=i.budget, currency=i.currency, status=i.status,
                         participants=[{"actor": p.actor.name, "role": p.role} for p in i.participants],
                         updated_by=i.updated_by, overdue_update=is_overdue(i))


@api.get("/initiatives", response_model=list[InitiativeOut])
def api_initiatives(country: str | None = Query(None, max_length=3), principal: Principal = Depends(api_principal),
                    s: Session = Depends(db_session)) -> list[InitiativeOut]:
    """Initiatives against trafficking and smuggling (who does what where), optionally in one country."""
    return [_out(i) for i in list_initiatives(s, country=country)]


@api.post("/initiatives", response_model=list[InitiativeOut], status_code=201)
def api_save_initiatives(body: list[InitiativeIn], principal: Principal = Depends(api_principal),
                         s: Session = Depends(db_session)) -> list[InitiativeOut]:
    """Add or update initiatives, all or none; every invalid item reported."""
    specs = [InitiativeSpec(**b.model_dump(), line=n) for n, b in enumerate(body, 1)]
    return [_out(i) for i in save_initiatives(s, principal, specs, origin="API request")]


class ResultIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": [v]} for v in ("baseline", "target", "actual")]})

    indicator: str = Field(results.PEOPLE, min_length=1, max_length=300)
    period_start: IsoDate
    period_end: IsoDate
    baseline: omittable(StrictCount) = None  # type: ignore[valid-type]
    target: omittable(StrictCount) = None  # type: ignore[valid-type]
    actual: omittable(StrictCount) = None  # type: ignore[valid-type]
    sex: ResultSex = ""
    age: ResultAge = ""


@api.get("/initiatives/{ref}")
def api_initiative(request: Request, ref: str, principal: Principal = Depends(api_principal),
                   s: Session = Depends(db_session)) -> dict[str, Any]:
    """One initiative with its sectors, results and progress (small counts protected as the caller's rights require),
    budgets and transactions."""
    i = get_initiative(s, ref)
    threshold = get_settings(request).small_count_threshold
    return {**_out(i).model_dump(mode="json"), "sectors": i.sectors,
            "progress": [p.to_dict() for p in results.progress_for(principal, i, threshold)],
            "stopped_reporting": results.stopped_reporting(i),
            "results": [{"indicator": r.indicator, "people": r.people, "period_start": r.period_start,
                         "period_end": r.period_end, "sex": r.sex, "age": r.age, "baseline": r.baseline,
                         "target": r.target, "actual": r.actual, "origin": r.origin}
                        for r in results.results_for(principal, i)],
            "budgets": [{"period_start": b.period_start, "period_end": b.period_end, "value": b.value,
                         "currency": b.currency, "revised": b.revised} for b in i.budgets],
            "transactions": [{"kind": t.kind, "date": t.transaction_date, "value": t.value, "currency": t.currency,
                              "provider": t.provider, "provider_activity": t.provider_activity, "receiver": t.receiver,
                              "receiver_activity": t.receiver_activity} for t in i.transactions]}


@api.post("/initiatives/{ref}/results", status_code=201)
def api_add_results(request: Request, ref: str, body: list[ResultIn], principal: Principal = Depends(api_principal),
                    s: Session = Depends(db_session)) -> dict[str, Any]:
    """Report results of an initiative for a period (baseline, target, actual); answers with its progress."""
    specs = [results.ResultSpec(**b.model_dump(), people=b.indicator == results.PEOPLE, where=f"item {n}", line=n)
             for n, b in enumerate(body, 1)]
    i = results.add_results(s, principal, ref, specs)
    threshold = get_settings(request).small_count_threshold
    return {"ref": i.ref, "progress": [p.to_dict() for p in results.progress_for(principal, i, threshold)]}


@api.get("/flows")
def api_flows(request: Request, on: IsoDate | None = None, principal: Principal = Depends(api_principal),
              s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Money flows funder → implementer → country and area of work, per currency, each amount counted once."""
    return [f.to_dict() for f in money.flows(_overview(request, s, principal, on).initiatives)]


@api.get("/feeds")
def api_feeds(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """The feeds that fill the initiative register: last good load, when the next is due, the last problem if any."""
    return [asdict(f) for f in feed_status(s)]


@api.get("/matrix")
def api_matrix(request: Request, on: IsoDate | None = None, principal: Principal = Depends(api_principal),
               s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Who implements what where: country by area of work, with the actors and initiatives active on a day."""
    return _overview(request, s, principal, on).matrix()


@api.get("/overlaps")
def api_overlaps(request: Request, on: IsoDate | None = None, principal: Principal = Depends(api_principal),
                 s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Initiatives of different actors on the same country, area of work and target group at the same time, most
    alike first."""
    return [o.to_dict() for o in _overview(request, s, principal, on).overlaps()]


@api.get("/gaps")
def api_gaps(request: Request, on: IsoDate | None = None, principal: Principal = Depends(api_principal),
             s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Country and area of work cells with a need and no active initiative covering them."""
    return [g.to_dict() for g in _overview(request, s, principal, on).gaps()]


@api.get("/suggestions")
def api_suggestions(request: Request, on: IsoDate | None = None, principal: Principal = Depends(api_principal),
                    s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Which actors should sit in each other's boards or meetings, from how much their initiatives overlap."""
    return _overview(request, s, principal, on).suggestions()


@api.get("/actors")
def api_actors(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """The actors of the register (agencies, NGOs, funders) with their acronyms, aliases and identifiers."""
    return [{"name": a.name, "acronym": a.acronym, "aliases": a.aliases, "identifiers": a.identifiers}
            for a in list_actors(s)]


@api.get("/liaison")
def api_liaison(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> dict[str, Any]:
    """Liaison officers' networks per host country and the reports the caller may read, with likely duplicate
    reports."""
    reports = visible_reports(s, principal)
    return {"networks": {cc: [{"officer": p.officer_ref, "sending_state": p.sending_state, "agency": p.sending_actor.name}
                              for p in ps] for cc, ps in local_networks(s).items()},
            "reports": [{"reference": r.reference, "officer": r.posting.officer_ref, "date": r.event_date.isoformat(),
                         "place": r.event_place, "title": r.title, "sharing_level": r.sharing_level} for r in reports],
            "duplicate_reports": duplicate_reports(reports)}


@api.get("/commitments")
def api_commitments(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Every commitment with its plan, responsible actor, whether it is overdue and the status its evidence shows."""
    return commitments(s, principal)


@api.get("/instruments")
def api_instruments(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """The international instruments (conventions, protocols) with each state's signature and consent to be bound."""
    return instrument_table(s)

"""Web pages and JSON API of palermo.coordination."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.roles import Principal
from palermo.coordination import charts
from palermo.coordination.actors import list_actors
from palermo.coordination.hxl import read_hxl
from palermo.coordination.iati import read_iati
from palermo.coordination.initiatives import InitiativeSpec, is_overdue, list_initiatives, save_initiatives
from palermo.coordination.instruments import commitments, instrument_table
from palermo.coordination.liaison import duplicate_reports, local_networks, visible_reports
from palermo.coordination.overview import overview
from palermo.errors import ValidationError
from palermo.web.deps import api_principal, csrf_form, db_session, get_settings, page_principal
from palermo.web.templating import render
from palermo.web.uploads import read_upload

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["coordination"], prefix="/coordination")

MAX_UPLOAD_MIB = 20


def _overview(request: Request, s: Session, principal: Principal, on: date | None) -> Any:
    return overview(s, principal, on=on, context_dir=get_settings(request).context_dir)


@pages.get("/coordination")
def coordination_page(request: Request, on: date | None = None, principal: Principal = Depends(page_principal),
                      s: Session = Depends(db_session)) -> Response:
    ov = _overview(request, s, principal, on)
    found, gaps = ov.overlaps(), ov.gaps()
    return render(request, "coordination/index.html", {
        "title": "Coordination", "active": "coordination", "on": ov.on, "matrix": ov.matrix(), "overlaps": found,
        "gaps": gaps, "suggestions": ov.suggestions()[:10], "initiatives": ov.initiatives,
        "overdue": {i.ref for i in ov.initiatives if is_overdue(i)},
        "activity_map": charts.choropleth(ov.active_by_country(), f"Initiatives under way on {ov.on}", "initiatives",
                                          empty="no initiative under way on this date"),
        "gap_map": charts.choropleth(ov.gaps_by_country(), f"Uncovered needs on {ov.on}", "gaps", "oranges",
                                     empty="no uncovered need found"),
        "network": charts.network(ov.initiatives), "context_configured": get_settings(request).context_dir is not None,
        "message": request.query_params.get("message")})


@pages.post("/coordination/import", dependencies=[Depends(csrf_form)])
async def coordination_import(request: Request, fmt: str = Form(...), file: UploadFile = File(...),
                              principal: Principal = Depends(page_principal),
                              s: Session = Depends(db_session)) -> Response:
    data = await read_upload(file, MAX_UPLOAD_MIB)
    specs = _parse(fmt, data, file.filename or "upload")
    saved = save_initiatives(s, principal, specs, origin=file.filename or "upload")
    return RedirectResponse(f"/coordination?message=Imported+{len(saved)}+initiatives", status_code=303)


def _parse(fmt: str, data: bytes, name: str) -> list[InitiativeSpec]:
    if fmt == "hxl":
        try:
            return read_hxl(data.decode("utf-8-sig"), name)
        except UnicodeDecodeError:
            raise ValidationError(f"{name} is not UTF-8 text; save the 3W sheet as CSV UTF-8") from None
    if fmt == "iati":
        return read_iati(data, name)
    raise ValidationError(f"format {fmt!r} unknown; use hxl or iati")


@pages.get("/coordination/liaison")
def liaison_page(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    nets = local_networks(s)
    reports = visible_reports(s, principal)
    return render(request, "coordination/liaison.html", {
        "title": "Liaison officers", "active": "coordination", "networks": nets, "reports": reports,
        "duplicates": duplicate_reports(reports),
        "map": charts.choropleth({cc: len(ps) for cc, ps in nets.items()}, "Liaison officers by host country",
                                 "officers", "purples", empty="no officer posted")})


@pages.get("/coordination/commitments")
def commitments_page(request: Request, principal: Principal = Depends(page_principal),
                     s: Session = Depends(db_session)) -> Response:
    return render(request, "coordination/commitments.html", {
        "title": "Commitments and instruments", "active": "coordination", "commitments": commitments(s),
        "instruments": instrument_table(s)})


# ------------------------------------------------------------------ API
class InitiativeIn(BaseModel):
    ref: str = Field(min_length=1, max_length=120)
    title: str = Field(min_length=1, max_length=300)
    participants: list[tuple[str, str]] = Field(min_length=1, description="(organisation, role) pairs; roles: "
                                                "funding, accountable, extending, implementing")
    themes: list[str] = []
    target_groups: list[str] = []
    countries: list[str] = []
    areas: list[str] = []
    description: str = ""
    start: date | None = None
    end: date | None = None
    budget: float | None = None
    currency: str | None = Field(None, max_length=3)
    status: str = "active"


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
    return [_out(i) for i in list_initiatives(s, country=country)]


@api.post("/initiatives", response_model=list[InitiativeOut], status_code=201)
def api_save_initiatives(body: list[InitiativeIn], principal: Principal = Depends(api_principal),
                         s: Session = Depends(db_session)) -> list[InitiativeOut]:
    specs = [InitiativeSpec(**b.model_dump(), line=n) for n, b in enumerate(body, 1)]
    return [_out(i) for i in save_initiatives(s, principal, specs, origin="API request")]


@api.get("/matrix")
def api_matrix(request: Request, on: date | None = None, principal: Principal = Depends(api_principal),
               s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return _overview(request, s, principal, on).matrix()  # type: ignore[no-any-return]


@api.get("/overlaps")
def api_overlaps(request: Request, on: date | None = None, principal: Principal = Depends(api_principal),
                 s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return [o.to_dict() for o in _overview(request, s, principal, on).overlaps()]


@api.get("/gaps")
def api_gaps(request: Request, on: date | None = None, principal: Principal = Depends(api_principal),
             s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return [g.to_dict() for g in _overview(request, s, principal, on).gaps()]


@api.get("/suggestions")
def api_suggestions(request: Request, on: date | None = None, principal: Principal = Depends(api_principal),
                    s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return _overview(request, s, principal, on).suggestions()  # type: ignore[no-any-return]


@api.get("/actors")
def api_actors(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return [{"name": a.name, "acronym": a.acronym, "aliases": a.aliases, "identifiers": a.identifiers}
            for a in list_actors(s)]


@api.get("/liaison")
def api_liaison(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> dict[str, Any]:
    reports = visible_reports(s, principal)
    return {"networks": {cc: [{"officer": p.officer_ref, "sending_state": p.sending_state, "agency": p.sending_actor.name}
                              for p in ps] for cc, ps in local_networks(s).items()},
            "reports": [{"id": r.id, "officer": r.posting.officer_ref, "date": r.event_date.isoformat(),
                         "place": r.event_place, "title": r.title, "sharing_level": r.sharing_level} for r in reports],
            "duplicate_reports": duplicate_reports(reports)}


@api.get("/commitments")
def api_commitments(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return commitments(s)


@api.get("/instruments")
def api_instruments(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return instrument_table(s)

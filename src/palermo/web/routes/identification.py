"""Web pages and JSON API of palermo.identification: the front-line form (phone-sized, en/es/fr, no name),
the explained result (printable), saved screenings, the handbook overlap view, the NGO channel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.accounts import list_organisations
from palermo.auth.roles import Principal
from palermo.errors import ValidationError
from palermo.identification.case import JOURNEY_FIELDS
from palermo.identification.catalogue import form_dimensions, load_catalogue, overlap, workspace_handbook_dir
from palermo.identification.i18n import LANGUAGES, check_language, translator
from palermo.identification.screening import screen
from palermo.identification.store import get_screening, list_screenings, save_screening, submit_cases
from palermo.web.deps import api_principal, csrf_form, db_session, db_write_session, get_settings, page_principal
from palermo.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["identification"], prefix="/identification")
TRI = {"yes": True, "no": False, "": None}


def _catalogue(request: Request) -> Any:
    return load_catalogue((workspace_handbook_dir(get_settings(request).data_dir),))


@pages.get("/identification")
def form(request: Request, lang: str = Query("en", max_length=5), principal: Principal = Depends(page_principal),
         s: Session = Depends(db_session)) -> Response:
    lang = check_language(lang)
    cat = _catalogue(request)
    _ = translator(lang)
    dims = form_dimensions(cat, _)
    return render(request, "identification/form.html", {
        "title": "Identification", "active": "identification", "lang": lang, "languages": LANGUAGES, "dims": dims,
        "dim_label": lambda d: _(d.label), "journey": JOURNEY_FIELDS, "orgs": list_organisations(s),
        "screenings": list_screenings(s, principal)[:20]})


@pages.post("/identification/screen", dependencies=[Depends(csrf_form)])
async def screen_form(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    form_data = await request.form()
    lang = check_language(str(form_data.get("lang", "en")))
    observed = []
    for value in form_data.getlist("observed"):
        iid, _sep, phase = str(value).partition("@")
        observed.append({"indicator": iid, "phase": phase or None,
                         "evidence": str(form_data.get(f"evidence_{iid}@{phase}", ""))})
    journey: dict[str, Any] = {}
    for key in JOURNEY_FIELDS:
        raw = str(form_data.get(key, ""))
        if key == "facilitator_after_arrival":
            if raw:
                journey[key] = raw
        elif key == "debt_to":
            if raw:
                journey[key] = raw
        elif raw in TRI:
            journey[key] = TRI[raw]
    age_raw = str(form_data.get("age", "")).strip()
    case: dict[str, Any] = {"age": int(age_raw) if age_raw.isdigit() else (age_raw or None), "observed": observed,
                            "journey": journey}
    referred = [str(x) for x in form_data.getlist("refer") if x]
    row, _result = save_screening(s, principal, case, lang=lang, referred_to=referred)
    return RedirectResponse(f"/identification/screenings/{row.reference}?lang={lang}", status_code=303)


@pages.get("/identification/screenings/{reference}")
def screening_page(request: Request, reference: str, lang: str | None = Query(None, max_length=5),
                   principal: Principal = Depends(page_principal), s: Session = Depends(db_write_session)) -> Response:
    row, result = get_screening(s, principal, reference, lang=lang)
    return render(request, "identification/result.html", {"title": "Screening", "active": "identification", "row": row,
                                                          "r": result, "languages": LANGUAGES})


@pages.get("/identification/handbooks")
def handbooks_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    cat = _catalogue(request)
    return render(request, "identification/handbooks.html", {"title": "Handbooks", "active": "identification",
                                                             "cat": cat, "ov": overlap(cat)})


# ------------------------------------------------------------------ API
class ObservedIn(BaseModel):
    indicator: str = Field(max_length=40)
    phase: str | None = Field(None, max_length=20)
    evidence: str = Field("", max_length=2000)


class CaseIn(BaseModel):
    age: int | str | None = None
    child: bool | None = None
    sex: str | None = None
    citizenship: str | None = None
    observed: list[ObservedIn] = Field(default_factory=list, max_length=200)
    journey: dict[str, Any] = Field(default_factory=dict)
    notes: str | None = Field(None, max_length=5000)


class ScreenIn(BaseModel):
    case: CaseIn
    lang: str = "en"
    save: bool = False
    referred_to: list[str] = Field(default_factory=list, max_length=20)


@api.get("/catalogue")
def api_catalogue(request: Request, principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    return _catalogue(request).to_dict()  # type: ignore[no-any-return]


@api.get("/handbooks")
def api_handbooks(request: Request, principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    return overlap(_catalogue(request)).to_dict()


@api.post("/screen")
def api_screen(body: ScreenIn, principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> dict[str, Any]:
    case = body.case.model_dump(exclude_none=True)
    if body.save:
        row, result = save_screening(s, principal, case, lang=body.lang, referred_to=body.referred_to)
        return {"reference": row.reference, **result.to_dict()}
    return screen(case, lang=body.lang).to_dict()


@api.post("/cases", status_code=201)
def api_cases(body: list[dict[str, Any]], principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> dict[str, int]:
    if len(body) > 10_000:
        raise ValidationError("at most 10,000 case summaries per request")
    return {"stored": submit_cases(s, principal, body)}

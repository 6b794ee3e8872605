"""Web pages and JSON API of palermo.identification: the front-line form (phone-sized, in the worker's
language, no name), the explained result (printable) with its referrals, the receiving organisation's
referral inbox, the handbook overlap view, and the NGO channel's case summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import Field, StrictBool
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from palermo.auth.accounts import list_organisations
from palermo.auth.permissions import allowed
from palermo.auth.roles import Principal
from palermo.errors import ValidationError
from palermo.identification.case import DEBT_HOLDERS, JOURNEY_FIELDS, SEXES
from palermo.identification.catalogue import form_dimensions, load_catalogue, overlap, workspace_handbook_dir
from palermo.identification.i18n import IDENTIFICATION, LANGUAGES, check_language, page_words, preferred_language, translator
from palermo.identification.labels import label_maps
from palermo.identification.offline import offline_bundle
from palermo.identification.referrals import ReferralRequest, decide, inbox, refer, referrals_of
from palermo.identification.screening import screen
from palermo.identification.store import EXPLOITATION, GENDER, STATUS_STAGE, get_screening, list_screenings, save_screening, submit_cases
from palermo.messages import N_
from palermo.web.codes import CaseSex, Language, ReferralDecision, ReferralStatus
from palermo.web.deps import api_principal, csrf_form, db_session, db_write_session, get_settings, page_principal
from palermo.web.openapi import RequestBody, WholeNumber
from palermo.web.templating import render, request_language

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["identification"], prefix="/identification")
TRI = {"yes": True, "no": False, "": None}
SERVICE_WORKER = Path(__file__).resolve().parents[1] / "static" / "identification" / "sw.js"
REFERABLE = ("ngo", "un_agency", "national_rapporteur", "international_organisation")


def _catalogue(request: Request) -> Any:
    return load_catalogue((workspace_handbook_dir(get_settings(request).data_dir),))


def _page(request: Request, name: str, lang: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render an identification page in ``lang``: its words, ``lang`` and ``dir`` on <html>."""
    return render(request, name, {"active": "identification", "languages": LANGUAGES, **page_words(lang), **label_maps(),
                                  **context}, status_code=status_code, domains=(IDENTIFICATION,))


def _language(request: Request, lang: str | None) -> str:
    """``?lang=`` if given (refused if unknown), else the reader's language (switch, browser, English)."""
    return check_language(lang) if lang else request_language(request)


def _refused(request: Request, s: Session, lang: str, err: ValidationError) -> Response:
    """Bad input on a form: every problem, in the worker's language (the core said them in ``lang``), and
    nothing kept: the unit of work is rolled back, not committed."""
    s.rollback()
    return _page(request, "identification/problems.html", lang, {"error": err}, status_code=422)


def _referral_requests(form_data: FormData) -> list[ReferralRequest]:
    """``refer_<SHORT>`` = consent | child_protection (empty: not referred)."""
    out = []
    for key in form_data:
        if key.startswith("refer_") and str(form_data.get(key)):
            basis = str(form_data.get(key))
            out.append(ReferralRequest(key[len("refer_"):], consent=basis == "consent", child_protection=basis == "child_protection"))
    return out


def _referable(s: Session, principal: Principal) -> list[Any]:
    return [o for o in list_organisations(s) if o.org_type in REFERABLE and o.id != principal.organisation_id]


@pages.get("/identification")
def form(request: Request, lang: str | None = Query(None, max_length=5), principal: Principal = Depends(page_principal),
         s: Session = Depends(db_session)) -> Response:
    lang = _language(request, lang)
    words = page_words(lang)
    return _page(request, "identification/form.html", lang, {
        "dims": form_dimensions(_catalogue(request), words["_"]), "journey": JOURNEY_FIELDS,
        "debt_holders": DEBT_HOLDERS, "sexes": SEXES,
        "orgs": _referable(s, principal), "screenings": list_screenings(s, principal)[:20],
        "may_screen": allowed(principal, "identification.screening.save")})


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
        if key in ("facilitator_after_arrival", "debt_to"):
            if raw:
                journey[key] = raw
        elif raw in TRI:
            journey[key] = TRI[raw]
    age_raw = str(form_data.get("age", "")).strip()
    case: dict[str, Any] = {"age": int(age_raw) if age_raw.isdigit() else (age_raw or None), "observed": observed,
                            "journey": journey}
    if str(form_data.get("sex", "")):
        case["sex"] = str(form_data.get("sex"))
    try:
        row, _result = save_screening(s, principal, case, lang=lang, referrals=_referral_requests(form_data))
    except ValidationError as err:
        return _refused(request, s, lang, err)
    return RedirectResponse(f"/identification/screenings/{row.reference}?lang={lang}", status_code=303)


@pages.get("/identification/screenings/{reference}")
def screening_page(request: Request, reference: str, lang: str | None = Query(None, max_length=5),
                   principal: Principal = Depends(page_principal), s: Session = Depends(db_write_session)) -> Response:
    row, result = get_screening(s, principal, reference, lang=lang)
    own = row.organisation_id == principal.organisation_id
    return _page(request, "identification/result.html", result.lang, {
        "row": row, "r": result, "referrals": referrals_of(s, principal, row),
        "orgs": _referable(s, principal) if own and allowed(principal, "identification.referrals") else []})


@pages.post("/identification/screenings/{reference}/referrals", dependencies=[Depends(csrf_form)])
async def refer_form(request: Request, reference: str, principal: Principal = Depends(page_principal),
                     s: Session = Depends(db_write_session)) -> Response:
    form_data = await request.form()
    lang = check_language(str(form_data.get("lang", "en")))
    row, _result = get_screening(s, principal, reference)
    try:
        refer(s, principal, row, _referral_requests(form_data), lang=lang)
    except ValidationError as err:
        return _refused(request, s, lang, err)
    return RedirectResponse(f"/identification/screenings/{reference}?lang={lang}", status_code=303)


@pages.get("/identification/referrals")
def referrals_page(request: Request, lang: str | None = Query(None, max_length=5), status: str | None = Query(None, max_length=12),
                   principal: Principal = Depends(page_principal), s: Session = Depends(db_write_session)) -> Response:
    lang = _language(request, lang)
    return _page(request, "identification/referrals.html", lang, {"items": inbox(s, principal, status=status or None),
                                                                  "status": status or ""})


@pages.post("/identification/referrals/{reference}/decision", dependencies=[Depends(csrf_form)])
async def decision_form(request: Request, reference: str, principal: Principal = Depends(page_principal),
                        s: Session = Depends(db_session)) -> Response:
    form_data = await request.form()
    lang = check_language(str(form_data.get("lang", "en")))
    try:
        decide(s, principal, reference, str(form_data.get("decision", "")), str(form_data.get("note", "")), lang=lang)
    except ValidationError as err:
        return _refused(request, s, lang, err)
    return RedirectResponse(f"/identification/referrals?lang={lang}", status_code=303)


@pages.get("/identification/cases")
def cases_page(request: Request, lang: str | None = Query(None, max_length=5), principal: Principal = Depends(page_principal),
               s: Session = Depends(db_session)) -> Response:
    lang = _language(request, lang)
    org = next((o for o in list_organisations(s) if o.id == principal.organisation_id), None)
    return _page(request, "identification/cases.html", lang, {
        "is_ngo": org is not None and org.org_type == "ngo", "genders": GENDER, "exploitations": EXPLOITATION,
        "statuses": STATUS_STAGE, "stored": request.query_params.get("stored")})


@pages.post("/identification/cases", dependencies=[Depends(csrf_form)])
async def cases_form(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    form_data = await request.form()
    lang = check_language(str(form_data.get("lang", "en")))
    year = str(form_data.get("year", "")).strip()
    case: dict[str, Any] = {k: str(form_data.get(k, "")).strip() for k in (
        "country", "prs_Gender", "age_group", "prs_Citizenship", "vic_TypeOfExploitation", "vic_TraffickingStatus",
        "screening_reference")}
    case = {k: v for k, v in case.items() if v}
    case["year"] = int(year) if year.isdigit() else (year or None)
    n = submit_cases(s, principal, [case])
    return RedirectResponse(f"/identification/cases?lang={lang}&stored={n}", status_code=303)


@pages.get("/identification/offline.json")
def offline_data(request: Request, lang: str | None = Query(None, max_length=5),
                 principal: Principal = Depends(page_principal)) -> dict[str, Any]:
    """The catalogue and the rule as data, for screening on the device with no network."""
    return offline_bundle(_catalogue(request), _language(request, lang))


@pages.get("/identification/sw.js")
def service_worker(principal: Principal = Depends(page_principal)) -> Response:
    """The service worker, served under /identification so that it may control the screening form."""
    return FileResponse(SERVICE_WORKER, media_type="application/javascript",
                        headers={"Service-Worker-Allowed": "/identification", "Cache-Control": "no-cache"})


@pages.get("/identification/handbooks")
def handbooks_page(request: Request, lang: str | None = Query(None, max_length=5),
                 principal: Principal = Depends(page_principal)) -> Response:
    lang = _language(request, lang)
    cat = _catalogue(request)
    return _page(request, "identification/handbooks.html", lang, {"cat": cat, "ov": overlap(cat)})


# ------------------------------------------------------------------ API
class ObservedIn(RequestBody):
    indicator: str = Field(max_length=40)
    phase: str | None = Field(None, max_length=20)
    evidence: str = Field("", max_length=2000)


class CaseIn(RequestBody):
    # optional to the schema so that a missing age is refused by the core, in the worker's language, with
    # every other problem of the case (the operation may answer 422: schemathesis.toml)
    age: Annotated[WholeNumber, Field(ge=0, le=120)] | Literal["child", "adult"] | None = Field(
        None, description="required: age in years, or child / adult; if the person may be under 18, child "
                          "(presumption of minority)")
    child: StrictBool | None = None
    sex: CaseSex | None = None
    citizenship: str | None = None
    observed: list[ObservedIn] = Field(default_factory=list, max_length=200)
    journey: dict[str, Any] = Field(default_factory=dict)
    notes: str | None = Field(None, max_length=5000)


class ReferralIn(RequestBody):
    organisation: str = Field(max_length=40, description="short name of the receiving organisation, e.g. LSTRADA")
    consent: StrictBool = Field(False, description="the person agreed to share this screening with that organisation")
    child_protection: StrictBool = Field(False, description="a child referred to child protection (the law, without consent)")


class ScreenIn(RequestBody):
    case: CaseIn
    lang: Language | None = Field(None, description="en, es, fr or ar; default: the Accept-Language header, else en")
    save: StrictBool = False
    referrals: list[ReferralIn] = Field(default_factory=list, max_length=20)
    # Refused by the route (in the caller's language) unless empty; the document says so with maxItems 0.
    referred_to: list[str] = Field(default_factory=list, max_length=20, json_schema_extra={"deprecated": True, "maxItems": 0},
                                   description="replaced by referrals (consent needed); refused unless empty")


class DecisionIn(RequestBody):
    decision: ReferralDecision = Field(description="accepted, or declined with a note saying why")
    note: str = Field("", max_length=2000)


@api.get("/catalogue")
def api_catalogue(request: Request, principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """The harmonised indicator catalogue of trafficking and smuggling: version, lists, dimensions, indicators and handbooks."""
    return _catalogue(request).to_dict()


@api.get("/handbooks")
def api_handbooks(request: Request, principal: Principal = Depends(api_principal)) -> dict[str, Any]:
    """How the handbooks overlap: per indicator the handbooks that have it; those shared, unique or in none."""
    return overlap(_catalogue(request)).to_dict()


def _api_language(request: Request, lang: str | None) -> str:
    """The language of an API answer, its errors included: ``lang`` if given, else Accept-Language."""
    return check_language(lang) if lang else preferred_language(request.headers.get("accept-language"))


@api.post("/screen")
def api_screen(request: Request, body: ScreenIn, principal: Principal = Depends(api_principal),
               s: Session = Depends(db_session)) -> dict[str, Any]:
    """Screen a case against the indicator catalogue, with the explained result; ``save: true`` keeps it under a
    reference with its referrals (each on consent, or child protection law for a child)."""
    lang = _api_language(request, body.lang)
    _ = translator(lang)
    if body.referred_to:
        raise ValidationError(_("referred_to no longer exists: a referral needs the person's consent; send "
                                'referrals: [{"organisation": "LSTRADA", "consent": true}]'))
    case = body.case.model_dump(exclude_none=True)
    if body.save:
        requests = [ReferralRequest(r.organisation, r.consent, r.child_protection) for r in body.referrals]
        row, result = save_screening(s, principal, case, lang=lang, referrals=requests)
        return {"reference": row.reference, **result.to_dict(), "referrals": [vars(v) for v in referrals_of(s, principal, row)]}
    if body.referrals:
        raise ValidationError(_("referrals need a saved screening: send save: true"))
    return screen(case, lang=lang).to_dict()


@api.get("/referrals")
def api_referrals(status: Annotated[ReferralStatus | None, Query()] = None, principal: Principal = Depends(api_principal),
                  s: Session = Depends(db_write_session)) -> list[dict[str, Any]]:
    """Screenings referred to the caller's organisation (the inbox), newest first."""
    return [vars(v) for v in inbox(s, principal, status=status)]


@api.post("/referrals/{reference}/decision")
def api_decide(request: Request, reference: str, body: DecisionIn, principal: Principal = Depends(api_principal),
               s: Session = Depends(db_session)) -> dict[str, Any]:
    """Accept or decline (saying why) a referral received by the caller's organisation; final once taken."""
    return vars(decide(s, principal, reference, body.decision, body.note, lang=_api_language(request, None)))


@api.post("/cases", status_code=201)
def api_cases(body: list[dict[str, Any]], principal: Principal = Depends(api_principal),
              s: Session = Depends(db_session)) -> dict[str, int]:
    """An NGO submits anonymised case summaries (at most 10,000 per request); its statistics sources are recomputed
    from all of them."""
    if len(body) > 10_000:
        raise ValidationError(N_("at most 10,000 case summaries per request"))
    return {"stored": submit_cases(s, principal, body)}

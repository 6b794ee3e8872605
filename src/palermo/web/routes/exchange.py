"""Web pages and JSON API of palermo.exchange."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.accounts import get_organisation, list_organisations
from palermo.auth.roles import Principal
from palermo.errors import PalermoError
from palermo.exchange.agreements import get_agreement, list_agreements, party_names
from palermo.exchange.codelists import CATEGORIES, HANDLING_CODES, PURPOSES
from palermo.exchange.lawful_routes import find_routes, graph_spec
from palermo.exchange.offers import request_offer
from palermo.exchange.policy import decide
from palermo.exchange.requests import (
    REQUEST_LIST,
    answer_request,
    cited_hit,
    dashboard,
    file_request,
    get_request,
    is_overdue,
    may_answer,
    org_name,
    read_released,
    shows_released,
)
from palermo.exchange.requests import requests_page as page_of_requests
from palermo.i18n import N_
from palermo.listing import ListQuery
from palermo.web.api_lists import PAGED, list_query, paged
from palermo.web.codes import AnswerDecision, Category, ExchangePurpose
from palermo.web.deps import api_principal, csrf_form, db_session, db_write_session, page_principal
from palermo.web.flash import flash, flashed
from palermo.web.openapi import IsoDate, NonBlank, RequestBody
from palermo.web.templating import render

# The confirmation the request page shows after the form (its template translates it).
FILED = N_("Request filed")

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["exchange"], prefix="/exchange")


@pages.get("/exchange")
def exchange_home(principal: Principal = Depends(page_principal)) -> Response:
    return RedirectResponse("/exchange/agreements", status_code=303)


@pages.get("/exchange/agreements")
def agreements_page(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    rows = [(a, party_names(s, a)) for a in list_agreements(s)]
    return render(request, "exchange/agreements.html", {"title": N_("Agreements"), "active": "linkage", "rows": rows,
                                                        "graph": graph_spec(s), "categories": CATEGORIES})


@pages.get("/exchange/agreements/{reference}")
def agreement_page(request: Request, reference: str, principal: Principal = Depends(page_principal),
                   s: Session = Depends(db_session)) -> Response:
    ag = get_agreement(s, reference)
    return render(request, "exchange/agreement.html", {"title": ag.reference, "active": "linkage", "ag": ag,
                                                       "parties": party_names(s, ag), "codes": HANDLING_CODES,
                                                       "categories": CATEGORIES, "purposes": PURPOSES})


@pages.get("/exchange/routes")
def routes_page(request: Request, from_org: str | None = Query(None, alias="from"), to_org: str | None = Query(None, alias="to"),
                category: str = "hit_no_hit", purpose: str = "investigation",
                principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    found, decision = [], None
    error: PalermoError | None = None
    if from_org and to_org:
        try:
            a, b = get_organisation(s, from_org), get_organisation(s, to_org)
            decision = decide(s, requester_org_id=a.id, owner_org_id=b.id, category=category, purpose=purpose)
            found = find_routes(s, a.short_name, b.short_name, category, purpose)
        except PalermoError as exc:
            error = exc
    orgs = list_organisations(s)
    return render(request, "exchange/routes.html", {
        "title": N_("Lawful routes"), "active": "linkage", "orgs": orgs, "org_label": _labels(orgs), "from_org": from_org or "",
        "to_org": to_org or "", "category": category, "purpose": purpose, "categories": CATEGORIES, "purposes": PURPOSES,
        "routes": found, "error": error, "decision": decision})


def _labels(orgs: list[Any]) -> dict[str, str]:
    """Organisations as people name them, with the code the agreements use: 'Europol (EUROPOL)'."""
    return {o.short_name: o.short_name if o.name == o.short_name else f"{o.name} ({o.short_name})" for o in orgs}


def _label_by_id(s: Session) -> Any:
    labels = {o.id: label for o in list_organisations(s) for label in [_labels([o])[o.short_name]]}
    return lambda org_id: labels.get(org_id, str(org_id))


@pages.get("/exchange/requests")
def requests_page(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    page = page_of_requests(s, principal, REQUEST_LIST.parse(request.query_params))
    return render(request, "exchange/requests.html", {
        "title": N_("Requests"), "active": "linkage", "requests": page, "stats": dashboard(s, principal),
        "name": _label_by_id(s),
        "overdue": is_overdue, "answerable": lambda r: may_answer(principal, r),
        "message": flashed(request)})


@pages.get("/exchange/requests/new")
def new_request_page(request: Request, owner: str = "", match: str = "", category: str = "",
                     principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    offer = request_offer(s, principal, owner=owner, match=match, category=category)
    return render(request, "exchange/new_request.html", {"title": N_("New request"), "active": "linkage", "offer": offer,
                                                         "org_label": _labels(list_organisations(s))})


@pages.post("/exchange/requests", dependencies=[Depends(csrf_form)])
def file_request_form(request: Request, owner: str = Form(...), category: str = Form(...), purpose: str = Form(""),
                      justification: str = Form(""), case_reference: str = Form(""), data_wanted: str = Form(""),
                      match: str = Form(""), principal: Principal = Depends(page_principal),
                      s: Session = Depends(db_session)) -> Response:
    req = file_request(s, principal, owner_org_id=get_organisation(s, owner).id, category=category, purpose=purpose,
                       justification=justification, case_reference=case_reference, data_wanted=data_wanted,
                       match_reference=match or None)
    return RedirectResponse(f"/exchange/requests/{req.reference}?{urlencode({'message': FILED})}", status_code=303)


@pages.post("/exchange/requests/{reference}/answer", dependencies=[Depends(csrf_form)])
def answer_form(request: Request, reference: str, decision: str = Form(...), reason: str = Form(""),
                released: str = Form(""), principal: Principal = Depends(page_principal),
                s: Session = Depends(db_session)) -> Response:
    req = answer_request(s, principal, reference, decision=decision, reason=reason, released=released)
    flash(request, N_("Answered: {status}", status=req.status))
    return RedirectResponse(f"/exchange/requests/{req.reference}", status_code=303)


@pages.get("/exchange/requests/{reference}")
def request_page(request: Request, reference: str, principal: Principal = Depends(page_principal),
                 s: Session = Depends(db_write_session)) -> Response:
    req = get_request(s, principal, reference)
    shown = shows_released(principal, req)
    if shown:
        req = read_released(s, principal, reference)
    return render(request, "exchange/request.html", {
        "title": req.reference, "active": "linkage", "r": req, "name": _label_by_id(s), "codes": HANDLING_CODES,
        "shows_released": shown,
        "overdue": is_overdue(req), "may_answer": may_answer(principal, req), "hit": cited_hit(s, principal, req),
        "message": flashed(request)})


# ------------------------------------------------------------------ API
class DecisionOut(BaseModel):
    allowed: bool
    agreement_id: int | None
    agreement_ref: str | None
    clause: str | None
    reasons: list[str]
    handling_codes: list[str]


class RequestIn(RequestBody):
    owner: str = Field(min_length=1, max_length=200)
    category: Category
    purpose: ExchangePurpose
    justification: NonBlank = Field(max_length=5000)
    case_reference: NonBlank = Field(max_length=120)
    data_wanted: NonBlank = Field(max_length=5000)
    match_reference: str | None = Field(None, max_length=60)


class AnswerIn(RequestBody):
    decision: AnswerDecision
    reason: str = Field("", max_length=5000)
    released: str = Field("", max_length=20000)


class RequestOut(BaseModel):
    reference: str
    requester: str
    owner: str
    category: str
    purpose: str
    match_reference: str | None
    status: str
    deadline: date
    overdue: bool
    agreement: str
    decision_reason: str
    handling_codes: list[str]
    retention_until: date | None


def _out(s: Session, r: Any) -> RequestOut:
    return RequestOut(reference=r.reference, requester=org_name(s, r.requester_org_id), owner=org_name(s, r.owner_org_id),
                      category=r.category, purpose=r.purpose, match_reference=r.match_reference, status=r.status,
                      deadline=r.deadline, overdue=is_overdue(r),
                      agreement=r.agreement.reference, decision_reason=r.decision_reason,
                      handling_codes=r.handling_codes, retention_until=r.retention_until)


@api.get("/agreements")
def api_agreements(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """The registry of agreements: parties, data categories, purposes, validity, status and handling codes."""
    return [{"reference": a.reference, "title": a.title, "type": a.agreement_type, "status": a.status,
             "parties": party_names(s, a), "categories": a.categories, "purposes": a.purposes,
             "valid_from": a.valid_from, "valid_to": a.valid_to, "handling_codes": a.handling_codes} for a in list_agreements(s)]


@api.get("/check", response_model=DecisionOut)
def api_check(category: Annotated[Category, Query()], purpose: Annotated[ExchangePurpose, Query()],
              from_org: str = Query(..., alias="from", max_length=200), to_org: str = Query(..., alias="to", max_length=200),
              on: IsoDate | None = None,
              principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> DecisionOut:
    """May ``from`` obtain ``category`` from ``to`` for ``purpose`` (on a day)? Allowed with the agreement and
    clause, or refused with every reason."""
    d = decide(s, requester_org_id=get_organisation(s, from_org).id, owner_org_id=get_organisation(s, to_org).id,
               category=category, purpose=purpose, on=on)
    return DecisionOut(**d.to_dict())


@api.get("/routes")
def api_routes(category: Annotated[Category, Query()], purpose: Annotated[ExchangePurpose, Query()],
               from_org: str = Query(..., alias="from", max_length=200), to_org: str = Query(..., alias="to", max_length=200),
               principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[dict[str, Any]]:
    """Chains of agreements through intermediaries that would allow the exchange, shortest and least restricted
    first."""
    return [r.to_dict() for r in find_routes(s, get_organisation(s, from_org).short_name,
                                              get_organisation(s, to_org).short_name, category, purpose)]


class RequestsOut(BaseModel):
    """One page of the organisation's requests; ``sent`` and ``received`` split the page's ``items`` by side (the
    shape before paging), the dashboard covers all of them."""

    items: list[RequestOut]
    total: int = Field(description="requests the query matched, of those sent or received by the caller's organisation")
    page: int
    pages: int
    per_page: int
    sent: list[RequestOut]
    received: list[RequestOut]
    dashboard: dict[str, Any]


REQUEST_QUERY = list_query(REQUEST_LIST)


@api.get("/requests", response_model=RequestsOut, responses=PAGED)
def api_requests(request: Request, response: Response, principal: Principal = Depends(api_principal),
                 query: ListQuery = Depends(REQUEST_QUERY), s: Session = Depends(db_session)) -> RequestsOut:
    """Requests the organisation sent or received, newest first, one page at a time; searched, filtered (box,
    status, overdue) and sorted as the web's list of requests."""
    page = page_of_requests(s, principal, query)
    paged(request, response, page)
    items = [(_out(s, r), r.requester_org_id == principal.organisation_id) for r in page.items]
    return RequestsOut(items=[o for o, _ in items], total=page.total, page=page.page, pages=page.pages,
                       per_page=query.per_page, sent=[o for o, mine in items if mine],
                       received=[o for o, mine in items if not mine], dashboard=dashboard(s, principal))


@api.post("/requests", response_model=RequestOut, status_code=201)
def api_file_request(body: RequestIn, principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> RequestOut:
    """File a follow-up request to the organisation holding the data; refused unless an agreement gives it a legal
    basis for the category and purpose."""
    req = file_request(s, principal, owner_org_id=get_organisation(s, body.owner).id, category=body.category,
                       purpose=body.purpose, justification=body.justification, case_reference=body.case_reference,
                       data_wanted=body.data_wanted, match_reference=body.match_reference)
    return _out(s, req)


@api.post("/requests/{reference}/answer", response_model=RequestOut)
def api_answer(reference: str, body: AnswerIn, principal: Principal = Depends(api_principal),
               s: Session = Depends(db_session)) -> RequestOut:
    """Answer a request received by the caller's organisation (its data owner): approve, partly approve or refuse;
    released data carries handling codes and retention."""
    return _out(s, answer_request(s, principal, reference, decision=body.decision, reason=body.reason,
                                  released=body.released))

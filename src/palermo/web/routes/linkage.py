"""Web pages and JSON API of palermo.linkage (the "Linkage & exchange" section)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.accounts import get_organisation
from palermo.auth.roles import Principal
from palermo.i18n import N_
from palermo.linkage.entities import entities_for
from palermo.linkage.hidden_figure import (
    DEFAULT_DRAWS,
    DEFAULT_FLOOR,
    MAX_DRAWS,
    estimable_uploads,
    estimate_from_uploads,
)
from palermo.linkage.hits import HIT_LIST, HitView, get_hit, hit_view, hits_for, hits_page
from palermo.linkage.hub import submit
from palermo.linkage.lifecycle import UploadView, uploads_for, withdraw
from palermo.linkage.policy import upload_offers
from palermo.linkage.review import VERDICTS, Precision, precision_report, review_hit, review_states
from palermo.listing import ListQuery
from palermo.web.api_lists import PAGED, list_query, paged
from palermo.web.codes import LinkPurpose, ListKind, Verdict
from palermo.web.deps import api_principal, csrf_form, db_session, get_settings, page_principal
from palermo.web.flash import flash, flashed
from palermo.web.openapi import RequestBody
from palermo.web.templating import render
from palermo.web.uploads import read_upload

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["linkage"], prefix="/linkage")
MAX_UPLOAD_MIB = 200


async def _read(file: UploadFile) -> bytes:
    return await read_upload(file, MAX_UPLOAD_MIB, "the list")


@pages.get("/linkage")
def linkage_page(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    hits = hits_page(s, principal, HIT_LIST.parse(request.query_params))
    org = get_organisation(s, principal.organisation_id) if principal.organisation_id else None
    return render(request, "linkage/index.html", {
        "title": N_("Linkage & exchange"), "active": "linkage", "hits": hits,
        "reviews": review_states(s, principal, [h.reference for h in hits.items]),
        "uploads": uploads_for(s, principal), "offers": upload_offers(principal, org.org_type if org else None),
        "precision": precision_report(s, principal), "entities": entities_for(s, principal),
        "message": flashed(request)})


@pages.get("/linkage/hits/{reference}")
def hit_page(reference: str, request: Request, principal: Principal = Depends(page_principal),
             s: Session = Depends(db_session)) -> Response:
    view = hit_view(s, principal, get_hit(s, principal, reference).reference)
    assert view is not None  # get_hit found it among the organisation's hits
    return render(request, "linkage/hit.html", {
        "title": f"Hit {view.reference}", "active": "linkage", "hit": view,
        "review": review_states(s, principal, [view.reference])[view.reference], "verdicts": VERDICTS,
        "message": flashed(request)})


@pages.post("/linkage/hits/{reference}/review", dependencies=[Depends(csrf_form)])
def hit_review_form(request: Request, reference: str, verdict: str = Form(...), note: str = Form(""),
                    principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    row = review_hit(s, principal, reference, verdict=verdict, note=note)
    flash(request, N_("Your verdict ({verdict}) is recorded", verdict=row.verdict))
    return RedirectResponse(f"/linkage/hits/{reference}", status_code=303)


@pages.post("/linkage/uploads/{reference}/withdraw", dependencies=[Depends(csrf_form)])
def upload_withdraw_form(request: Request, reference: str, principal: Principal = Depends(page_principal),
                         s: Session = Depends(db_session)) -> Response:
    upload, n = withdraw(s, principal, reference)
    flash(request, N_("Upload {upload} withdrawn: its encodings are deleted and {n} hit(s) withdrawn", upload=upload.reference,
                      n=n))
    return RedirectResponse("/linkage", status_code=303)


@pages.post("/linkage/uploads", dependencies=[Depends(csrf_form)])
async def linkage_upload(request: Request, label: str = Form(...), kind_purpose: str = Form(""), purpose: str = Form(""),
                         kind: str = Form(""), file: UploadFile = File(...), principal: Principal = Depends(page_principal),
                         s: Session = Depends(db_session)) -> Response:
    if kind_purpose:  # the form offers the kinds and purposes that fit the organisation as one choice
        kind, _, purpose = kind_purpose.partition(":")
    result = submit(s, principal, await _read(file), label=label, purpose=purpose, list_kind=kind,
                    settings=get_settings(request))
    flash(request, N_("Upload {upload}: compared with {lists} list(s), {hits} hit(s)", upload=result.upload.reference,
                      lists=len(result.run.compared), hits=len(result.hits)))
    return RedirectResponse("/linkage", status_code=303)


class UploadOut(BaseModel):
    upload: str = Field(description="the upload's reference (withdraw it by this)")
    records: int
    compared: int
    hits: int
    refused: dict[str, list[str]]


@api.post("/uploads", response_model=UploadOut, status_code=201)
async def api_upload(request: Request, purpose: Annotated[LinkPurpose, Form()],
                     label: str = Form(..., min_length=1, max_length=120),
                     kind: Annotated[ListKind, Form()] = "suspects", file: UploadFile = File(...),
                     principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> UploadOut:
    """Upload an encodings file (keyed Bloom filters made with ``palermo link encode``): the hub compares it with the
    other agencies' lists the agreements allow and answers with the hits found."""
    r = submit(s, principal, await _read(file), label=label, purpose=purpose, list_kind=kind,
               settings=get_settings(request))
    return UploadOut(upload=r.upload.reference, records=r.upload.records, compared=len(r.run.compared), hits=len(r.hits),
                     refused=r.run.refused)


# Response models are the core's own dataclasses (HitView, UploadView, Precision): one declaration of each shape.
HIT_QUERY = list_query(HIT_LIST)


@api.get("/hits", response_model=list[HitView], responses=PAGED)
def api_hits(request: Request, response: Response, principal: Principal = Depends(api_principal),
             query: ListQuery = Depends(HIT_QUERY), s: Session = Depends(db_session)) -> list[HitView]:
    """The organisation's hits, best first, one page at a time (``X-Total-Count``, ``Link``); searched, filtered
    and sorted as the web's list of hits."""
    page = hits_page(s, principal, query)
    paged(request, response, page)
    return page.items


class ReviewIn(RequestBody):
    verdict: Verdict = Field(..., description="confirmed, rejected (not the same person) or unsure")
    note: str = Field("", max_length=2000)


class ReviewOut(BaseModel):
    reference: str
    verdict: str
    note: str
    outcome: str | None
    other_agency: str
    their_verdict: str | None


@api.post("/hits/{reference}/review", response_model=ReviewOut)
def api_review(reference: str, body: ReviewIn, principal: Principal = Depends(api_principal),
               s: Session = Depends(db_session)) -> ReviewOut:
    """Record the caller's verdict on a hit after its follow-up (confirmed, rejected, unsure): only the two parties
    of a hit may."""
    row = review_hit(s, principal, reference, verdict=body.verdict, note=body.note)
    state = review_states(s, principal, [reference])[reference]
    view = next(h for h in hits_for(s, principal) if h.reference == reference)
    return ReviewOut(reference=reference, verdict=row.verdict, note=row.note, outcome=state.outcome,
                     other_agency=view.other_agency, their_verdict=state.theirs)


@api.get("/uploads", response_model=list[UploadView])
def api_uploads(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[UploadView]:
    """The organisation's uploads at the hub: status (live, superseded, withdrawn, expired) and expiry."""
    return uploads_for(s, principal)


class WithdrawOut(BaseModel):
    reference: str
    status: str
    hits_withdrawn: int


@api.delete("/uploads/{reference}", response_model=WithdrawOut)
def api_withdraw(reference: str = Path(..., min_length=1, max_length=40), principal: Principal = Depends(api_principal),
                 s: Session = Depends(db_session)) -> WithdrawOut:
    """Withdraw one of the organisation's uploads: the hub deletes its encodings and withdraws its hits."""
    upload, n = withdraw(s, principal, reference)
    return WithdrawOut(reference=upload.reference, status=upload.status, hits_withdrawn=n)


@api.get("/precision", response_model=list[Precision])
def api_precision(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[Precision]:
    """Measured precision per schema and agreement, over the reviewed hits the caller's organisation is a party to."""
    return precision_report(s, principal)


class EntityOut(BaseModel):
    reference: str
    my_record: str
    my_list: str
    agencies: list[str]
    known_to: int
    hits: list[str]


@api.get("/entities", response_model=list[EntityOut])
def api_entities(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[EntityOut]:
    """The organisation's records that other agencies also hold, with which agencies (as far as the agreements let it
    know)."""
    return [EntityOut(**e.to_dict()) for e in entities_for(s, principal)]


class EstimateIn(RequestBody):
    uploads: list[int] = Field(..., min_length=2, description="ids of two or more live uploads")
    draws: int = Field(DEFAULT_DRAWS, ge=2, le=MAX_DRAWS, description="link sets drawn")
    floor: float = Field(DEFAULT_FLOOR, gt=0, lt=0.5, description="candidate links down to this match probability")
    seed: int = 2018


class EstimateOut(BaseModel):
    uploads: list[int]
    lists: list[str]
    records: int
    candidates: int
    reviewed_confirmed: int
    reviewed_rejected: int
    naive_estimate: float
    naive_lower: float
    naive_upper: float
    estimate: float
    lower: float
    upper: float
    confidence: float
    draws: int
    between_share: float
    links_naive: int
    links_mean: float


@api.post("/estimate", response_model=EstimateOut)
def api_estimate(body: EstimateIn, principal: Principal = Depends(api_principal),
                 s: Session = Depends(db_session)) -> EstimateOut:
    """The hidden figure from live uploads: the interval that takes links as certain and the one that
    carries linkage error (the hub operator only)."""
    r = estimate_from_uploads(s, principal, body.uploads, floor=body.floor, draws=body.draws, seed=body.seed)
    return EstimateOut(**r.to_dict())


@pages.get("/linkage/estimate")
def estimate_page(request: Request, principal: Principal = Depends(page_principal),
                  s: Session = Depends(db_session)) -> Response:
    return render(request, "linkage/estimate.html", {
        "title": N_("Hidden figure from the hub's lists"), "active": "linkage", "uploads": estimable_uploads(s, principal),
        "chosen": [], "draws": DEFAULT_DRAWS, "result": None})


@pages.post("/linkage/estimate", dependencies=[Depends(csrf_form)])
def estimate_form(request: Request, upload: list[int] = Form(default=[]), draws: int = Form(DEFAULT_DRAWS),
                  principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    result = estimate_from_uploads(s, principal, upload, draws=draws)
    return render(request, "linkage/estimate.html", {
        "title": N_("Hidden figure from the hub's lists"), "active": "linkage", "uploads": estimable_uploads(s, principal),
        "chosen": upload, "draws": draws, "result": result})

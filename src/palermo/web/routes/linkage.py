"""Web pages and JSON API of palermo.linkage (the "Linkage & exchange" section)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from palermo.auth.roles import Principal
from palermo.linkage.hub import LIST_KINDS, PURPOSES, hits_for, submit, uploads_for
from palermo.web.deps import api_principal, csrf_form, db_session, get_settings, page_principal
from palermo.web.templating import render
from palermo.web.uploads import read_upload

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["linkage"], prefix="/linkage")
MAX_UPLOAD_MIB = 200


async def _read(file: UploadFile) -> bytes:
    return await read_upload(file, MAX_UPLOAD_MIB, "the list")


@pages.get("/linkage")
def linkage_page(request: Request, principal: Principal = Depends(page_principal), s: Session = Depends(db_session)) -> Response:
    return render(request, "linkage/index.html", {
        "title": "Linkage & exchange", "active": "linkage", "hits": hits_for(s, principal),
        "uploads": uploads_for(s, principal), "purposes": PURPOSES, "kinds": LIST_KINDS,
        "message": request.query_params.get("message")})


@pages.post("/linkage/uploads", dependencies=[Depends(csrf_form)])
async def linkage_upload(request: Request, label: str = Form(...), purpose: str = Form(...), kind: str = Form(...),
                         file: UploadFile = File(...), principal: Principal = Depends(page_principal),
                         s: Session = Depends(db_session)) -> Response:
    result = submit(s, principal, await _read(file), label=label, purpose=purpose, list_kind=kind,
                    settings=get_settings(request))
    msg = f"Upload {result.upload.id}: compared with {len(result.run.compared)} list(s), {len(result.hits)} hit(s)"
    return RedirectResponse(f"/linkage?message={msg}", status_code=303)


class UploadOut(BaseModel):
    upload_id: int
    records: int
    compared: int
    hits: int
    refused: dict[str, list[str]]


class HitOut(BaseModel):
    reference: str
    my_record: str
    my_list: str
    other_agency: str
    score: float
    agreement: str | None
    created_at: datetime
    category: str  # what a request for the other agency's record asks for (suspects' or victims' data)


@api.post("/uploads", response_model=UploadOut, status_code=201)
async def api_upload(request: Request, label: str = Form(..., max_length=120), purpose: str = Form(...),
                     kind: str = Form("suspects"), file: UploadFile = File(...),
                     principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> UploadOut:
    r = submit(s, principal, await _read(file), label=label, purpose=purpose, list_kind=kind,
               settings=get_settings(request))
    return UploadOut(upload_id=r.upload.id, records=r.upload.records, compared=len(r.run.compared), hits=len(r.hits),
                     refused=r.run.refused)


@api.get("/hits", response_model=list[HitOut])
def api_hits(principal: Principal = Depends(api_principal), s: Session = Depends(db_session)) -> list[HitOut]:
    return [HitOut(**h.__dict__) for h in hits_for(s, principal)]

"""Follow-up requests after a hit: filed under an agreement, answered by the data owner, released data
carrying its handling codes and retention; deadlines, reminders and answer-time dashboards."""

from __future__ import annotations

import secrets
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session, aliased

from palermo.auth import audit
from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import Conflict, NextStep, NotFound, PalermoError, PermissionDenied, Problem, ValidationError
from palermo.exchange.codelists import CATEGORY_IN_TEXT
from palermo.exchange.models import ExchangeRequest
from palermo.exchange.policy import check_terms, decide
from palermo.exchange.rights import why_not_answer, why_not_file
from palermo.linkage.hits import HitView, find_hit, hit_view, other_side, request_category
from palermo.linkage.models import LinkHit
from palermo.listing import ListQuery, ListSpec, Page, contains_any, fetch_page
from palermo.messages import N_, joined

E = TypeVar("E", bound=PalermoError)

ANSWER_DAYS = 30
DECISIONS = ("approve", "partly_approve", "refuse")


def _refuse(principal: Principal, error: E, reason: str, *, owner: Organisation | None, category: str, purpose: str,
            match_reference: str | None) -> E:
    """Audit a refused filing after its rollback (``audit.refused``): the reason and the references, never
    the justification, case reference or data wanted."""
    # codes and references only, cut to their column widths: a free-text field cannot smuggle data in
    details = {"refusal": reason[:300], "owner": owner.short_name if owner else None, "category": category[:40],
               "purpose": purpose[:40], "match": (match_reference or "")[:60] or None}
    target = ("link_hit", match_reference[:60]) if match_reference else ("organisation", owner.id if owner else "-")
    return audit.refused(error, principal, "exchange.request.refused", target[0], target[1], details=details)


def _check_hit(session: Session, principal: Principal, reference: str, owner: Organisation, category: str,
               refuse: Callable[[PalermoError, str], PalermoError]) -> LinkHit:
    """A request may cite a hit only of the requester's organisation, to its other party, for the kind of
    record that was matched, while it is open and no other request of this side is open for it."""
    hit = find_hit(session, reference)
    if hit is None or principal.organisation_id not in (hit.org_a_id, hit.org_b_id):
        # another organisation's hit is reported as unknown: its existence is not confirmed
        raise refuse(NotFound(N_("no hit {reference!r} for your organisation; cite a hit listed on your hit/no-hit "
                                 "page",
                                 reference=reference)),
                     "unknown hit" if hit is None else "hit held by other organisations")
    if hit.status != "open":
        raise refuse(Conflict(N_("hit {reference} is {status} (the list it came from ended on {ended:%Y-%m-%d}); it "
                                 "can no longer be followed up", reference=reference, status=hit.status,
                                 ended=hit.ended_at) if hit.ended_at else
                              N_("hit {reference} is {status} (the list it came from ended); it can no longer be "
                                 "followed up", reference=reference, status=hit.status)),
                     "hit no longer open")
    other = other_side(hit, principal.organisation_id)
    if owner.id != other:
        raise refuse(ValidationError(N_("hit {reference} is between your organisation and {org_name}: a request "
                                        "citing it goes to {org_name}, not to {short_name}",
                                        reference=reference, org_name=org_name(session, other),
                                        short_name=owner.short_name),
                                     [Problem(N_("owner is not the hit's other party"), field="owner", value=owner.short_name)]),
                     "owner is not the hit's other party")
    wanted = request_category(session, hit, principal.organisation_id)
    if category != wanted:
        raise refuse(ValidationError(N_("hit {reference} matched a record of {lower}: a request citing it asks for "
                                        "that category, not {category!r}",
                                        reference=reference, lower=CATEGORY_IN_TEXT.get(wanted, wanted),
                                        category=category),
                                     [Problem(N_("use {wanted}", wanted=wanted), field="category", value=category)]),
                     "category does not follow the hit")
    open_ = session.execute(select(ExchangeRequest).where(
        ExchangeRequest.match_reference == reference, ExchangeRequest.requester_org_id == principal.organisation_id,
        ExchangeRequest.status == "pending")).scalars().first()
    if open_ is not None:
        raise refuse(Conflict(N_("request {reference} citing hit {reference2} is still open (filed "
                                 "{created_at:%Y-%m-%d}); wait for its answer before asking again",
                                 reference=open_.reference, reference2=reference, created_at=open_.created_at)),
                     "a request for this hit is open")
    return hit


def file_request(session: Session, principal: Principal, *, owner_org_id: int, category: str, purpose: str,
                 justification: str, case_reference: str, data_wanted: str,
                 match_reference: str | None = None) -> ExchangeRequest:
    """File a request; refused (nothing stored, the attempt audited) unless the requester may file, the hit
    it cites is its own and points to this owner, and an agreement allows this category and purpose."""
    owner = session.get(Organisation, owner_org_id)
    match_reference = (match_reference or "").strip() or None

    def refuse(error: E, reason: str) -> E:
        return _refuse(principal, error, reason, owner=owner, category=category, purpose=purpose,
                       match_reference=match_reference)

    why = why_not_file(principal)
    if why is not None:
        raise refuse(PermissionDenied(why), "role may not file requests")
    if owner is None:
        raise NotFound(N_("unknown organisation id {owner_org_id}", owner_org_id=owner_org_id))
    problems = []
    if not (purpose or "").strip():
        problems.append(Problem(N_("a request needs a purpose"), field="purpose"))
    if not (justification or "").strip():
        problems.append(Problem(N_("a request needs a justification (why this data is necessary)"), field="justification"))
    if not (case_reference or "").strip():
        problems.append(Problem(N_("a request needs the requester's case reference"), field="case_reference"))
    if not (data_wanted or "").strip():
        problems.append(Problem(N_("say which data is wanted"), field="data_wanted"))
    if owner.id == principal.organisation_id:
        problems.append(Problem(N_("your organisation holds this data itself; no request is needed"), field="owner",
                                value=owner.short_name))
    if problems:
        raise ValidationError(N_("request not filed: {problems}", problems=joined(p.text for p in problems)), problems)
    try:
        check_terms(category, purpose)
    except ValidationError as exc:
        raise refuse(exc, "unknown category or purpose") from None
    if match_reference:
        _check_hit(session, principal, match_reference, owner, category, refuse)
    decision = decide(session, requester_org_id=principal.organisation_id, owner_org_id=owner.id,  # type: ignore[arg-type]
                      category=category, purpose=purpose)
    if not decision.allowed:
        requester = org_name(session, principal.organisation_id)  # type: ignore[arg-type]  # why_not_file: has one
        route = NextStep("find_route", {"from": requester, "to": owner.short_name, "category": category,
                                        "purpose": purpose})
        raise refuse(PermissionDenied(N_("no agreement allows this request: {problems}",
                                         problems=joined(decision.reasons)),
                                      next_step=route),
                     "no agreement allows it: " + "; ".join(decision.reasons))
    req = ExchangeRequest(reference="req-" + secrets.token_hex(6), requester_org_id=principal.organisation_id,
                          owner_org_id=owner.id, category=category, purpose=purpose, justification=justification,
                          case_reference=case_reference, data_wanted=data_wanted, match_reference=match_reference,
                          agreement_id=decision.agreement_id, status="pending", created_by=principal.username,
                          deadline=date.today() + timedelta(days=ANSWER_DAYS), handling_codes=[])
    session.add(req)
    session.flush()
    audit.record(session, principal, "exchange.request.file", "xchg_request", req.reference,
                 legal_basis=f"{decision.agreement_ref}: {decision.clause}",
                 details={"owner": owner_org_id, "category": category, "purpose": purpose, "match": match_reference})
    return req


def get_request(session: Session, principal: Principal, reference: str, *, lock: bool = False) -> ExchangeRequest:
    """``lock``: hold the row until commit, so two answers to one request cannot both see it pending."""
    query = select(ExchangeRequest).where(ExchangeRequest.reference == reference)
    req = session.execute(query.with_for_update(of=ExchangeRequest) if lock else query).scalar_one_or_none()
    if req is None or not (principal.is_system or principal.organisation_id in (req.requester_org_id, req.owner_org_id)):
        raise NotFound(N_("no request {reference!r} for your organisation", reference=reference))
    return req


def answer_request(session: Session, principal: Principal, reference: str, *, decision: str, reason: str = "",
                   released: str = "") -> ExchangeRequest:
    """The data owner approves, partly approves or refuses; released data carries handling codes and retention."""
    req = get_request(session, principal, reference, lock=True)
    if why_not_answer(principal, req.owner_org_id) is not None:
        raise PermissionDenied(N_("only a data owner of the organisation holding the data may answer request "
                                  "{reference}",
                                  reference=reference))
    if req.status != "pending":
        raise Conflict(N_("request {reference} was already answered ({status})",
                          reference=reference, status=req.status))
    if decision not in DECISIONS:
        raise ValidationError(N_("decision {decision!r} unknown; use approve, partly_approve or refuse",
                                 decision=decision))
    hit = find_hit(session, req.match_reference) if req.match_reference else None
    if hit is not None and hit.status != "open" and decision != "refuse":
        raise Conflict(N_("hit {reference} cited by request {reference2} is {status}; refuse the request (with the "
                          "reason) instead of releasing data",
                          reference=hit.reference, reference2=reference, status=hit.status))
    if decision == "refuse" and not reason.strip():
        raise ValidationError(N_("a refusal needs a reason the requester can act on"))
    if decision != "refuse" and not released.strip():
        raise ValidationError(N_("an approval needs the data released (or refuse the request)"))
    req.status = {"approve": "approved", "partly_approve": "partly_approved", "refuse": "refused"}[decision]
    req.decided_at, req.decided_by, req.decision_reason = utcnow(), principal.username, reason
    if decision != "refuse":
        req.released = released
        req.handling_codes = list(req.agreement.handling_codes)
        if req.agreement.retention_days:
            req.retention_until = date.today() + timedelta(days=req.agreement.retention_days)
    audit.record(session, principal, f"exchange.request.{req.status}", "xchg_request", req.reference,
                 legal_basis=f"{req.agreement.reference}", details={"reason": reason, "codes": req.handling_codes})
    return req


def may_answer(principal: Principal, req: ExchangeRequest) -> bool:
    """Whether the request page offers ``principal`` the answer form (the same rule answer_request applies)."""
    return req.status == "pending" and why_not_answer(principal, req.owner_org_id) is None


def cited_hit(session: Session, principal: Principal, req: ExchangeRequest) -> HitView | None:
    """The hit a request follows up, as the principal's side sees it (the owner: which of its records is wanted)."""
    return hit_view(session, principal, req.match_reference) if req.match_reference else None


def shows_released(principal: Principal, req: ExchangeRequest) -> bool:
    """Whether a view of the request shows its released data: to the requester, once approved (the owner, who
    released it, is not shown it again, so that each reading is the requester's audited access)."""
    return req.status in ("approved", "partly_approved") and bool(req.released) \
        and req.requester_org_id == principal.organisation_id


def read_released(session: Session, principal: Principal, reference: str) -> ExchangeRequest:
    """The requester reads released data: an access to personal data, audited with its legal basis."""
    req = get_request(session, principal, reference)
    if req.status not in ("approved", "partly_approved"):
        raise Conflict(N_("request {reference} has no released data ({status})",
                          reference=reference, status=req.status))
    audit.record(session, principal, "exchange.request.read", "xchg_request", req.reference,
                 legal_basis=req.agreement.reference, details={"codes": req.handling_codes})
    return req


def is_overdue(req: ExchangeRequest, today: date | None = None) -> bool:
    return req.status == "pending" and req.deadline < (today or date.today())


REMIND_DAYS = 5


def send_reminders(session: Session, principal: Principal, today: date | None = None) -> list[ExchangeRequest]:
    """Pending requests due within REMIND_DAYS or overdue: each gets a reminder to its owner, audited once a day."""
    today = today or date.today()
    due = [r for r in session.execute(select(ExchangeRequest).where(ExchangeRequest.status == "pending")
                                      .order_by(ExchangeRequest.deadline)).scalars()
           if r.deadline <= today + timedelta(days=REMIND_DAYS)]
    for r in due:
        audit.record(session, principal, "exchange.request.reminder", "xchg_request", r.reference,
                     details={"owner": r.owner_org_id, "deadline": r.deadline.isoformat(), "overdue": is_overdue(r, today)})
    return due


@dataclass
class Box:
    sent: list[ExchangeRequest]
    received: list[ExchangeRequest]


def requests_for(session: Session, principal: Principal) -> Box:
    rows = list(session.execute(select(ExchangeRequest).where(or_(
        ExchangeRequest.requester_org_id == principal.organisation_id, ExchangeRequest.owner_org_id == principal.organisation_id))
        .order_by(ExchangeRequest.created_at.desc())).scalars())
    return Box([r for r in rows if r.requester_org_id == principal.organisation_id],
               [r for r in rows if r.owner_org_id == principal.organisation_id])


STATUSES = ("pending", "overdue", "approved", "partly_approved", "refused")
REQUEST_LIST = ListSpec("the list of requests", sorts=("created", "deadline", "reference", "status", "counterpart", "category"),
                        default_sort="-created", descending_first=("created",),
                        filters={"box": ("received", "sent"), "status": STATUSES})


def requests_page(session: Session, principal: Principal, query: ListQuery, today: date | None = None) -> Page[ExchangeRequest]:
    """One page of the requests the principal's organisation sent or received (``box`` narrows to one side),
    searched by reference, cited hit or the other organisation, sorted and counted in the database."""
    org = principal.organisation_id
    sent, received = ExchangeRequest.requester_org_id == org, ExchangeRequest.owner_org_id == org
    other = aliased(Organisation)
    stmt = (select(ExchangeRequest)
            .join(other, other.id == case((sent, ExchangeRequest.owner_org_id), else_=ExchangeRequest.requester_org_id))
            .where({"sent": sent, "received": received}.get(query.filters.get("box", ""), or_(sent, received))))
    status = query.filters.get("status")
    if status == "overdue":  # the rule of is_overdue, in SQL
        stmt = stmt.where(and_(ExchangeRequest.status == "pending", ExchangeRequest.deadline < (today or date.today())))
    elif status:
        stmt = stmt.where(ExchangeRequest.status == status)
    if (found := contains_any(query.search, [ExchangeRequest.reference, ExchangeRequest.match_reference,
                                             other.short_name, other.name])) is not None:
        stmt = stmt.where(found)
    order = {"created": ExchangeRequest.created_at, "deadline": ExchangeRequest.deadline,
             "reference": ExchangeRequest.reference, "status": ExchangeRequest.status,
             "counterpart": other.short_name, "category": ExchangeRequest.category}
    return fetch_page(session, stmt, query, order, [ExchangeRequest.created_at.desc(), ExchangeRequest.id.desc()])


def _days(r: ExchangeRequest) -> float:
    return (r.decided_at - r.created_at).total_seconds() / 86400  # type: ignore[operator]


def dashboard(session: Session, principal: Principal) -> dict[str, Any]:
    """Requests sent and received, answer times (median, 90th percentile) and refusal reasons."""
    box = requests_for(session, principal)
    out: dict[str, Any] = {}
    for side, rows in (("sent", box.sent), ("received", box.received)):
        answered = [r for r in rows if r.decided_at is not None]
        times = sorted(_days(r) for r in answered)
        out[side] = {
            "total": len(rows), "pending": sum(r.status == "pending" for r in rows),
            "overdue": sum(is_overdue(r) for r in rows),
            "by_status": dict(Counter(r.status for r in rows)),
            "median_days": round(statistics.median(times), 1) if times else None,
            "p90_days": round(times[min(len(times) - 1, int(0.9 * len(times)))], 1) if times else None,
            "refusal_reasons": dict(Counter(r.decision_reason for r in rows if r.status == "refused")),
        }
    return out


def org_name(session: Session, org_id: int) -> str:
    org = session.get(Organisation, org_id)
    return org.short_name if org else str(org_id)

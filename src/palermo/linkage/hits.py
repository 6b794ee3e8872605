"""Hits as each side sees them, with the state of their follow-up (requested, answered, refused) beside
their own (open, or ended with their lists). A hit is what a follow-up request cites, and only its two
holders may cite it while it is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session, aliased

from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.errors import NotFound
from palermo.exchange.models import ExchangeRequest
from palermo.exchange.rights import why_not_file
from palermo.linkage.models import LinkHit, LinkUpload
from palermo.listing import ListQuery, ListSpec, Page, contains_any, fetch_page
from palermo.messages import N_

REQUEST_CATEGORY = {"suspects": "personal_data_suspects", "victims": "personal_data_victims"}
# what a hit shows of the follow-up request that cites it
HIT_STATUS = {"pending": "requested", "approved": "answered", "partly_approved": "answered", "refused": "refused"}


@dataclass(frozen=True)
class HitView:
    """A hit as one side sees it: its own record, the other agency, the score; never the other's data."""

    reference: str
    my_record: str
    my_list: str
    other_agency: str
    score: float
    agreement: str | None
    created_at: datetime
    category: str  # the data category a request for the other agency's record falls under
    status: str = "open"  # open / superseded / withdrawn / expired (the lists it came from ended)
    request_status: str | None = None  # of the latest request this side filed citing the hit
    request_reference: str | None = None
    incoming_status: str | None = None  # of the latest request the other side filed citing it (for our record)
    incoming_reference: str | None = None
    may_request: bool = False  # this principal may file a request citing it now


def other_side(hit: LinkHit, org_id: int | None) -> int:
    return hit.org_b_id if hit.org_a_id == org_id else hit.org_a_id


def request_category(session: Session, hit: LinkHit, org_id: int | None) -> str:
    """A request citing the hit asks for the other side's record: suspects' or victims' data by its list."""
    theirs = hit.upload_b_id if hit.org_a_id == org_id else hit.upload_a_id
    kind = session.execute(select(LinkUpload.list_kind).where(LinkUpload.id == theirs)).scalar()
    return REQUEST_CATEGORY.get(kind or "", "personal_data_suspects")


def _latest(rows: list[ExchangeRequest]) -> ExchangeRequest | None:
    return max(rows, key=lambda r: (r.created_at, r.id)) if rows else None


def hits_for(session: Session, principal: Principal) -> list[HitView]:
    """The hits of the principal's organisation, best first, each with its follow-up state."""
    org = principal.organisation_id
    if org is None:
        return []
    rows = list(session.execute(select(LinkHit).where(or_(LinkHit.org_a_id == org, LinkHit.org_b_id == org))
                                .order_by(LinkHit.score.desc(), LinkHit.id)).scalars())
    return _views(session, principal, rows)


# follow-up filter of the hit list: by the status of this side's latest request citing the hit
FOLLOW_UPS = {"requested": ("pending",), "answered": ("approved", "partly_approved"), "refused": ("refused",)}
HIT_LIST = ListSpec("the list of hits", sorts=("score", "created", "reference", "agency", "record", "list"),
                    default_sort="-score", descending_first=("score", "created"),
                    filters={"status": ("open", "superseded", "withdrawn", "expired"),
                             "follow_up": ("none", *FOLLOW_UPS)})


def hits_page(session: Session, principal: Principal, query: ListQuery) -> Page[HitView]:
    """One page of the organisation's hits, searched (reference, record, list, other agency), filtered by
    status and follow-up, sorted in the database; the total counts only the organisation's own hits."""
    org = principal.organisation_id
    if org is None:
        return Page([], 0, 1, 1, query)
    mine_a = LinkHit.org_a_id == org
    other, upload = aliased(Organisation), aliased(LinkUpload)
    my_record = case((mine_a, LinkHit.record_a), else_=LinkHit.record_b)
    # the status of this side's latest request citing the hit, as the hit's row shows it
    follow_up = (select(ExchangeRequest.status)
                 .where(ExchangeRequest.match_reference == LinkHit.reference, ExchangeRequest.requester_org_id == org)
                 .order_by(ExchangeRequest.created_at.desc(), ExchangeRequest.id.desc()).limit(1)
                 .correlate(LinkHit).scalar_subquery())
    stmt = (select(LinkHit)
            .join(other, other.id == case((mine_a, LinkHit.org_b_id), else_=LinkHit.org_a_id))
            .join(upload, upload.id == case((mine_a, LinkHit.upload_a_id), else_=LinkHit.upload_b_id))
            .where(or_(mine_a, LinkHit.org_b_id == org)))
    if (found := contains_any(query.search, [LinkHit.reference, my_record, upload.label, other.short_name,
                                             other.name])) is not None:
        stmt = stmt.where(found)
    if "status" in query.filters:
        stmt = stmt.where(LinkHit.status == query.filters["status"])
    if (wanted := query.filters.get("follow_up")) is not None:
        stmt = stmt.where(follow_up.is_(None) if wanted == "none" else follow_up.in_(FOLLOW_UPS[wanted]))
    order = {"score": LinkHit.score, "created": LinkHit.created_at, "reference": LinkHit.reference,
             "agency": other.short_name, "record": my_record, "list": upload.label}
    page = fetch_page(session, stmt, query, order, [LinkHit.score.desc(), LinkHit.id])
    return page.map(lambda rows: _views(session, principal, rows))


def hit_view(session: Session, principal: Principal, reference: str) -> HitView | None:
    """One hit as the principal's organisation sees it; None when it is not one of its hits."""
    hit = find_hit(session, reference)
    if hit is None or principal.organisation_id not in (hit.org_a_id, hit.org_b_id):
        return None
    return _views(session, principal, [hit])[0]


def _views(session: Session, principal: Principal, rows: list[LinkHit]) -> list[HitView]:
    org = principal.organisation_id
    orgs = {o.id: o.short_name for o in session.execute(select(Organisation)).scalars()}
    uploads = {u.id: (u.label, u.list_kind)
               for u in session.execute(select(LinkUpload.id, LinkUpload.label, LinkUpload.list_kind)).all()}
    cited: dict[str, list[ExchangeRequest]] = {}
    refs = [h.reference for h in rows]
    for i in range(0, len(refs), 500):
        for r in session.execute(select(ExchangeRequest).where(ExchangeRequest.match_reference.in_(refs[i:i + 500]))
                                 .where(or_(ExchangeRequest.requester_org_id == org,
                                            ExchangeRequest.owner_org_id == org))).scalars():
            cited.setdefault(r.match_reference or "", []).append(r)
    may_file = why_not_file(principal) is None
    out = []
    for h in rows:
        mine_a = h.org_a_id == org
        mine, theirs = (h.upload_a_id, h.upload_b_id) if mine_a else (h.upload_b_id, h.upload_a_id)
        sent = _latest([r for r in cited.get(h.reference, []) if r.requester_org_id == org])
        received = _latest([r for r in cited.get(h.reference, []) if r.owner_org_id == org])
        out.append(HitView(
            h.reference, h.record_a if mine_a else h.record_b, uploads.get(mine, ("", ""))[0],
            orgs[h.org_b_id if mine_a else h.org_a_id], h.score, h.agreement, h.created_at,
            REQUEST_CATEGORY.get(uploads.get(theirs, ("", "suspects"))[1], "personal_data_suspects"), h.status,
            request_status=HIT_STATUS.get(sent.status) if sent else None,
            request_reference=sent.reference if sent else None,
            incoming_status=HIT_STATUS.get(received.status) if received else None,
            incoming_reference=received.reference if received else None,
            may_request=may_file and h.status == "open" and not (sent and sent.status == "pending")))
    return out


def find_hit(session: Session, reference: str) -> LinkHit | None:
    return session.execute(select(LinkHit).where(LinkHit.reference == reference)).scalar_one_or_none()


def get_hit(session: Session, principal: Principal, reference: str) -> LinkHit:
    """One of the organisation's hits; another organisation's hit is reported as missing."""
    hit = find_hit(session, reference)
    if hit is None or principal.organisation_id not in (hit.org_a_id, hit.org_b_id):
        raise NotFound(N_("no hit {reference!r} for your organisation", reference=reference))
    return hit

"""Liaison officers: postings, the local network per host country, shared reports and duplicate reporting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.accounts import normalise_country
from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.coordination.actors import resolve_actor
from palermo.coordination.codelists import SHARING_LEVELS
from palermo.coordination.models import LiaisonPosting, LiaisonReport
from palermo.errors import NotFound, Problem, ValidationError
from palermo.messages import N_, joined

DUPLICATE_THRESHOLD = 0.75  # similarity of two reports on the same place within DUPLICATE_DAYS


@dataclass
class PostingSpec:
    officer_ref: str
    sending_state: str
    sending_agency: str
    host_country: str
    start: date
    end: date | None = None
    focus: tuple[str, ...] = ()


def add_posting(session: Session, principal: Principal, spec: PostingSpec) -> LiaisonPosting:
    principal.require("analyst", "admin", "officer", action=N_("register liaison officer postings"))
    problems = []
    for field in ("sending_state", "host_country"):
        try:
            normalise_country(getattr(spec, field), field=field)
        except ValidationError as exc:
            problems.extend(exc.problems)
    if spec.end and spec.end < spec.start:
        problems.append(Problem(N_("end {end} is before start {start}", end=spec.end, start=spec.start), field="end"))
    if problems:
        raise ValidationError(N_("posting not saved: {problems}", problems=joined(p.text for p in problems)), problems)
    agency = resolve_actor(session, principal, spec.sending_agency, country=normalise_country(spec.sending_state))
    posting = LiaisonPosting(officer_ref=spec.officer_ref, sending_state=normalise_country(spec.sending_state),
                             sending_actor_id=agency.id, host_country=normalise_country(spec.host_country),
                             start=spec.start, end=spec.end, focus=list(spec.focus), updated_by=principal.username)
    session.add(posting)
    session.flush()
    audit.record(session, principal, "coord.liaison.posting", "coord_liaison_posting", posting.id)
    return posting


def local_networks(session: Session, on: date | None = None) -> dict[str, list[LiaisonPosting]]:
    """Officers posted in each host country (on a date): who should know each other there."""
    on = on or date.today()
    out: dict[str, list[LiaisonPosting]] = {}
    for p in session.execute(select(LiaisonPosting).order_by(LiaisonPosting.host_country)).scalars():
        if p.start <= on and (p.end is None or p.end >= on):
            out.setdefault(p.host_country, []).append(p)
    return out


def add_report(session: Session, principal: Principal, officer_ref: str, *, event_date: date, event_place: str,
               title: str, summary: str = "", sharing_level: str = "network") -> LiaisonReport:
    principal.require("analyst", "admin", "officer", action=N_("file liaison reports"))
    posting = session.execute(select(LiaisonPosting).where(LiaisonPosting.officer_ref == officer_ref)).scalar_one_or_none()
    if posting is None:
        raise NotFound(N_("no liaison officer posting {officer_ref!r}; register it first", officer_ref=officer_ref))
    if sharing_level not in SHARING_LEVELS:
        raise ValidationError(N_("sharing level {sharing_level!r} unknown; use one of {sharing_levels}",
                                 sharing_level=sharing_level, sharing_levels=', '.join(SHARING_LEVELS)),
                              [Problem(N_("unknown sharing level"), field="sharing_level", value=sharing_level)])
    report = LiaisonReport(posting_id=posting.id, event_date=event_date, event_place=event_place, title=title,
                           summary=summary, sharing_level=sharing_level, updated_by=principal.username)
    session.add(report)
    session.flush()
    audit.record(session, principal, "coord.liaison.report", "coord_liaison_report", report.reference)
    return report


def visible_reports(session: Session, principal: Principal) -> list[LiaisonReport]:
    """Reports a user may read: network-wide ones; sending-state ones if the user's organisation is of that
    state; restricted ones only within the sending agency's own organisation."""
    org = session.get(Organisation, principal.organisation_id) if principal.organisation_id else None
    out = []
    for r in session.execute(select(LiaisonReport).order_by(LiaisonReport.event_date.desc())).scalars():
        level, posting = r.sharing_level, r.posting
        if principal.is_system or level == "network":
            out.append(r)
        elif level == "sending_state" and org is not None and org.country == posting.sending_state:
            out.append(r)
        elif level == "restricted" and posting.sending_actor.organisation_id == principal.organisation_id:
            out.append(r)
    return out


DUPLICATE_DAYS = 3


def duplicate_reports(reports: list[LiaisonReport]) -> list[dict[str, Any]]:
    """Pairs of reports by different officers on what looks like the same event (same host country, dates
    within a few days, similar place and title): duplicate reporting to merge or cross-reference."""
    out = []
    for a, b in combinations(reports, 2):
        if a.posting_id == b.posting_id or a.posting.host_country != b.posting.host_country:
            continue
        if abs((a.event_date - b.event_date).days) > DUPLICATE_DAYS:
            continue
        sim = (fuzz.token_set_ratio(a.title, b.title) + fuzz.token_set_ratio(a.event_place, b.event_place)) / 200
        if sim >= DUPLICATE_THRESHOLD:
            out.append({"reports": [a.reference, b.reference], "officers": [a.posting.officer_ref, b.posting.officer_ref],
                        "host_country": a.posting.host_country, "similarity": round(sim, 2),
                        "titles": [a.title, b.title]})
    return sorted(out, key=lambda d: -d["similarity"])

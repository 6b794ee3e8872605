"""Freshness: a harmonised platform dies when nobody keeps it current, so each source has an expected
update schedule and the overdue ones, with their owners, are shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.statistics.models import Source
from palermo.statistics.query import latest_vintages, visible_sources


@dataclass(frozen=True)
class SourceStatus:
    key: str
    name: str
    vintage: str
    source_type: str
    stage: str
    owner: str
    last_update: date
    due: date | None
    overdue: bool
    days_overdue: int
    public: bool = False  # published: shown to visitors without an account
    owner_name: str = ""  # the owner's name as people say it (``owner`` is its code)


def source_status(session: Session, principal: Principal, today: date | None = None) -> list[SourceStatus]:
    """Latest vintage of every visible source with its due date (None for ad hoc sources)."""
    today = today or date.today()
    keep = latest_vintages(session, principal)
    orgs = {o.id: (o.short_name, o.name) for o in session.execute(select(Organisation)).scalars()}
    out = []
    for s in session.execute(select(Source).where(visible_sources(principal)).order_by(Source.key)).scalars():
        if s.id not in keep:
            continue
        last = s.updated_at.date()
        due = last + timedelta(days=s.update_every_days) if s.update_every_days else None
        overdue = due is not None and due < today
        code, owner = orgs.get(s.owner_org_id or -1, ("—", ""))
        out.append(SourceStatus(s.key, s.name, s.vintage, s.source_type, s.stage, code, last, due, overdue,
                                (today - due).days if overdue and due else 0, bool(s.public), owner))
    return out


def stale(session: Session, principal: Principal, today: date | None = None) -> list[SourceStatus]:
    return [s for s in source_status(session, principal, today) if s.overdue]

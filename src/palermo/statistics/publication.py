"""Which sources are published: a source marked public is shown to visitors without an account (pages,
SDMX API, public exports), always under disclosure control. Only its owner decides, and every change is
audited. A newly imported source is internal unless marked public; a new vintage keeps the flag of the
source's earlier vintages, so a public series stays public when its next release is loaded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import NextStep, NotFound
from palermo.messages import N_
from palermo.statistics.models import Source


def snapshot(session: Session) -> dict[tuple[str, str], bool]:
    """(key, vintage) -> public, taken before an import to tell new sources from known ones."""
    return {(k, v): bool(p) for k, v, p in session.execute(select(Source.key, Source.vintage, Source.public))}


def settle_after_import(session: Session, principal: Principal, key: str, vintage: str, public: bool | None,
                        before: dict[tuple[str, str], bool]) -> bool:
    """The public flag of an imported (key, vintage): as asked, else kept (known source), inherited from
    the source's other vintages, or internal. Returns the flag."""
    if (key, vintage) in before:
        if public is not None:
            set_public(session, principal, key, public, vintage=vintage)
        return before[(key, vintage)] if public is None else public
    if public is None:
        earlier = [p for (k, v), p in sorted(before.items()) if k == key]
        public = earlier[-1] if earlier else False
    src = session.execute(select(Source).where(Source.key == key, Source.vintage == vintage)).scalar_one()
    src.public = public  # created by this import: its flag is part of the import, audited with it when published
    if public:
        audit.record(session, principal, "stats.source.publish", "stat_source", f"{src.key}@{src.vintage}",
                     details={"key": key, "vintage": vintage})
    session.flush()
    return public


def set_public(session: Session, principal: Principal, key: str, public: bool, *, vintage: str | None = None) -> list[str]:
    """Mark a source (one vintage, or every vintage) public or internal; the owner's analysts, data owners and
    admins only. Another organisation's source is reported as not found. Returns the vintages changed."""
    principal.require("analyst", "data_owner", "admin", action=N_("publish statistics"))
    q = select(Source).where(Source.key == key)
    if vintage is not None:
        q = q.where(Source.vintage == vintage)
    found = [s for s in session.execute(q).scalars() if principal.can_see(s.owner_org_id)]
    if not found:
        raise NotFound(N_("no source {key!r} vintage {vintage!r} of your organisation", key=key, vintage=vintage)
                       if vintage else N_("no source {key!r} of your organisation", key=key),
                       next_step=NextStep("list_sources"))
    changed = []
    for src in found:
        if bool(src.public) != public:
            src.public = public
            src.updated_by = principal.username
            src.updated_at = utcnow()
            changed.append(src.vintage)
            audit.record(session, principal, "stats.source.publish" if public else "stats.source.unpublish", "stat_source",
                         f"{src.key}@{src.vintage}", details={"key": key, "vintage": src.vintage})
    session.flush()
    return changed

"""The public release: the figures of public sources as a visitor without an account sees them (latest
vintage, disclosure control applied by the core read), computed once per data version and shared by
the SDMX API and the public pages. Any committed write appends to the audit chain, which is the data
version, so a new import or a source made internal is never served from an old copy."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.cache import VersionedCache
from palermo.statistics import sdmx_data
from palermo.statistics.exports import rows_for_export

Row = dict[str, Any]
_CACHE = VersionedCache(size=4, ttl=300.0)
_VISITORS = VersionedCache(size=512, ttl=300.0)
T = TypeVar("T")


def data_version(session: Session) -> str:
    """Changes with every committed write (the audit chain's length), per database: a cache key, which
    stays in the server (the chain's length counts every agency's activity)."""
    return f"{abs(hash(str(session.get_bind().engine.url))) % 10**6:06d}-{audit.head_seq(session)}"


def validator(session: Session) -> str:
    """The ETag of public answers: changes whenever :func:`data_version` does, but a visitor polling it
    learns only that something changed, not how many writes every agency made in between."""
    return audit.head_digest(session)


def last_changed(session: Session) -> datetime | None:
    """When statistics last changed (the newest audited write to a source), for 'data last changed on …'."""
    at = session.execute(select(func.max(AuditEntry.at)).where(AuditEntry.object_type == "stat_source")).scalar()
    return datetime.fromisoformat(at) if at else None


def public_rows(session: Session, *, threshold: int) -> list[Row]:
    """Every public observation, protected, as an anonymous visitor gets it; cached per data version.
    Callers filter the list but never change its rows."""
    def compute() -> list[Row]:
        rows = rows_for_export(session, Principal.anonymous(), public=True, threshold=threshold)
        return sdmx_data.with_keys(rows)  # the read's own dicts: no copy of 100,000 rows

    return _CACHE.get((data_version(session), threshold), compute)


def for_visitors(session: Session, principal: Principal, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """What a page shows a visitor without an account, computed once per data version and shared by every
    visitor (they all see the same published figures); a logged-in reader's own view is never cached."""
    if not principal.is_anonymous:
        return compute()
    return _VISITORS.get((data_version(session), *key), compute)

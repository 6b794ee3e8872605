"""The append-only, hash-chained audit trail.

Each entry's hash covers its own fields and the previous entry's hash, so altering, removing or
reordering any row breaks the chain from that row on; :func:`verify` names the first bad entry.
Entries are written in the caller's transaction: an operation and its audit record commit together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from palermo.auth.models import AuditEntry, AuditHead
from palermo.auth.permissions import allowed, require
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import AuditChainBroken, PalermoError, ValidationError
from palermo.listing import ListQuery, ListSpec, Page, contains_any, fetch_page

if TYPE_CHECKING:
    from palermo.db import Database

GENESIS = "0" * 64


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(seq: int, at: str, actor: str, organisation_id: int | None, action: str, object_type: str,
               object_id: str, legal_basis: str | None, details: str, prev_hash: str) -> str:
    payload = _canonical({
        "seq": seq, "at": at, "actor": actor, "org": organisation_id, "action": action,
        "object_type": object_type, "object_id": object_id, "legal_basis": legal_basis,
        "details": details, "prev": prev_hash,
    })
    return hashlib.sha256(payload.encode()).hexdigest()


def record(session: Session, principal: Principal, action: str, object_type: str, object_id: Any,
           *, legal_basis: str | None = None, details: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry. ``legal_basis`` is required by callers whenever personal data is touched."""
    # Bumping the head row first takes a write lock on every backend, so concurrent writers queue.
    bumped = cast(CursorResult[Any], session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)))
    if bumped.rowcount == 0:
        session.add(AuditHead(id=1, seq=1, hash=GENESIS))
        session.flush()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    session.refresh(head)
    seq, prev = head.seq, head.hash
    at = utcnow().isoformat(timespec="microseconds")
    details_json = _canonical(details or {})
    digest = entry_hash(seq, at, principal.username, principal.organisation_id, action, object_type, str(object_id),
                        legal_basis, details_json, prev)
    entry = AuditEntry(seq=seq, at=at, actor=principal.username, organisation_id=principal.organisation_id,
                       action=action, object_type=object_type, object_id=str(object_id),
                       legal_basis=legal_basis, details=details_json, prev_hash=prev, hash=digest)
    session.add(entry)
    head.hash = digest
    session.flush()
    return entry


E = TypeVar("E", bound=PalermoError)


def refused(error: E, principal: Principal, action: str, object_type: str, object_id: Any,
            *, details: dict[str, Any] | None = None) -> E:
    """Attach to ``error`` an audit record of the refused attempt and return it, to be raised.

    The record is written after the refused unit of work rolls back (see ``Database.session``), so the
    attempt is on the trail and nothing of the operation is stored. Unlike :func:`record_refusal`, which a
    face calls with the database, a core function can use it with only its session. Example::

        raise audit.refused(NotFound("no hit 'x' for your organisation"), principal, "link.hit.review_refused", "link_hit", "x")
    """
    payload = {"reason": error.message[:300], **(details or {})}  # the shape record_refusal writes
    error.after_rollback.append(lambda s: record(s, principal, action, object_type, object_id, details=payload))
    return error


def head_seq(session: Session) -> int:
    """Length of the chain. Every committed write appends to it, so it versions cached analyses."""
    return int(session.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar() or 0)


@dataclass(frozen=True)
class VerifyResult:
    """What a verification tells its reader. The whole chain is always recomputed, but only a reader who
    may read every organisation's entries learns its length and head: to anyone else the number of
    entries is how much every other agency did, and the head's hash, polled, when they did it."""

    entries: int  # the entries the reader may count: the whole chain, or its own organisation's
    head_hash: str | None  # None unless the reader sees the whole chain
    whole_chain: bool  # True: ``entries`` counts every organisation's entries

    def summary(self) -> str:
        """The result in words, for any face (the count never says more than the reader may see)."""
        if self.whole_chain:
            return f"Audit chain intact: {self.entries:,} entries verified."
        return (f"The audit chain is intact (every organisation's entries were checked); "
                f"your organisation's {self.entries:,} entries verified.")


def verify(session: Session, principal: Principal) -> VerifyResult:
    """Recompute the whole chain; raise AuditChainBroken naming the first entry that does not fit.

    Open to those who may read the audit trail (rules table: ``audit.verify``). The result counts what the
    reader may read (``audit.read_all``: the whole chain; others: their organisation's entries), and a
    break in another organisation's entries is reported without naming that entry.
    """
    require(principal, "audit.verify")
    whole = allowed(principal, "audit.read_all")
    try:
        count, mine, head = _recompute(session, principal.organisation_id)
    except AuditChainBroken as exc:
        if whole or exc.owner == principal.organisation_id and exc.owner is not None:
            raise
        raise AuditChainBroken("the audit chain is broken in another organisation's entries; the hub operator's "
                               "administrators can see where (tell them)", None) from None
    return VerifyResult(count, head, True) if whole else VerifyResult(mine, None, False)


def _recompute(session: Session, organisation_id: int | None) -> tuple[int, int, str]:
    """``(entries in the chain, entries of the organisation, head hash)`` of an intact chain."""
    prev = GENESIS
    expected_seq = 1
    count = mine = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for e in rows:
        if e.seq != expected_seq:
            raise AuditChainBroken(
                f"audit entry #{expected_seq} is missing (next entry found is #{e.seq}): entries were removed", expected_seq)
        if e.prev_hash != prev:
            raise AuditChainBroken(
                f"audit entry #{e.seq} (id {e.id}, {e.action}) does not follow entry #{e.seq - 1}: "
                "entries were reordered or replaced", e.seq, owner=e.organisation_id)
        digest = entry_hash(e.seq, e.at, e.actor, e.organisation_id, e.action, e.object_type, e.object_id,
                            e.legal_basis, e.details, e.prev_hash)
        if digest != e.hash:
            raise AuditChainBroken(f"audit entry #{e.seq} (id {e.id}, {e.action}) was altered: "
                                   "its content no longer matches its hash", e.seq, owner=e.organisation_id)
        prev = e.hash
        expected_seq += 1
        count += 1
        mine += organisation_id is not None and e.organisation_id == organisation_id
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        raise AuditChainBroken(
            f"the audit chain ends at entry #{count} but its head records #{head.seq}: the last entries were removed", count + 1)
    return count, mine, prev


def record_refusal(db: Database, principal: Principal, action: str, object_type: str, object_id: Any,
                   *, reason: str, details: dict[str, Any] | None = None) -> None:
    """Audit a refused request in a transaction of its own (the request's own was rolled back).

    ``reason`` says why it was refused; callers put identifiers in ``details``, never secrets or
    personal data (no passwords, tokens, typed usernames or request bodies).
    """
    with db.session() as s:
        record(s, principal, action, object_type, object_id, details={"reason": reason[:300], **(details or {})})


def parse_since(text: str) -> datetime:
    """A date (``2026-12-01``) or an ISO 8601 time, as an aware UTC datetime; a clear error otherwise."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"since {text!r} is not a date; use YYYY-MM-DD or an ISO 8601 time such as "
                              "2026-12-01T08:00") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def entries(session: Session, principal: Principal, *, limit: int = 200, offset: int = 0,
            action: str | None = None, since: datetime | None = None) -> list[AuditEntry]:
    """Entries visible to ``principal``: its own organisation's, or all for the hub operator's admins
    (rules table: ``audit.read``, ``audit.read_all``).

    ``action`` is an exact action (``session.login_failed``) or a prefix ending in a dot (``session.``).
    """
    q = _visible(principal, action, since).order_by(AuditEntry.seq.desc())
    return list(session.execute(q.limit(limit).offset(offset)).scalars())


def _visible(principal: Principal, action: str | None, since: datetime | None = None) -> Any:
    require(principal, "audit.read")
    q = select(AuditEntry)
    if not allowed(principal, "audit.read_all"):
        q = q.where(AuditEntry.organisation_id == principal.organisation_id)
    if action:
        q = q.where(AuditEntry.action.startswith(action, autoescape=True) if action.endswith(".")
                    else AuditEntry.action == action)
    if since is not None:
        # ``at`` is ISO 8601 UTC text of one fixed width, so text order is time order.
        q = q.where(AuditEntry.at >= since.astimezone(UTC).isoformat(timespec="microseconds"))
    return q


AUDIT_LIST = ListSpec("the audit log", sorts=("seq", "actor", "action"), default_sort="-seq",
                      descending_first=("seq",), texts={"action": 80}, per_page=100, max_per_page=1000)


def entries_page(session: Session, principal: Principal, query: ListQuery) -> Page[AuditEntry]:
    """One page of the entries ``principal`` may read (as :func:`entries`), searched by who, what and which
    object; the total counts only those entries, never the other organisations'."""
    q = _visible(principal, query.filters.get("action"))
    if (found := contains_any(query.search, [AuditEntry.actor, AuditEntry.action, AuditEntry.object_type,
                                             AuditEntry.object_id])) is not None:
        q = q.where(found)
    order = {"seq": AuditEntry.seq, "actor": AuditEntry.actor, "action": AuditEntry.action}
    return fetch_page(session, q, query, order, [AuditEntry.seq.desc()])

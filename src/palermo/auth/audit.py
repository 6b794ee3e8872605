"""The append-only, hash-chained audit trail.

Each entry's hash covers its own fields and the previous entry's hash, so altering, removing or
reordering any row breaks the chain from that row on; :func:`verify` names the first bad entry.
Entries are written in the caller's transaction: an operation and its audit record commit together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from palermo.auth.models import AuditEntry, AuditHead
from palermo.auth.permissions import allowed, require
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import AuditChainBroken, PalermoError, ValidationError
from palermo.listing import ListQuery, ListSpec, Page, contains_any, fetch_page
from palermo.messages import N_, Figure

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


def _of_organisation(organisation_id: int | None) -> Any:
    return AuditEntry.organisation_id.is_(None) if organisation_id is None else AuditEntry.organisation_id == organisation_id


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
    # Numbered after the head is bumped: appends are serialised, so no two entries of one organisation
    # take the same number.
    org_seq = 1 + session.execute(select(func.coalesce(func.max(AuditEntry.org_seq), 0))
                                  .where(_of_organisation(principal.organisation_id))).scalar_one()
    at = utcnow().isoformat(timespec="microseconds")
    details_json = _canonical(details or {})
    digest = entry_hash(seq, at, principal.username, principal.organisation_id, action, object_type, str(object_id),
                        legal_basis, details_json, prev)
    entry = AuditEntry(seq=seq, org_seq=org_seq, at=at, actor=principal.username, organisation_id=principal.organisation_id,
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
    """Length of the chain. Every committed write appends to it, so it versions cached analyses. It counts
    every organisation's activity: keep it inside the server (cache keys), never in an answer."""
    return int(session.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar() or 0)


def head_digest(session: Session) -> str:
    """A value that changes with every committed write, like :func:`head_seq`, but says nothing of how many
    there were: a digest of the head's hash, which no one can guess (for validators such as an ETag)."""
    head = session.execute(select(AuditHead.hash).where(AuditHead.id == 1)).scalar() or GENESIS
    return hashlib.sha256(f"palermo-version|{head}".encode()).hexdigest()[:24]


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
            return N_("Audit chain intact: {entries} entries verified.", entries=Figure(self.entries))
        return N_("The audit chain is intact (every organisation's entries were checked); your organisation's "
                  "{entries} entries verified.", entries=Figure(self.entries))


def verify(session: Session, principal: Principal) -> VerifyResult:
    """Recompute the whole chain; raise AuditChainBroken naming the first entry that does not fit.

    Open to those who may read the audit trail (rules table: ``audit.verify``). The result counts what the
    reader may read (``audit.read_all``: the whole chain; others: their organisation's entries). A break
    in another organisation's entries is reported without naming that entry, and one in the reader's own
    is named by its number among them (its chain position would give away the other agencies' count).
    """
    require(principal, "audit.verify")
    whole = allowed(principal, "audit.read_all")
    try:
        count, mine, head = _recompute(session, principal.organisation_id)
    except _Break as bad:
        if whole:
            raise AuditChainBroken(N_("audit entry #{seq}{entry} {what}", seq=bad.seq, entry=bad.entry, what=bad.what), bad.seq,
                                   owner=bad.owner) from None
        if bad.owner == principal.organisation_id and bad.owner is not None and bad.number is not None:
            raise AuditChainBroken(N_("your organisation's audit entry #{number} ({action}) {what}",
                                      number=bad.number, action=bad.action, what=bad.what),
                                   bad.number, owner=bad.owner) from None
        raise AuditChainBroken(N_("the audit chain is broken in another organisation's entries; the hub operator's "
                                  "administrators can see where (tell them)"), None) from None
    return VerifyResult(count, head, True) if whole else VerifyResult(mine, None, False)


@dataclass(eq=False)
class _Break(Exception):
    """Where the recomputed chain stopped fitting, for :func:`verify` to word for its reader."""

    seq: int
    what: str
    entry: str = ""  # " (id 12, x.read)": for whole-chain readers only
    owner: int | None = None  # organisation of the bad entry (None: unknown, e.g. a removed entry)
    number: int | None = None  # its number among its organisation's entries
    action: str = ""


def _recompute(session: Session, organisation_id: int | None) -> tuple[int, int, str]:
    """``(entries in the chain, entries of the organisation, head hash)`` of an intact chain."""
    prev = GENESIS
    expected_seq = 1
    count = mine = 0
    numbers: dict[int | None, int] = {}  # entries seen so far per organisation
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for e in rows:
        number = numbers.get(e.organisation_id, 0) + 1
        if e.seq != expected_seq:
            raise _Break(expected_seq, f"is missing (next entry found is #{e.seq}): entries were removed")
        if e.prev_hash != prev:
            what = "does not follow the entry before it: entries were reordered or replaced"
        elif entry_hash(e.seq, e.at, e.actor, e.organisation_id, e.action, e.object_type, e.object_id,
                        e.legal_basis, e.details, e.prev_hash) != e.hash:
            what = "was altered: its content no longer matches its hash"
        elif e.org_seq != number:  # the number is not hashed (older chains), so it is checked here
            what = (f"is numbered {e.org_seq} among its organisation's entries but comes as number {number}: "
                    "entries were renumbered or removed")
        else:
            what = ""
        if what:
            raise _Break(e.seq, what, f" (id {e.id}, {e.action})", e.organisation_id, number, e.action)
        numbers[e.organisation_id] = number
        prev = e.hash
        expected_seq += 1
        count += 1
        mine += organisation_id is not None and e.organisation_id == organisation_id
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        raise _Break(count + 1, f"is missing: the chain ends at entry #{count} but its head records #{head.seq}, "
                     "so the last entries were removed")
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
        raise ValidationError(N_("since {text!r} is not a date; use YYYY-MM-DD or an ISO 8601 time such as "
                                 "2026-12-01T08:00",
                                 text=text)) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class EntryView:
    """One audit entry as its reader may see it, for every face.

    ``number`` is its place in what the reader may read: the chain's ``seq`` for those who read the whole
    chain (``audit.read_all``), the entry's number among its organisation's entries for everyone else; the
    gap between the global seq of two own entries would count what the other agencies did in between. For
    the same reason only whole-chain readers get the hash: an entry right after one of the reader's own
    chains on a hash the reader knows, so trying every seq against the known fields would give it back.
    """

    # The descriptions are the API's (palermo.web.openapi.view_schema derives its schema from this class).
    number: int = field(metadata={"description": "the entry's number: its place in the whole chain for the hub "
                                                 "operator's admins, else its place among the caller's organisation's entries"})
    scope: Literal["chain", "organisation"] = field(metadata={"description": "what number counts"})
    at: str
    actor: str
    organisation_id: int | None
    action: str
    object_type: str
    object_id: str
    legal_basis: str | None
    details: str  # canonical JSON
    hash: str | None = field(metadata={"description": "the entry's chain hash; only for the hub operator's admins, "
                                                      "who read the whole chain"})


def reads_whole_chain(principal: Principal) -> bool:
    """Whether ``principal`` reads every organisation's entries, so sees the chain's own numbers and hashes."""
    return allowed(principal, "audit.read_all")


def _viewer(principal: Principal) -> Callable[[AuditEntry], EntryView]:
    whole = reads_whole_chain(principal)

    def view(e: AuditEntry) -> EntryView:
        return EntryView(e.seq if whole else e.org_seq, "chain" if whole else "organisation", e.at, e.actor,
                         e.organisation_id, e.action, e.object_type, e.object_id, e.legal_basis, e.details,
                         e.hash if whole else None)

    return view


def entries(session: Session, principal: Principal, *, limit: int = 200, offset: int = 0,
            action: str | None = None, since: datetime | None = None) -> list[EntryView]:
    """Entries visible to ``principal``, newest first: its own organisation's, or all for the hub operator's
    admins (rules table: ``audit.read``, ``audit.read_all``), each numbered as :class:`EntryView` says.

    ``action`` is an exact action (``session.login_failed``) or a prefix ending in a dot (``session.``).
    """
    q = _visible(principal, action, since).order_by(AuditEntry.seq.desc())
    return [*map(_viewer(principal), session.execute(q.limit(limit).offset(offset)).scalars())]


def _visible(principal: Principal, action: str | None, since: datetime | None = None) -> Any:
    require(principal, "audit.read")
    q = select(AuditEntry)
    if not allowed(principal, "audit.read_all"):
        q = q.where(_of_organisation(principal.organisation_id))
    if action:
        q = q.where(AuditEntry.action.startswith(action, autoescape=True) if action.endswith(".")
                    else AuditEntry.action == action)
    if since is not None:
        # ``at`` is ISO 8601 UTC text of one fixed width, so text order is time order.
        q = q.where(AuditEntry.at >= since.astimezone(UTC).isoformat(timespec="microseconds"))
    return q


AUDIT_LIST = ListSpec("the audit log", sorts=("number", "actor", "action"), default_sort="-number",
                      descending_first=("number",), texts={"action": 80}, per_page=100, max_per_page=1000)


def entries_page(session: Session, principal: Principal, query: ListQuery) -> Page[EntryView]:
    """One page of the entries ``principal`` may read (as :func:`entries`), searched by who, what and which
    object; the total counts only those entries, never the other organisations'."""
    q = _visible(principal, query.filters.get("action"))
    if (found := contains_any(query.search, [AuditEntry.actor, AuditEntry.action, AuditEntry.object_type,
                                             AuditEntry.object_id])) is not None:
        q = q.where(found)
    number = AuditEntry.seq if reads_whole_chain(principal) else AuditEntry.org_seq
    page = fetch_page(session, q, query, {"number": number, "actor": AuditEntry.actor, "action": AuditEntry.action},
                      [AuditEntry.seq.desc()])
    return Page([*map(_viewer(principal), page.items)], page.total, page.page, page.pages, page.query)

"""Key rotation: generations ("epochs") of the agencies' shared secret, one sequence per kind of list.

Encodings carry the epoch of the secret they were made with (``palermo link encode --key-epoch N``).
The hub never sees a secret; it pins each epoch to the fingerprint of its first upload, so encodings
declared as one epoch but made with another epoch's secret (or another schema) are refused. When the
agencies agree a new secret the hub operator opens the next epoch with a transition window: both
epochs are accepted until the window ends, uploads are only ever compared with uploads of their own
epoch, and the purge after the window deletes what is left of the old epoch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.permissions import decide
from palermo.auth.roles import Principal
from palermo.db.base import utcnow
from palermo.errors import Conflict, PermissionDenied, ValidationError
from palermo.linkage.models import LinkKeyEpoch, LinkUpload
from palermo.messages import N_, joined

MAX_WINDOW_DAYS = 365


def _rows(session: Session, list_kind: str) -> list[LinkKeyEpoch]:
    return list(session.execute(select(LinkKeyEpoch).where(LinkKeyEpoch.list_kind == list_kind)
                                .order_by(LinkKeyEpoch.epoch)).scalars())


def _ensure(session: Session, list_kind: str, by: str) -> list[LinkKeyEpoch]:
    """Epoch 1 exists implicitly; it is recorded (pinned to the oldest upload's fingerprint, if any) on first use."""
    rows = _rows(session, list_kind)
    if rows:
        return rows
    first = session.execute(select(LinkUpload.fingerprint).where(LinkUpload.list_kind == list_kind)
                            .order_by(LinkUpload.created_at, LinkUpload.id).limit(1)).scalar()
    row = LinkKeyEpoch(list_kind=list_kind, epoch=1, fingerprint=first, accepted_until=None, opened_by=by)
    session.add(row)
    session.flush()
    return [row]


def declared_epoch(meta: dict[str, str]) -> int | None:
    """The epoch written into an encodings file; None when it is not a whole number."""
    raw = str(meta.get("key_epoch", "1")).strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def _accepted(rows: list[LinkKeyEpoch], today: date) -> list[LinkKeyEpoch]:
    return [r for r in rows if r.accepted_until is None or today <= r.accepted_until]


def _describe(rows: list[LinkKeyEpoch]) -> str:
    return ", ".join(f"{r.epoch}" + (f" (until {r.accepted_until})" if r.accepted_until else "") for r in rows)


def admit(session: Session, principal: Principal, list_kind: str, meta: dict[str, str], fingerprint: str,
          today: date | None = None) -> int:
    """The epoch of an upload, if the hub accepts it; refused with the reason (and audited) otherwise."""
    today = today or utcnow().date()
    rows = _ensure(session, list_kind, principal.username)
    accepted = _accepted(rows, today)
    epoch = declared_epoch(meta)

    def refuse(message: str) -> ValidationError:
        return audit.refused(ValidationError(message), principal, "link.upload.refused", "organisation", principal.organisation_id,
                             details={"kind": list_kind, "key_epoch": meta.get("key_epoch", "1")})

    if epoch is None:
        raise refuse(f"key epoch {meta.get('key_epoch')!r} in the encodings is not a whole number; encode again with "
                     f"--key-epoch {accepted[-1].epoch}")
    row = next((r for r in rows if r.epoch == epoch), None)
    if row is None:
        raise refuse(f"key epoch {epoch} is not open at this hub for {list_kind} lists; it accepts epoch(s) "
                     f"{_describe(accepted)}. Encode with that epoch's shared secret and --key-epoch, or ask the hub "
                     "operator to open the new epoch first")
    if row not in accepted:
        raise refuse(f"key epoch {epoch} of {list_kind} lists was retired on {row.accepted_until}; encode with the "
                     f"current shared secret and --key-epoch {accepted[-1].epoch}")
    clash = next((r for r in rows if r.epoch != epoch and r.fingerprint == fingerprint), None)
    if clash is not None:
        raise refuse(f"these encodings are declared as key epoch {epoch} but were made with the secret of epoch "
                     f"{clash.epoch}; encode with epoch {epoch}'s shared secret")
    if row.fingerprint is None:
        row.fingerprint = fingerprint
    elif row.fingerprint != fingerprint:
        raise refuse("these encodings were made with a different shared secret or schema than the other agencies' "
                     f"uploads of key epoch {epoch}; encode with the hub's schema and the shared secret of epoch {epoch}")
    return epoch


def rotate(session: Session, principal: Principal, list_kind: str, window_days: int) -> LinkKeyEpoch:
    """Open the next epoch; the current one stays accepted for ``window_days`` more days."""
    from palermo.linkage.hub import LIST_KINDS

    rule = decide(principal, "linkage.key_epoch")
    if not rule.allowed:
        raise audit.refused(PermissionDenied(rule.reason), principal, "link.key_epoch.refused", "link_key_epoch", list_kind)
    problems = []
    if list_kind not in LIST_KINDS:
        problems.append(f"list kind {list_kind!r} unknown; use {' or '.join(LIST_KINDS)}")
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        problems.append(f"a transition window of {window_days} days is not possible; give 1 to {MAX_WINDOW_DAYS} days "
                        "(long enough for every agency to re-encode its lists)")
    if problems:
        raise audit.refused(ValidationError(joined(problems)), principal, "link.key_epoch.refused",
                            "link_key_epoch", list_kind)
    rows = _ensure(session, list_kind, principal.username)
    today = utcnow().date()
    current = rows[-1]
    if len(_accepted(rows, today)) > 1:
        raise audit.refused(Conflict(
            N_("a rotation of {list_kind} lists is already under way (epochs {describe}); wait until its window ends",
               list_kind=list_kind, describe=_describe(_accepted(rows, today)))),
            principal, "link.key_epoch.refused", "link_key_epoch", list_kind)
    current.accepted_until = today + timedelta(days=window_days)
    new = LinkKeyEpoch(list_kind=list_kind, epoch=current.epoch + 1, fingerprint=None, accepted_until=None,
                       opened_by=principal.username)
    session.add(new)
    session.flush()
    audit.record(session, principal, "link.key_epoch.open", "link_key_epoch", new.id,
                 details={"kind": list_kind, "epoch": new.epoch, "previous_until": current.accepted_until.isoformat()})
    return new


@dataclass(frozen=True)
class EpochView:
    list_kind: str
    epoch: int
    accepted_until: date | None
    pinned: bool
    live_uploads: int
    state: str  # current / transition / retired

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def epochs(session: Session, today: date | None = None) -> list[EpochView]:
    today = today or utcnow().date()
    out = []
    for r in session.execute(select(LinkKeyEpoch).order_by(LinkKeyEpoch.list_kind, LinkKeyEpoch.epoch)).scalars():
        live = session.execute(select(LinkUpload.id).where(LinkUpload.list_kind == r.list_kind, LinkUpload.key_epoch == r.epoch,
                                                           LinkUpload.status == "live")).all()
        state = "current" if r.accepted_until is None else ("transition" if today <= r.accepted_until else "retired")
        out.append(EpochView(r.list_kind, r.epoch, r.accepted_until, r.fingerprint is not None, len(live), state))
    return out

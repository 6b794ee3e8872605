"""Saved capture-history tables: store, list, open (with the access rule), estimate, publish as a source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.accounts import normalise_country
from palermo.auth.roles import Principal
from palermo.errors import NotFound, PermissionDenied, ValidationError
from palermo.estimation.histories import CaptureHistories
from palermo.estimation.models import CaptureTable
from palermo.estimation.overlap import overlap_from_hub
from palermo.messages import N_

ORIGINS = ("upload", "hub", "demo")


def save_table(session: Session, principal: Principal, histories: CaptureHistories, *, name: str,
               country: str | None = None, period: str | None = None, origin: str = "upload",
               shared: bool = False, notes: str = "", organisation_id: int | None = None) -> CaptureTable:
    """Keep a capture-history table of the principal's organisation (aggregate counts only; audited)."""
    principal.require("admin", "analyst", "data_owner", action=N_("save a capture-history table"))
    if not name.strip():
        raise ValidationError(N_("give the table a name, e.g. 'NLD 2024: police, NGO, labour inspection'"))
    if origin not in ORIGINS:
        raise ValidationError(N_("unknown origin {origin!r}; use one of {origins}",
                                 origin=origin, origins=', '.join(ORIGINS)))
    org = organisation_id if organisation_id is not None else principal.organisation_id
    if org is None:
        raise ValidationError(N_("the table needs an owning organisation (organisation_id)"))
    if not principal.is_system and org != principal.organisation_id:
        raise ValidationError(N_("a table can only be saved for your own organisation"))
    table = CaptureTable(organisation_id=org, name=name.strip()[:200],
                         country=normalise_country(country) if country else None, period=period or None,
                         origin=origin, table_csv=histories.to_csv_text(), notes=notes, shared=shared,
                         created_by=principal.username)
    session.add(table)
    session.flush()
    audit.record(session, principal, "estimation.table.save", "estimation_table", table.reference,
                 details={"name": table.name, "lists": list(histories.lists), "observed": histories.observed,
                          "origin": origin, "shared": shared})
    return table


def save_hub_overlap(session: Session, principal: Principal, upload_ids: list[int], *, name: str,
                     country: str | None = None, period: str | None = None, threshold: float | None = None,
                     shared: bool = True, organisation_id: int | None = None) -> CaptureTable:
    """Count persons by combination of uploaded encoded lists at the hub and keep the table.

    Only the hub's operator may: the overlap joins several agencies' uploads. The counts are aggregate;
    the table is shared so the agencies that took part can estimate from it (small cells are hidden
    from organisations other than the hub when shown).
    """
    if not principal.is_operator:
        raise PermissionDenied(N_("only the hub operator computes list overlaps across agencies' uploads"))
    overlap = overlap_from_hub(session, principal, upload_ids, threshold)
    return save_table(session, principal, CaptureHistories.from_overlap(overlap), name=name, country=country,
                      period=period, origin="hub", shared=shared, organisation_id=organisation_id,
                      # the uploads' row ids would count every agency's uploads to every reader of a shared table
                      notes=f"overlap of {len(set(upload_ids))} hub uploads computed from encodings")


def visible_tables(session: Session, principal: Principal) -> list[CaptureTable]:
    query = select(CaptureTable).order_by(CaptureTable.created_at.desc(), CaptureTable.id.desc())
    if not principal.is_system:
        query = query.where(or_(CaptureTable.shared.is_(True), CaptureTable.organisation_id == principal.organisation_id))
    return list(session.execute(query).scalars())


def get_table(session: Session, principal: Principal, reference: str) -> CaptureTable:
    """The table named ``reference`` if the principal may read it; another organisation's unshared table is
    not found, in the same words as one that does not exist."""
    table = session.execute(select(CaptureTable).where(CaptureTable.reference == reference)).scalar_one_or_none()
    if table is None or not (table.shared or principal.can_see(table.organisation_id)):
        raise NotFound(N_("capture-history table {table_id} not found (or not visible to your organisation)",
                          table_id=reference[:60]))
    return table


def histories_of(table: CaptureTable) -> CaptureHistories:
    return CaptureHistories.from_csv_text(table.table_csv)


def histories_from_json(lists: list[str], rows: Sequence[Mapping[str, object]] | None = None,
                        overlap: Mapping[str, int] | None = None) -> CaptureHistories:
    """From the JSON API: either rows ``{"A": 1, "B": 0, "count": 5}`` or overlap ``{"A+B": 5}``."""
    if overlap is not None:
        return CaptureHistories.from_overlap({tuple(k.split("+")): v for k, v in overlap.items()}, lists or None)
    if not rows:
        raise ValidationError(N_("send either 'rows' (one object per combination of lists, with a count) or "
                                 "'overlap' (counts keyed by lists joined with '+')"))
    pattern_rows = [([r.get(n) for n in lists], r.get("count", r.get("n", r.get("frequency")))) for r in rows]
    return CaptureHistories.from_rows(lists, pattern_rows)

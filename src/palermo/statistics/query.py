"""Reading observations: the one query every face and domain uses, with the access rule and disclosure
control applied, so no page, export, chart or explanation can show more than its reader may see."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from palermo.auth.permissions import allowed
from palermo.auth.roles import Principal
from palermo.statistics.disclosure import DEFAULT_THRESHOLD, suppressed
from palermo.statistics.models import Observation, Source


@dataclass(frozen=True)
class ObservationView:
    indicator: str
    country: str
    period: str
    sex: str
    age_group: str
    citizenship: str
    exploitation: str
    crime_code: str
    value: float | None
    lower: float | None
    upper: float | None
    flags: frozenset[str]
    mapping: str
    stage: str
    source_key: str
    source_name: str
    source_type: str
    source_vintage: str
    counting_unit: str
    legal_definition: str
    coverage: str
    owner_org_id: int | None
    protected: bool = False  # disclosure control was applied to this source's cells for the reader

    @property
    def suppressed(self) -> bool:
        return "suppressed" in self.flags


SOURCE_COLUMNS = (Source.stage, Source.key, Source.name, Source.source_type, Source.vintage, Source.counting_unit,
                  Source.legal_definition, Source.coverage, Source.owner_org_id)


def visible_sources(principal: Principal, *, public_only: bool = False):  # type: ignore[no-untyped-def]
    """Public sources, and the non-public ones of the principal's own organisation (members only)."""
    if public_only or principal.is_anonymous or principal.organisation_id is None and not principal.is_system:
        return Source.public.is_(True)
    if principal.is_system:
        return true()
    return or_(Source.public.is_(True), Source.owner_org_id == principal.organisation_id)


def sees_true_values(principal: Principal, owner_org_id: int | None, *, public_only: bool = False) -> bool:
    """Whether the reader sees a source's cells below the threshold (rules table: ``statistics.true_values``)."""
    return not public_only and allowed(principal, "statistics.true_values", owner_org_id)


def may_see_true_values(principal: Principal) -> bool:
    """Whether any source could be shown to the reader unprotected (the "internal view" of a page)."""
    return allowed(principal, "statistics.true_values")


def latest_vintages(session: Session, principal: Principal | None = None, *, public_only: bool = False) -> set[int]:
    """The latest vintage of each source among those the reader may see."""
    q = select(Source.id, Source.key, Source.vintage)
    if principal is not None:
        q = q.where(visible_sources(principal, public_only=public_only))
    best: dict[str, tuple[str, int]] = {}
    for sid, key, vintage in session.execute(q).all():
        if key not in best or vintage > best[key][0]:
            best[key] = (vintage, sid)
    return {sid for _, sid in best.values()}


def find_observations(session: Session, principal: Principal, *, country: str | None = None,
                      indicator: str | None = None, stage: str | None = None, period: str | None = None,
                      source_key: str | None = None, all_vintages: bool = False, public_only: bool = False,
                      threshold: int = DEFAULT_THRESHOLD) -> list[ObservationView]:
    """Observations with their source's metadata (latest vintage of each source unless ``all_vintages``),
    as the principal may see them.

    Cells of a source whose true values the principal may not see come back protected: small counts
    suppressed, with complementary suppression within each table of one source vintage, indicator,
    country and period (the filters never split such a table, so protection is the same on every
    page). ``public_only`` asks for the public release whatever the principal's rights: public sources
    only, every cell protected. It can only narrow what is shown, never widen it.
    """
    found = read_observations(session, principal, country=country, indicator=indicator, stage=stage, period=period,
                              source_key=source_key, all_vintages=all_vintages, public_only=public_only,
                              threshold=threshold)
    fields: Iterator[tuple[Any, ...]] = ((*r[1:8], r[11], *value, flags, r[13], *found.sources[r[0]])
                                         for r, value, flags in found.cells())
    return [ObservationView(*f) for f in fields]


# Columns of a read row: the source id, then the cell in the layout disclosure control reads
# (:data:`palermo.statistics.disclosure.Plain`), then crime code, flags and mapping.
READ_COLUMNS = (Observation.source_id, Observation.indicator, Observation.country, Observation.period, Observation.sex,
                Observation.age_group, Observation.citizenship, Observation.exploitation, Observation.value,
                Observation.lower, Observation.upper, Observation.crime_code, Observation.flags, Observation.mapping)


@dataclass(frozen=True)
class Read:
    """Observations as read for a principal: database rows (:data:`READ_COLUMNS`), each source's metadata
    (:data:`SOURCE_COLUMNS` and whether it is protected for the reader) and the positions disclosure
    control suppressed. Bulk outputs build their own rows from it in one pass."""

    rows: Sequence[Sequence[Any]]
    sources: dict[int, tuple[Any, ...]]
    hidden: set[int]

    def cells(self) -> Iterator[tuple[Sequence[Any], tuple[float | None, float | None, float | None], frozenset[str]]]:
        """Each row with the (value, lower, upper) and flags the reader may see."""
        flag_sets, hidden, none = _FlagSets(), self.hidden, (None, None, None)
        for i, r in enumerate(self.rows):
            if i in hidden:
                yield r, none, flag_sets[r[12] + ",suppressed"]
            else:
                yield r, (r[8], r[9], r[10]), flag_sets[r[12]]


def read_observations(session: Session, principal: Principal, *, country: str | None = None,
                      indicator: str | None = None, stage: str | None = None, period: str | None = None,
                      source_key: str | None = None, all_vintages: bool = False, public_only: bool = False,
                      threshold: int = DEFAULT_THRESHOLD) -> Read:
    """What :func:`find_observations` returns, before it is turned into view objects: for bulk outputs
    (exports, the public release, SDMX), which would spend more time building 100,000 objects than reading."""
    # Observation columns only; each source's metadata is read once and joined here, not sent per row.
    q = select(*READ_COLUMNS).join(Source).where(visible_sources(principal, public_only=public_only))
    sq = select(Source.id, *SOURCE_COLUMNS).where(visible_sources(principal, public_only=public_only))
    for column, wanted in ((Observation.country, country), (Observation.indicator, indicator), (Source.stage, stage),
                           (Observation.period, None if period is None else str(period)), (Source.key, source_key)):
        if wanted:
            q = q.where(column == wanted)
    if not all_vintages:
        keep = latest_vintages(session, principal, public_only=public_only)
        q, sq = q.where(Source.id.in_(keep)), sq.where(Source.id.in_(keep))
    sources = {sid: (*meta, not sees_true_values(principal, meta[-1], public_only=public_only))
               for sid, *meta in session.execute(sq)}
    ordered = q.order_by(Source.key, Source.vintage, Observation.period, Observation.id)
    rows = session.connection().execute(ordered).all()
    shielded = {sid for sid, meta in sources.items() if meta[-1]}
    if len(shielded) == len(sources):  # the public release: every row protected, used as it is
        return Read(rows, sources, suppressed(rows, threshold))
    positions = [i for i, r in enumerate(rows) if r[0] in shielded]
    hide = suppressed([rows[i] for i in positions], threshold) if positions else set()
    return Read(rows, sources, {positions[k] for k in hide})


class _FlagSets(dict[str, frozenset[str]]):
    """Stored flags ('censored,estimated') as sets, each distinct text split once."""

    def __missing__(self, text: str) -> frozenset[str]:
        value = self[text] = frozenset(f for f in text.split(",") if f)
        return value


def countries_with_data(session: Session, principal: Principal, *, public_only: bool = False) -> list[str]:
    """Countries with at least one visible observation in a source's latest vintage (one query, no rows loaded)."""
    q = (select(Observation.country).join(Source)
         .where(visible_sources(principal, public_only=public_only),
                Source.id.in_(latest_vintages(session, principal, public_only=public_only)))
         .distinct().order_by(Observation.country))
    return list(session.execute(q).scalars())

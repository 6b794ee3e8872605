"""Reading observations: the public query other domains use, with the access rule applied."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
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


OBSERVATION_COLUMNS = (Observation.indicator, Observation.country, Observation.period, Observation.sex,
                       Observation.age_group, Observation.citizenship, Observation.exploitation, Observation.crime_code,
                       Observation.value, Observation.lower, Observation.upper, Observation.flags, Observation.mapping)
SOURCE_COLUMNS = (Source.stage, Source.key, Source.name, Source.source_type, Source.vintage, Source.counting_unit,
                  Source.legal_definition, Source.coverage, Source.owner_org_id)


def visible_sources(principal: Principal):  # type: ignore[no-untyped-def]
    """Public sources, and the non-public ones of the principal's own organisation."""
    if principal.is_system:
        return true()
    return or_(Source.public.is_(True), Source.owner_org_id == principal.organisation_id)


def latest_vintages(session: Session) -> set[int]:
    rows = session.execute(select(Source.id, Source.key, Source.vintage)).all()
    best: dict[str, tuple[str, int]] = {}
    for sid, key, vintage in rows:
        if key not in best or vintage > best[key][0]:
            best[key] = (vintage, sid)
    return {sid for _, sid in best.values()}


def find_observations(session: Session, principal: Principal, *, country: str | None = None,
                      indicator: str | None = None, stage: str | None = None, period: str | None = None,
                      source_key: str | None = None, all_vintages: bool = False) -> list[ObservationView]:
    """Observations with their source's metadata (latest vintage of each source unless ``all_vintages``)."""
    # Plain columns, not ORM objects: reads are the hot path of every statistics and coordination page.
    q = select(Source.id, *OBSERVATION_COLUMNS, *SOURCE_COLUMNS).join(Source).where(visible_sources(principal))
    if country:
        q = q.where(Observation.country == country)
    if indicator:
        q = q.where(Observation.indicator == indicator)
    if stage:
        q = q.where(Source.stage == stage)
    if period:
        q = q.where(Observation.period == str(period))
    if source_key:
        q = q.where(Source.key == source_key)
    keep = None if all_vintages else latest_vintages(session)
    out = []
    for sid, *row in session.execute(q.order_by(Source.key, Observation.period, Observation.id)):
        if keep is not None and sid not in keep:
            continue
        (indicator_, country_, period_, sex, age, cit, expl, crime, value, lower, upper, flags, mapping,
         *source) = row
        out.append(ObservationView(indicator_, country_, period_, sex, age, cit, expl, crime, value, lower, upper,
                                   frozenset(f for f in flags.split(",") if f), mapping, *source))
    return out


def countries_with_data(session: Session, principal: Principal) -> list[str]:
    """Countries with at least one visible observation in a source's latest vintage (one query, no rows loaded)."""
    q = (select(Observation.country).join(Source).where(visible_sources(principal), Source.id.in_(latest_vintages(session)))
         .distinct().order_by(Observation.country))
    return list(session.execute(q).scalars())

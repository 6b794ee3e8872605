"""Reading observations: the one query every face and domain uses, with the access rule and disclosure
control applied, so no page, export, chart or explanation can show more than its reader may see."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from palermo.auth.permissions import allowed
from palermo.auth.roles import Principal
from palermo.statistics.disclosure import DEFAULT_THRESHOLD, Cell, protect
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


OBSERVATION_COLUMNS = (Observation.indicator, Observation.country, Observation.period, Observation.sex,
                       Observation.age_group, Observation.citizenship, Observation.exploitation, Observation.crime_code,
                       Observation.value, Observation.lower, Observation.upper, Observation.flags, Observation.mapping)
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
    # Plain columns, not ORM objects: reads are the hot path of every statistics and coordination page.
    q = (select(Source.id, *OBSERVATION_COLUMNS, *SOURCE_COLUMNS).join(Source)
         .where(visible_sources(principal, public_only=public_only)))
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
    keep = None if all_vintages else latest_vintages(session, principal, public_only=public_only)
    out = []
    protected: dict[int | None, bool] = {}  # per owner: the rule is decided once, not once per row
    flag_sets: dict[str, frozenset[str]] = {}
    for sid, *row in session.execute(q.order_by(Source.key, Source.vintage, Observation.period, Observation.id)):
        if keep is not None and sid not in keep:
            continue
        (indicator_, country_, period_, sex, age, cit, expl, crime, value, lower, upper, flags, mapping,
         *source) = row
        owner = source[-1]
        if owner not in protected:
            protected[owner] = not sees_true_values(principal, owner, public_only=public_only)
        if flags not in flag_sets:
            flag_sets[flags] = frozenset(f for f in flags.split(",") if f)
        out.append(ObservationView(indicator_, country_, period_, sex, age, cit, expl, crime, value, lower, upper,
                                   flag_sets[flags], mapping, *source, protected[owner]))
    return _protect(out, threshold)


def _protect(obs: list[ObservationView], threshold: int) -> list[ObservationView]:
    """Disclosure control on the protected views (each source vintage its own table)."""
    positions = [i for i, o in enumerate(obs) if o.protected]
    if not positions:
        return obs
    cells = [Cell(o.indicator, o.country, o.period, o.sex, o.age_group, o.citizenship, o.exploitation, o.value,
                  o.lower, o.upper, o.flags, f"{o.source_key}@{o.source_vintage}")
             for o in (obs[i] for i in positions)]
    out = list(obs)
    for i, c in zip(positions, protect(cells, threshold)):
        if c.suppressed:
            out[i] = replace(out[i], value=None, lower=None, upper=None, flags=c.flags)
    return out


def countries_with_data(session: Session, principal: Principal, *, public_only: bool = False) -> list[str]:
    """Countries with at least one visible observation in a source's latest vintage (one query, no rows loaded)."""
    q = (select(Observation.country).join(Source)
         .where(visible_sources(principal, public_only=public_only),
                Source.id.in_(latest_vintages(session, principal, public_only=public_only)))
         .distinct().order_by(Observation.country))
    return list(session.execute(q).scalars())

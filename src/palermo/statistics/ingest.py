"""Adding sources and observations: the public API other domains and every importer go through.

``record_observations`` creates (or finds, by key and vintage) a source of the actor's organisation and
adds observations in the caller's transaction, audited. Every row is validated against the code lists
first; one bad row refuses the whole call and every problem is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.countries import iso3
from palermo.db.base import utcnow
from palermo.errors import ImportRejected, PermissionDenied, Problem
from palermo.statistics import codelists as cl
from palermo.statistics.models import Observation, Source

SCHEDULES = {"monthly": 31, "quarterly": 92, "half-yearly": 183, "annual": 365, "annually": 365, "biennial": 730,
             "ad hoc": 0, "irregular": 0}


@dataclass
class SourceSpec:
    key: str
    name: str
    source_type: str
    stage: str
    counting_unit: str
    legal_definition: str
    coverage: str = "national"
    owner_org_id: int | None = None
    update_schedule: str | int = "annual"
    method: str | None = None
    notes: str = ""
    vintage: str = "1"
    public: bool = True


@dataclass
class ObservationSpec:
    indicator: str
    country: str
    period: str
    sex: str = "total"
    age_group: str = "total"
    citizenship: str = "total"
    exploitation: str = "total"
    value: float | None = None  # None: unknown; 0: known to be none
    flags: set[str] = field(default_factory=set)
    lower: float | None = None
    upper: float | None = None
    crime_code: str | None = None
    unit_multiplier: int = 0
    mapping: str = ""
    line: int | None = None


def _schedule_days(value: str | int) -> int:
    if isinstance(value, int):
        return value
    return SCHEDULES.get(str(value).strip().lower(), 365)


def validate_source(spec: SourceSpec) -> list[Problem]:
    p = []
    for name, allowed in (("source_type", cl.SOURCE_TYPES), ("stage", cl.STAGES), ("counting_unit", cl.UNITS)):
        if getattr(spec, name) not in allowed:
            p.append(Problem(f"unknown {name}; use one of {', '.join(allowed)}", field=name, value=getattr(spec, name)))
    if not spec.key.strip():
        p.append(Problem("a source needs a key", field="key"))
    return p


def validate_observation(o: ObservationSpec, n: int | None = None) -> list[Problem]:
    line = o.line if o.line is not None else n
    p = []
    if o.indicator not in cl.INDICATORS:
        p.append(Problem(f"unknown indicator; use one of {', '.join(cl.INDICATORS)}", line=line, field="indicator", value=o.indicator))
    if iso3(o.country) is None:
        p.append(Problem("country is not an ISO 3166 code; use e.g. NLD, or add a mapping", line=line, field="country", value=o.country))
    for name, allowed in (("sex", cl.SEX), ("age_group", cl.AGE_GROUPS), ("citizenship", cl.CITIZENSHIP),
                          ("exploitation", cl.EXPLOITATION)):
        if getattr(o, name) not in allowed:
            p.append(Problem(f"unknown {name}; use one of {', '.join(allowed)} (or map it)", line=line, field=name,
                             value=getattr(o, name)))
    if o.value is not None and o.value < 0:
        p.append(Problem("negative count", line=line, field="value", value=o.value))
    if o.lower is not None and o.upper is not None and o.lower > o.upper:
        p.append(Problem(f"interval lower {o.lower} above upper {o.upper}", line=line, field="value"))
    unknown = set(o.flags) - set(cl.FLAGS)
    if unknown:
        p.append(Problem(f"unknown flag(s); use {', '.join(cl.FLAGS)}", line=line, field="flags", value=",".join(sorted(unknown))))
    if not str(o.period).strip():
        p.append(Problem("missing period", line=line, field="period"))
    return p


def row_of(o: ObservationSpec) -> dict[str, Any]:
    return {"indicator": o.indicator, "country": iso3(o.country), "period": str(o.period), "sex": o.sex,
            "age_group": o.age_group, "citizenship": o.citizenship, "exploitation": o.exploitation,
            "crime_code": o.crime_code or (cl.EXPLOITATION_ICCS.get(o.exploitation, "0204") if o.indicator != "smuggled_migrants" else "08051"),
            "value": o.value, "lower": o.lower, "upper": o.upper, "unit_multiplier": o.unit_multiplier,
            "flags": ",".join(sorted(o.flags)), "mapping": o.mapping}


CELL = ("indicator", "country", "period", "sex", "age_group", "citizenship", "exploitation", "crime_code")


def ensure_source(session: Session, actor: Principal, spec: SourceSpec) -> Source:
    problems = validate_source(spec)
    if problems:
        raise ImportRejected(f"source {spec.key!r} is invalid", problems)
    src = session.execute(select(Source).where(Source.key == spec.key, Source.vintage == spec.vintage)).scalar_one_or_none()
    owner = spec.owner_org_id if spec.owner_org_id is not None else actor.organisation_id
    if src is not None:
        if not actor.is_system and src.owner_org_id != actor.organisation_id:
            raise PermissionDenied(f"source {spec.key!r} belongs to another organisation; choose another key")
        return src
    if not actor.is_system and owner != actor.organisation_id:
        raise PermissionDenied("a user adds sources of their own organisation only")
    src = Source(key=spec.key, vintage=spec.vintage, name=spec.name, owner_org_id=owner, source_type=spec.source_type,
                 stage=spec.stage, counting_unit=spec.counting_unit, legal_definition=spec.legal_definition,
                 coverage=spec.coverage, update_every_days=_schedule_days(spec.update_schedule), method=spec.method,
                 notes=spec.notes, public=spec.public, updated_by=actor.username)
    session.add(src)
    session.flush()
    return src


def insert_rows(session: Session, source: Source, rows: list[dict[str, Any]], batch: int = 20_000) -> int:
    """Bulk insert (SQLAlchemy Core executemany); rows replace existing cells of the same source."""
    if not rows:
        return 0
    existing = session.execute(select(Observation.id).where(Observation.source_id == source.id).limit(1)).first()
    keys = list({tuple(r[c] for c in CELL) for r in rows}) if existing else []  # a new source has nothing to replace
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        session.execute(delete(Observation).where(Observation.source_id == source.id,
                                                  tuple_(*[getattr(Observation, c) for c in CELL]).in_(chunk)))
    table = Observation.__table__
    for i in range(0, len(rows), batch):
        session.execute(insert(table), [{**r, "source_id": source.id} for r in rows[i:i + batch]])
    source.updated_at = utcnow()
    return len(rows)


def record_observations(session: Session, actor: Principal, source: SourceSpec,
                        observations: list[ObservationSpec]) -> Source:
    """Add observations to a source (created if new) in the caller's transaction; all or none."""
    actor.require("analyst", "data_owner", "admin", "officer", action="add statistics")
    problems = [p for n, o in enumerate(observations, 1) for p in validate_observation(o, n)]
    rows = [row_of(o) for o in observations] if not problems else []
    seen: set[tuple[Any, ...]] = set()
    for n, r in enumerate(rows, 1):
        k = tuple(r[c] for c in CELL)
        if k in seen:
            problems.append(Problem("duplicate observation (same indicator, country, period and breakdown)", line=n))
        seen.add(k)
    if problems:
        raise ImportRejected(f"{len(problems)} problem(s) in the observations for {source.key!r}; nothing was stored", problems)
    src = ensure_source(session, actor, source)
    insert_rows(session, src, rows)
    audit.record(session, actor, "stats.observations.add", "stat_source", src.id,
                 details={"key": src.key, "vintage": src.vintage, "rows": len(rows)})
    return src

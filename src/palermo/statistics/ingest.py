"""Adding sources and observations: the public API other domains and every importer go through.

``record_observations`` creates (or finds, by key and vintage) a source of the principal's organisation and
adds observations in the caller's transaction, audited. Every row is validated against the code lists
first; one bad row refuses the whole call and every problem is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl
from sqlalchemy import Table, delete, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.countries import country_code, iso3
from palermo.db.base import utcnow
from palermo.db.bulk import bulk_insert
from palermo.errors import ImportRejected, PermissionDenied, Problem
from palermo.messages import N_
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


FRAME: dict[str, Any] = {
    "indicator": pl.Utf8, "country": pl.Utf8, "period": pl.Utf8, "sex": pl.Utf8, "age_group": pl.Utf8,
    "citizenship": pl.Utf8, "exploitation": pl.Utf8, "value": pl.Float64, "flags": pl.Utf8, "lower": pl.Float64,
    "upper": pl.Float64, "crime_code": pl.Utf8, "unit_multiplier": pl.Int64, "mapping": pl.Utf8, "line": pl.Int64}


def _schedule_days(value: str | int) -> int:
    if isinstance(value, int):
        return value
    return SCHEDULES.get(str(value).strip().lower(), 365)


def validate_source(spec: SourceSpec) -> list[Problem]:
    p = []
    for name, allowed in (("source_type", cl.SOURCE_TYPES), ("stage", cl.STAGES), ("counting_unit", cl.UNITS)):
        if getattr(spec, name) not in allowed:
            p.append(Problem(N_("unknown {name}; use one of {allowed}", name=name, allowed=', '.join(allowed)), field=name,
                             value=getattr(spec, name)))
    if not spec.key.strip():
        p.append(Problem(N_("a source needs a key"), field="key"))
    return p


def frame_of(specs: list[ObservationSpec]) -> pl.DataFrame:
    """Observations as one table, the shape every check and the insert work on (vectorised, not per row)."""
    cols: dict[str, list[Any]] = {c: [] for c in FRAME}
    for s in specs:
        for c in FRAME:
            v = getattr(s, c)
            if c == "flags":
                v = ",".join(sorted(v))
            elif v is not None and FRAME[c] == pl.Float64:
                v = float(v)
            elif v is not None and FRAME[c] == pl.Utf8:
                v = str(v)
            cols[c].append(v)
    return pl.DataFrame(cols, schema=FRAME)


def _problems(df: pl.DataFrame, bad: pl.Expr, reason: str, field: str, value: str | None) -> list[Problem]:
    rows = df.filter(bad)
    values = rows[value].to_list() if value else [None] * rows.height
    return [Problem(reason, line=line, field=field, value=v) for line, v in zip(rows["line"].to_list(), values)]


def validate_frame(df: pl.DataFrame, *, negative_allowed: bool = False) -> list[Problem]:
    """Every problem of every row (code lists, ISO 3166 country, counts, intervals, flags, period), by line."""
    codes = _country_codes(df)
    unknown_flags = [f for f in df["flags"].unique().to_list() if f and set(f.split(",")) - set(cl.FLAGS)]
    p = _problems(df, ~pl.col("indicator").is_in(list(cl.INDICATORS)),
                  f"unknown indicator; use one of {', '.join(cl.INDICATORS)}", "indicator", "indicator")
    p += _problems(df, pl.col("country").replace_strict(codes, default=None, return_dtype=pl.Utf8).is_null(),
                   "country is not an ISO 3166 code; use e.g. NLD, or add a mapping", "country", "country")
    for name, allowed in (("sex", cl.SEX), ("age_group", cl.AGE_GROUPS), ("citizenship", cl.CITIZENSHIP),
                          ("exploitation", cl.EXPLOITATION)):
        p += _problems(df, ~pl.col(name).is_in(list(allowed)), f"unknown {name}; use one of {', '.join(allowed)} (or map it)",
                       name, name)
    for name in ("value", "lower", "upper"):  # a count is finite: inf breaks JSON exports and every chart
        p += _problems(df, pl.col(name).is_not_null() & ~pl.col(name).is_finite(),
                       f"{name} is not a finite number; send a count, or null for unknown", name, name)
    if not negative_allowed:
        p += _problems(df, pl.col("value") < 0, "negative count", "value", "value")
    p += [Problem(N_("interval lower {lo} above upper {up}", lo=lo, up=up), line=line, field="value")
          for line, lo, up in df.filter(pl.col("lower") > pl.col("upper")).select("line", "lower", "upper").iter_rows()]
    p += [Problem(N_("unknown flag(s); use {flags}", flags=', '.join(cl.FLAGS)), line=line, field="flags",
                  value=",".join(sorted(set(f.split(",")) - set(cl.FLAGS))))
          for line, f in df.filter(pl.col("flags").is_in(unknown_flags)).select("line", "flags").iter_rows()]
    p += _problems(df, pl.col("period").is_null() | (pl.col("period").str.strip_chars() == ""), "missing period", "period", None)
    p += _problems(df, ~(pl.col("period").is_null() | (pl.col("period").str.strip_chars() == ""))
                   & ~pl.col("period").str.strip_chars().str.contains(PERIOD),
                   "period is not a year (2024), month (2024-03), quarter (2024-Q1) or half (2024-S1); write a fiscal "
                   "or split year such as 2019/20 as one of these (in a mapping file: values: {period: {'2019/20': '2019'}})",
                   "period", "period")
    return sorted(p, key=lambda x: x.line if x.line is not None else 0)


# the periods a cell may have (the API's and the SDMX structure's): a year, month, day, quarter or half
PERIOD = r"^\d{4}(-\d{2}(-\d{2})?|-Q[1-4]|-S[12])?$"


def _country_codes(df: pl.DataFrame) -> dict[str, str | None]:
    """Each distinct country as written, to its ISO3 code: codes, and names as agencies write them."""
    return {c: country_code(c) if c else None for c in df["country"].unique().to_list() if c is not None}


def country_names(df: pl.DataFrame) -> str | None:
    """What the import report says of country *names* read as codes: how many, and each one matched by
    the country converter rather than by its ISO name ("Russia" → RUS), so a reader can check them."""
    names = {c: code for c, code in _country_codes(df).items() if code and code != c.strip().upper()}
    if not names:
        return None
    guessed = [f"{c!r} → {code}" for c, code in sorted(names.items()) if iso3(c) is None]
    if not guessed:
        return N_("{n_names} country name(s) read as ISO 3166 codes", n_names=len(names))
    return N_("{n_names} country name(s) read as ISO 3166 codes; {n_guessed} of them by common name: {guessed}",
              n_names=len(names), n_guessed=len(guessed), guessed=", ".join(guessed[:20]) + (" …" if len(guessed) > 20 else ""))


def normalise(df: pl.DataFrame) -> pl.DataFrame:
    """Rows as stored: ISO3 country, ICCS crime code from the form of exploitation (08051 for smuggling)."""
    iccs = pl.col("exploitation").replace_strict(cl.EXPLOITATION_ICCS, default="0204", return_dtype=pl.Utf8)
    return df.with_columns(
        country=pl.col("country").replace_strict(_country_codes(df), default=None, return_dtype=pl.Utf8),
        period=pl.col("period").cast(pl.Utf8).str.strip_chars(),
        crime_code=pl.coalesce(pl.col("crime_code"), pl.when(pl.col("indicator") == "smuggled_migrants")
                               .then(pl.lit("08051")).otherwise(iccs)))


CELL = ("indicator", "country", "period", "sex", "age_group", "citizenship", "exploitation", "crime_code")
STORED = (*CELL, "value", "lower", "upper", "unit_multiplier", "flags", "mapping")


def ensure_source(session: Session, principal: Principal, spec: SourceSpec) -> Source:
    problems = validate_source(spec)
    if problems:
        raise ImportRejected(N_("source {key!r} is invalid", key=spec.key), problems)
    owner = spec.owner_org_id if spec.owner_org_id is not None else principal.organisation_id
    src = _locked_source(session, spec) or _create_source(session, principal, spec, owner)
    if not principal.is_system and src.owner_org_id != principal.organisation_id:
        raise PermissionDenied(N_("source {key!r} belongs to another organisation; choose another key", key=spec.key))
    return src


def _locked_source(session: Session, spec: SourceSpec) -> Source | None:
    """The source row, locked until commit (PostgreSQL), so two imports into one source run one after the other."""
    return session.execute(select(Source).where(Source.key == spec.key, Source.vintage == spec.vintage)
                           .with_for_update()).scalar_one_or_none()


def _create_source(session: Session, principal: Principal, spec: SourceSpec, owner: int | None) -> Source:
    if not principal.is_system and owner != principal.organisation_id:
        raise PermissionDenied(N_("a user adds sources of their own organisation only"))
    try:
        with session.begin_nested():  # a concurrent import may create the same source first
            src = _new_source(principal, spec, owner)
            session.add(src)
            session.flush()
        return src
    except IntegrityError:
        found = _locked_source(session, spec)
        if found is None:
            raise
        return found


def _new_source(principal: Principal, spec: SourceSpec, owner: int | None) -> Source:
    return Source(key=spec.key, vintage=spec.vintage, name=spec.name, owner_org_id=owner, source_type=spec.source_type,
                 stage=spec.stage, counting_unit=spec.counting_unit, legal_definition=spec.legal_definition,
                 coverage=spec.coverage, update_every_days=_schedule_days(spec.update_schedule), method=spec.method,
                 notes=spec.notes, public=spec.public, updated_by=principal.username)


def insert_rows(session: Session, source: Source, df: pl.DataFrame) -> int:
    """Bulk insert of a normalised frame; rows replace existing cells of the same source."""
    if df.height == 0:
        return 0
    existing = session.execute(select(Observation.id).where(Observation.source_id == source.id).limit(1)).first()
    if existing:  # a new source has nothing to replace
        keys = df.select(CELL).unique().rows()
        for i in range(0, len(keys), 500):
            session.execute(delete(Observation).where(Observation.source_id == source.id,
                                                      tuple_(*[getattr(Observation, c) for c in CELL]).in_(keys[i:i + 500])))
    bulk_insert(session, cast(Table, Observation.__table__), df.select(STORED).with_columns(source_id=pl.lit(source.id)),
                order=list(CELL))
    source.updated_at = utcnow()
    return df.height


def store_frame(session: Session, principal: Principal, source: SourceSpec, df: pl.DataFrame, origin: str) -> Source:
    """Normalise, refuse duplicate cells, insert (all or nothing, in the caller's transaction)."""
    df = normalise(df)
    dup = df.filter(df.select(CELL).is_duplicated())
    if dup.height:
        raise ImportRejected(N_("{height} duplicate observation(s) in {origin} (same indicator, country, period and "
                                "breakdown); nothing was stored",
                                height=dup.height, origin=origin),
                             [Problem(N_("duplicate observation (same indicator, country, period and breakdown)"), line=line)
                              for line in dup["line"].to_list()])
    src = ensure_source(session, principal, source)
    insert_rows(session, src, df)
    return src


def record_observations(session: Session, principal: Principal, source: SourceSpec,
                        observations: list[ObservationSpec]) -> Source:
    """Add observations to a source (created if new) in the caller's transaction; all or none."""
    principal.require("analyst", "data_owner", "admin", "officer", action=N_("add statistics"))
    df = frame_of(observations).with_columns(line=pl.coalesce(pl.col("line"), pl.int_range(1, len(observations) + 1)))
    problems = validate_frame(df)
    if problems:
        raise ImportRejected(N_("{n_problems} problem(s) in the observations for {key!r}; nothing was stored",
                                n_problems=len(problems), key=source.key), problems)
    src = store_frame(session, principal, source, df, repr(source.key))
    rows = df.height
    audit.record(session, principal, "stats.observations.add", "stat_source", f"{src.key}@{src.vintage}",
                 details={"key": src.key, "vintage": src.vintage, "rows": rows})
    return src

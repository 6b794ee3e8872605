"""The pipeline every importer ends in: validate the whole frame, aggregate rows into cells, check totals,
then store everything (or nothing) with its audit entry; and the report shown to the importer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.errors import ImportRejected, Problem
from palermo.messages import N_
from palermo.statistics.cells import aggregate_frame, check_totals
from palermo.statistics.ingest import (
    ObservationSpec,
    SourceSpec,
    country_names,
    frame_of,
    store_frame,
    validate_frame,
)

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    source_key: str
    vintage: str
    rows_read: int
    observations: int
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    public: bool = False  # shown to visitors without an account (under disclosure control)
    unknown: int = 0  # values given as empty, nan, ':' …: stored as unknown, never as 0

    def summary(self) -> str:
        out = [f"{self.observations:,} observations stored in source {self.source_key!r} vintage {self.vintage} "
               f"(from {self.rows_read:,} rows); {'public' if self.public else 'internal (not published)'}"]
        if self.unknown:
            out.append(f"  {self.unknown:,} value(s) unknown (empty, nan or a missing-value mark): stored as unknown, not as 0")
        out += [f"  skipped {n:,} row(s): {why}" for why, n in self.skipped.items()]
        out += [f"  warning: {w}" for w in self.warnings[:30]]
        if len(self.warnings) > 30:
            out.append(f"  … and {len(self.warnings) - 30} more warnings")
        return "\n".join(out)


def store(session: Session, principal: Principal, source: SourceSpec, specs: list[ObservationSpec], report: ImportReport,
          problems: list[Problem], origin: str, *, negative_adjustments: bool = False) -> ImportReport:
    return store_frame_report(session, principal, source, frame_of(specs), report, problems, origin,
                              negative_adjustments=negative_adjustments)


def store_frame_report(session: Session, principal: Principal, source: SourceSpec, df: pl.DataFrame, report: ImportReport,
                       problems: list[Problem], origin: str, *, negative_adjustments: bool = False) -> ImportReport:
    """Validate everything, then write everything (or nothing).

    ``negative_adjustments``: the source publishes corrections as negative rows (the FBI's UCR does);
    they are allowed on input but every harmonised cell must still be a count (>= 0) after summing.
    """
    principal.require("analyst", "data_owner", "admin", action=N_("import statistics"))
    problems = sorted(problems + validate_frame(df, negative_allowed=negative_adjustments),
                      key=lambda p: p.line if p.line is not None else 0)
    if problems:
        raise ImportRejected(N_("{n_problems} problem(s) in {origin}; nothing was imported",
                                n_problems=len(problems), origin=origin), problems)
    if df.height == 0:  # nothing to store: no source is created, its key stays free
        skipped = [Problem(N_("skipped {n:,} row(s): {why}", n=n, why=why)) for why, n in report.skipped.items()]
        raise ImportRejected(N_("{origin} yields no observation (from {rows_read:,} rows); nothing was imported and "
                                "no source was created. Check the format and the file",
                                origin=origin, rows_read=report.rows_read), skipped or [Problem(N_("no data rows"))])
    if names := country_names(df):
        report.warnings.append(names)
    report.unknown = df.filter(pl.col("value").is_null() & pl.col("lower").is_null()).height
    df = aggregate_frame(df, report.warnings)
    negative = df.filter(pl.col("value") < 0)
    if negative.height:
        raise ImportRejected(N_("{height} negative cell(s) in {origin}; nothing was imported",
                                height=negative.height, origin=origin),
                             [Problem(N_("cell sums to a negative count after adjustments ({m})", m=m[:80]), line=line,
                                      field="value", value=v)
                              for line, m, v in negative.select("line", "mapping", "value").iter_rows()])
    df = check_totals(df, report.warnings)
    src = store_frame(session, principal, source, df, origin)
    report.observations = df.height
    report.vintage = src.vintage
    audit.record(session, principal, "stats.import", "stat_source", f"{src.key}@{src.vintage}",
                 details={"origin": origin, "observations": report.observations, "skipped": report.skipped})
    return report

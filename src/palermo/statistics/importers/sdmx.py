"""SDMX-CSV (1.0 and 2.0) and SDMX-ML data messages, read with sdmx1 against Palermo's structure where
the file declares it; Eurostat's dimension ids and codes are understood."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.errors import ImportRejected, Problem
from palermo.messages import N_, verbatim
from palermo.statistics import category_maps
from palermo.statistics.importers.pipeline import ImportReport, Progress, store
from palermo.statistics.ingest import ObservationSpec, SourceSpec
from palermo.statistics.rows import LINE, duplicate_rows, read_table, require_columns
from palermo.statistics.values import parse_count

# ------------------------------------------------------------------ SDMX-CSV (our own structure, and compatible files)
SDMX_REQUIRED = ["REF_AREA", "TIME_PERIOD", "OBS_VALUE", "INDICATOR"]
# Columns of an SDMX-CSV table that are not part of an observation's key (the value and its attributes).
SDMX_NOT_KEY = {"OBS_VALUE", "OBS_FLAG", "OBS_STATUS", "CONF_STATUS", "LAST UPDATE", "LOWER", "UPPER", "PALERMO_FLAGS",
                "OBS_COMMENT", "COMMENT_OBS", "UNIT_MULT", "DECIMALS"}


STATUS_FLAG = {"E": "estimated", "P": "provisional", "B": "break", "Q": "confidential"}
# Dimension ids other SDMX producers use (Eurostat's crim_thb: lower-case ids and its own codes).
SDMX_ALIASES = {"geo": "REF_AREA", "time_period": "TIME_PERIOD", "sex": "SEX", "age": "AGE", "citizen": "CITIZENSHIP",
                "typtrai": "EXPLOITATION", "exploit": "EXPLOITATION", "leg_stat": "INDICATOR", "LOWER_BOUND": "LOWER",
                "UPPER_BOUND": "UPPER"}


def _sdmx_spec(r: dict[str, Any], line: int, problems: list[Problem], origin: str, cm: category_maps.CategoryMap) -> ObservationSpec | None:
    """One SDMX observation (its dimensions and attributes by id) as an observation spec."""
    r = {SDMX_ALIASES.get(k, k): v for k, v in r.items()}
    try:
        parsed = parse_count(r.get("OBS_VALUE"))
    except ValueError as exc:
        problems.append(Problem(verbatim(str(exc)), line=line, field="OBS_VALUE", value=r.get("OBS_VALUE")))
        return None
    flags = set(parsed.flags)
    st = (r.get("OBS_STATUS") or "").strip()
    if st in STATUS_FLAG:
        flags.add(STATUS_FLAG[st])
    flags |= {f for f in (r.get("PALERMO_FLAGS") or "").split(";") if f}
    indicator = (r.get("INDICATOR") or "").strip()
    indicator = cm["indicator"].get(indicator, indicator.lower())
    area = (r.get("REF_AREA") or "").strip()
    area = {"EL": "GR", "UK": "GB"}.get(area, area)

    def code(dim: str, eurostat: dict[str, str]) -> str:
        v = (r.get(dim) or "TOTAL").strip()
        return eurostat.get(v, v.lower())

    return ObservationSpec(indicator, area, (r.get("TIME_PERIOD") or "").strip(), code("SEX", cm["sex"]),
                           code("AGE", cm["age_group"]), code("CITIZENSHIP", cm["citizenship"]), code("EXPLOITATION", cm["exploitation"]),
                           parsed.value, flags, _num(r.get("LOWER")), _num(r.get("UPPER")), None, 0, origin, line)


def import_sdmx_csv(session: Session, principal: Principal, path: Path, *, source: SourceSpec,
                    progress: Progress | None = None, mappings_dir: Path | None = None) -> ImportReport:
    """SDMX-CSV: version 2.0 (first column ``STRUCTURE``, what ``stats export`` writes) read by sdmx1
    against Palermo's structure; version 1.0 files (first column ``DATAFLOW``, e.g. Eurostat's) read as
    a table, with line numbers."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline().split(",")[0].strip()
    if first.startswith("STRUCTURE"):
        return _import_sdmx_message(session, principal, path, "SDMX-CSV 2.0", source=source, progress=progress,
                                    mappings_dir=mappings_dir)
    df = read_table(path)
    require_columns(df, path, SDMX_REQUIRED, "SDMX-CSV")
    dims = [c for c in df.columns if c != LINE and SDMX_ALIASES.get(c, c).upper() not in SDMX_NOT_KEY]
    problems = duplicate_rows(df, dims, value="OBS_VALUE", what="the same dimensions and period")
    cm = category_maps.load("eurostat-crim-thb", mappings_dir)  # SDMX files from Eurostat use its codes
    specs = [s for r in df.iter_rows(named=True) if (s := _sdmx_spec(r, r.pop(LINE), problems, "SDMX-CSV", cm))]
    return store(session, principal, source, specs, ImportReport(source.key, "", df.height, 0), problems, path.name)


def import_sdmx_ml(session: Session, principal: Principal, path: Path, *, source: SourceSpec,
                   progress: Progress | None = None, mappings_dir: Path | None = None) -> ImportReport:
    """SDMX-ML data messages read by sdmx1: Palermo's own structure (structure-specific data) or any
    generic-data message whose dimensions are Palermo's or Eurostat crim_thb's. Line numbers in the
    report are observation numbers (1 = the first observation of the first data set)."""
    return _import_sdmx_message(session, principal, path, "SDMX-ML", source=source, progress=progress,
                                    mappings_dir=mappings_dir)


def _import_sdmx_message(session: Session, principal: Principal, path: Path, kind: str, *, source: SourceSpec,
                         progress: Progress | None = None, mappings_dir: Path | None = None) -> ImportReport:
    import sdmx
    from sdmx.message import DataMessage

    from palermo.statistics.exports import structure

    try:
        msg = sdmx.read_sdmx(path, structure=structure())
    except Exception as exc:  # noqa: BLE001 - sdmx1 raises many types for unreadable input
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ImportRejected(N_("{path} is not an {kind} data message Palermo can read: {first}",
                                path=path, kind=kind, first=first),
                             [Problem(verbatim(first))]) from None
    if not isinstance(msg, DataMessage) or not msg.data:
        raise ImportRejected(N_("{path} holds no SDMX data set (a structure message?); export data, not structures",
                                path=path),
                             [Problem(N_("no data set"))])
    problems: list[Problem] = []
    specs: list[ObservationSpec] = []
    cm = category_maps.load("eurostat-crim-thb", mappings_dir)
    n = 0
    for ds in msg.data:
        for obs in ds.obs:
            n += 1
            row: dict[str, Any] = {k: str(v.value) for k, v in obs.key.values.items()}
            row |= {k: str(v.value) for k, v in obs.attrib.items()}
            missing = obs.value in (None, "") or (isinstance(obs.value, float) and math.isnan(obs.value))
            row["OBS_VALUE"] = None if missing else obs.value
            if (spec := _sdmx_spec(row, n, problems, kind, cm)) is not None:
                specs.append(spec)
            if progress and n % 5000 == 0:
                progress(5000)
    if n == 0:
        raise ImportRejected(N_("{path} holds no observations", path=path), [Problem(N_("no observations"))])
    return store(session, principal, source, specs, ImportReport(source.key, "", n, 0), problems, path.name)


def is_xml(path: Path) -> bool:
    """SDMX-ML rather than SDMX-CSV, by content (file names lie)."""
    with path.open("rb") as fh:
        return fh.read(200).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _num(v: Any) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except ValueError:
        return None

"""Importers: every one atomic (all rows or none) and reporting every rejected row with its line and reason.

Formats: UNODC GLOTIP country tables (CSV/XLSX), IOM CTDC victim-level files (aggregated to counts),
Eurostat crim_thb TSV, SDMX-CSV and SDMX-ML (through sdmx1), and any CSV/XLSX with a small YAML
mapping file. All go through :func:`store_frame_report`, which validates, aggregates and checks
totals on a Polars frame (vectorised: a million rows in seconds) and inserts through
:func:`palermo.statistics.ingest.store_frame`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.countries import iso3
from palermo.errors import ImportRejected, Problem, ValidationError
from palermo.statistics import category_maps, publication
from palermo.statistics.ingest import FRAME, ObservationSpec, SourceSpec, frame_of, store_frame, validate_frame
from palermo.statistics.cells import aggregate_frame, check_totals
from palermo.statistics.rows import duplicate_rows, read_table, require_columns
from palermo.statistics.values import parse_count

Progress = Callable[[int], None]
FORMATS = ("csv", "xlsx", "eurostat", "unodc", "ctdc", "sdmx")


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


def store(session: Session, actor: Principal, source: SourceSpec, specs: list[ObservationSpec], report: ImportReport,
          problems: list[Problem], origin: str, *, negative_adjustments: bool = False) -> ImportReport:
    return store_frame_report(session, actor, source, frame_of(specs), report, problems, origin,
                              negative_adjustments=negative_adjustments)


def store_frame_report(session: Session, actor: Principal, source: SourceSpec, df: pl.DataFrame, report: ImportReport,
                       problems: list[Problem], origin: str, *, negative_adjustments: bool = False) -> ImportReport:
    """Validate everything, then write everything (or nothing).

    ``negative_adjustments``: the source publishes corrections as negative rows (the FBI's UCR does);
    they are allowed on input but every harmonised cell must still be a count (>= 0) after summing.
    """
    actor.require("analyst", "data_owner", "admin", action="import statistics")
    problems = sorted(problems + validate_frame(df, negative_allowed=negative_adjustments),
                      key=lambda p: p.line if p.line is not None else 0)
    if problems:
        raise ImportRejected(f"{len(problems)} problem(s) in {origin}; nothing was imported", problems)
    if df.height == 0:  # nothing to store: no source is created, its key stays free
        skipped = [Problem(f"skipped {n:,} row(s): {why}") for why, n in report.skipped.items()]
        raise ImportRejected(f"{origin} yields no observation (from {report.rows_read:,} rows); nothing was imported "
                             "and no source was created. Check the format and the file", skipped or [Problem("no data rows")])
    report.unknown = df.filter(pl.col("value").is_null() & pl.col("lower").is_null()).height
    df = aggregate_frame(df, report.warnings)
    negative = df.filter(pl.col("value") < 0)
    if negative.height:
        raise ImportRejected(f"{negative.height} negative cell(s) in {origin}; nothing was imported",
                             [Problem(f"cell sums to a negative count after adjustments ({m[:80]})", line=line,
                                      field="value", value=v)
                              for line, m, v in negative.select("line", "mapping", "value").iter_rows()])
    df = check_totals(df, report.warnings)
    src = store_frame(session, actor, source, df, origin)
    report.observations = df.height
    report.vintage = src.vintage
    audit.record(session, actor, "stats.import", "stat_source", src.id,
                 details={"origin": origin, "observations": report.observations, "skipped": report.skipped})
    return report


# ------------------------------------------------------------------ UNODC GLOTIP
_UNKNOWN_WORDS = {"unknown", "desconocida", "desconocido", "inconnu", "inconnue", "not known", "n/a"}


def _citizenship(category: str, country: str) -> str:
    text = category.strip()
    if text.lower() in ("nationals", "national", "citizens"):
        return "nationals"
    if text.lower() in _UNKNOWN_WORDS:
        return "unknown"
    if text.lower() in ("foreigners", "foreign", "foreign nationals", "abroad"):
        return "foreign"
    code = iso3(text)
    if code is not None:
        return "nationals" if code == country else "foreign"
    return "foreign"  # nationality adjectives ("Mexican", "Dutch"): UNODC lists them as foreign citizenships


def _vintage_of(path: Path, vintage: str | None) -> str:
    if vintage:
        return vintage
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    return m.group(1) if m else "1"


GLOTIP_KEY = ["Iso3_code", "Indicator", "Dimension", "Category", "Sex", "Age", "Year"]
# UNODC's table repeats a key only where it folds categories into one label: the sub-forms under "Other
# forms of exploitation" and the sex rows of the total (both releases, 2023 and 2025). Those rows are
# parts of one cell and are summed; any other repeated key (a line pasted twice) is refused.
GLOTIP_FOLDED = ((pl.col("Category") == "Other forms of exploitation")
                 | ((pl.col("Dimension") == "Total") & (pl.col("Sex") != "Total")))


def import_glotip(session: Session, actor: Principal, path: Path, *, key: str = "unodc-glotip",
                  vintage: str | None = None, progress: Progress | None = None) -> ImportReport:
    header = 2 if path.suffix.lower() in (".xlsx", ".xlsm") else None
    df = read_table(path, header)
    require_columns(df, path, ["Iso3_code", "Indicator", "Dimension", "Category", "Sex", "Age", "Year", "txtVALUE"], "UNODC GLOTIP")
    report = ImportReport(key, "", df.height, 0)
    offset = 2 if header is None else header + 2
    problems = duplicate_rows(df, GLOTIP_KEY, first_line=offset, value="txtVALUE", allowed=GLOTIP_FOLDED,
                              what="the same country, indicator, dimension, category, sex, age and year")
    specs: list[ObservationSpec] = []
    cm = category_maps.load("unodc-glotip")
    for n, r in enumerate(df.iter_rows(named=True), start=offset):
        if progress and n % 5000 == 0:
            progress(5000)
        dim = (r["Dimension"] or "").strip()
        if dim == "by country of repatriation":
            report.skipped["breakdown by country of repatriation (not a harmonised breakdown)"] = \
                report.skipped.get("breakdown by country of repatriation (not a harmonised breakdown)", 0) + 1
            continue
        code = (r["Iso3_code"] or "").strip()
        if not code or iso3(code) is None:
            # Regional and sub-regional totals share the table with countries (GLOTIP 2023 codes them
            # e.g. "CAR"); they are aggregates of other rows, reported here and not imported.
            why = f"not a country: regional or territory row ({code or 'no code'}: {(r.get('Country') or '').strip()})"
            report.skipped[why] = report.skipped.get(why, 0) + 1
            continue
        indicator = cm["indicator"].get((r["Indicator"] or "").strip())
        if indicator is None:
            problems.append(Problem("unknown GLOTIP indicator", line=n, field="Indicator", value=r["Indicator"]))
            continue
        try:
            parsed = parse_count(r["txtVALUE"])
        except ValueError as exc:
            problems.append(Problem(str(exc), line=n, field="txtVALUE", value=r["txtVALUE"]))
            continue
        category = (r["Category"] or "").strip()
        exploitation, citizenship = "total", "total"
        if dim == "by form of exploitation":
            exploitation = cm["exploitation"].get(category, "other")
        elif dim == "by citizenship":
            citizenship = _citizenship(category, code)
        specs.append(ObservationSpec(indicator, code, str(r["Year"]).strip(), cm["sex"].get((r["Sex"] or "").strip(), r["Sex"]),
                                     cm["age_group"].get((r["Age"] or "").strip(), r["Age"]), citizenship, exploitation,
                                     parsed.value, parsed.flags, parsed.lower, parsed.upper, None, 0,
                                     f"{r['Indicator']} / {dim} / {category}", n))
    source = SourceSpec(key=key, name="UNODC Global Report on Trafficking in Persons, country data (GLOTIP)",
                        source_type="international_records", stage="detected", counting_unit="persons",
                        legal_definition="national legislation as reported to UNODC (Palermo Protocol-based questionnaire)",
                        coverage="countries answering the UNODC questionnaire", update_schedule="biennial",
                        vintage=_vintage_of(path, vintage),
                        notes="Values below 5 are published as '<5' and kept as the interval [0, 4].")
    return store(session, actor, source, specs, report, problems, path.name)


# ------------------------------------------------------------------ generic CSV/XLSX with a mapping file
def load_mapping(path: Path) -> dict[str, Any]:
    try:
        return parse_mapping(path.read_text(), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"mapping file {path} cannot be read: {exc}; save it as UTF-8 YAML") from None


def parse_mapping(text: str, name: str = "mapping") -> dict[str, Any]:
    try:
        mapping = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"mapping file {name} is not valid YAML: {category_maps.yaml_problem(exc)}") from None
    if not isinstance(mapping, dict) or "source" not in mapping or "columns" not in mapping:
        raise ValidationError(f"mapping file {name} needs 'source' and 'columns' sections; see docs/statistics.md")
    if not isinstance(mapping["source"], dict) or not isinstance(mapping["columns"] or {}, dict):
        raise ValidationError(f"mapping file {name}: 'source' and 'columns' must be mappings (key: value)")
    return mapping


MAPPED_FIELDS = ("indicator", "country", "period", "sex", "age_group", "citizenship", "exploitation", "value")


def _mapped_column(name: str, cols: dict[str, str], consts: dict[str, Any],
                   vmap: dict[str, dict[str, Any]]) -> pl.Expr:
    """The field as a string column: the source's column, with its categories mapped, or a constant."""
    if name not in cols:
        const = consts.get(name)
        return pl.lit(None if const is None else str(const), dtype=pl.Utf8)
    col = pl.col(cols[name]).cast(pl.Utf8)
    values = {str(k): str(v) for k, v in (vmap.get(name) or {}).items()}
    if not values:
        return col
    stripped = col.str.strip_chars()
    return pl.when(stripped.is_in(list(values))).then(stripped.replace(values)).otherwise(col)


def _parsed_values(raw: pl.Series) -> tuple[pl.DataFrame, dict[str, str]]:
    """parse_count over the distinct texts only (published tables repeat the same few hundred numbers)."""
    parsed, errors = {}, {}
    for text in raw.unique().to_list():
        try:
            parsed[text] = parse_count(text)
        except ValueError as exc:
            errors[text] = str(exc)
    keys = list(parsed)
    table = pl.DataFrame({"_raw": keys, "value": [parsed[k].value for k in keys], "lower": [parsed[k].lower for k in keys],
                          "upper": [parsed[k].upper for k in keys],
                          "flags": [",".join(sorted(parsed[k].flags)) for k in keys]},
                         schema={"_raw": pl.Utf8, "value": pl.Float64, "lower": pl.Float64, "upper": pl.Float64, "flags": pl.Utf8})
    return table, errors


def import_mapped(session: Session, actor: Principal, path: Path, mapping: dict[str, Any], *,
                  progress: Progress | None = None) -> ImportReport:
    """Any table: ``columns`` names the column of each field, ``constants`` fixes fields, ``values`` maps the
    source's own categories to the code lists; rows mapping to one cell are summed (e.g. agencies → country).

    Vectorised with Polars: the mapping and parsing run per distinct value, not per row."""
    df = read_table(path)
    cols: dict[str, str] = mapping.get("columns", {})
    consts: dict[str, Any] = mapping.get("constants", {})
    vmap: dict[str, dict[str, Any]] = mapping.get("values", {})
    require_columns(df, path, list(cols.values()), "mapped")
    src = mapping["source"]
    report = ImportReport(src.get("key", path.stem), "", df.height, 0)
    described = [c for c in dict.fromkeys(cols.values()) if c != cols.get("value")]
    fields = df.select(
        *[_mapped_column(f, cols, consts, vmap).alias(f) for f in MAPPED_FIELDS],
        mapping=pl.concat_str([pl.lit(f"{c}=") + pl.col(c).cast(pl.Utf8).fill_null("None") for c in described],
                              separator=" / ").str.slice(0, 300) if described else pl.lit(""),
        line=pl.int_range(2, df.height + 2, dtype=pl.Int64))
    if progress:
        progress(df.height // 2)
    raw = fields["value"].fill_null("")
    table, errors = _parsed_values(raw)
    value_column = cols.get("value", "value")
    problems = [Problem(errors[v], line=line, field=value_column, value=v)
                for line, v in zip(fields["line"].to_list(), raw.to_list()) if v in errors] if errors else []
    defaults = {f: pl.when(pl.col(f).is_null() | (pl.col(f) == "")).then(pl.lit("total")).otherwise(pl.col(f))
                for f in ("sex", "age_group", "citizenship", "exploitation")}
    frame = (fields.with_columns(_raw=raw).filter(~pl.col("_raw").is_in(list(errors))).drop("value")
             .join(table, on="_raw", how="left", maintain_order="left")
             .with_columns(**defaults, indicator=pl.col("indicator").fill_null(""), country=pl.col("country").fill_null(""),
                           period=pl.col("period").fill_null(""), crime_code=pl.lit(None, dtype=pl.Utf8),
                           unit_multiplier=pl.lit(0, dtype=pl.Int64))
             .select(list(FRAME)))
    if progress:
        progress(df.height - df.height // 2)
    spec = source_spec(src)
    return store_frame_report(session, actor, spec, frame, report, problems, path.name,
                              negative_adjustments=mapping.get("negative_values") == "adjustments")


# ------------------------------------------------------------------ IOM CTDC victim-level


def import_ctdc(session: Session, actor: Principal, path: Path, *, key: str = "iom-ctdc", progress: Progress | None = None) -> ImportReport:
    """Victim-level records aggregated to counts of identified victims by country of exploitation, year,
    sex, age group and form of exploitation. Small counts are protected later by disclosure control."""
    df = read_table(path)
    require_columns(df, path, ["yearOfRegistration", "gender", "majorityStatus", "isSexualExploit", "isForcedLabour",
                        "CountryOfExploitation"], "CTDC victim-level")
    report = ImportReport(key, "", df.height, 0)
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    cm = category_maps.load("iom-ctdc")
    problems: list[Problem] = []
    for n, r in enumerate(df.iter_rows(named=True), start=2):
        if progress and n % 5000 == 0:
            progress(5000)
        coe = (r["CountryOfExploitation"] or "").strip()
        year = (r["yearOfRegistration"] or "").strip()
        if coe in ("", "-99") or not year.isdigit():
            report.skipped["country of exploitation or year missing"] = report.skipped.get("country of exploitation or year missing", 0) + 1
            continue
        country = iso3(coe)
        if country is None:
            problems.append(Problem("country of exploitation is not an ISO 3166 code", line=n, field="CountryOfExploitation", value=coe))
            continue
        sex = cm["sex"].get((r["gender"] or "").strip(), "unknown")
        age = cm["age_group"].get((r["majorityStatus"] or "").strip(), "unknown")
        forms = [f for f, col in (("sexual", "isSexualExploit"), ("labour", "isForcedLabour"), ("other", "isOtherExploit"))
                 if (r.get(col) or "").strip() == "1"]
        for ex in ["total", *forms]:
            for s_, a_ in ((sex, "total"), ("total", age), ("total", "total")):
                counts[(country, year, s_, a_, ex)] += 1
    specs = [ObservationSpec("victims", c, y, s_, a_, "total", ex, float(v), set(), mapping="CTDC records counted", line=None)
             for (c, y, s_, a_, ex), v in counts.items() if not (ex != "total" and (s_ != "total" or a_ != "total"))]
    source = SourceSpec(key=key, name="IOM Counter Trafficking Data Collaborative (CTDC) victim records",
                        source_type="international_records", stage="identified", counting_unit="persons",
                        legal_definition="IOM case data (Palermo Protocol definition)", coverage="cases assisted by IOM and partners",
                        update_schedule="annual", notes="Aggregated from victim-level records.")
    return store(session, actor, source, specs, report, problems, path.name)


# ------------------------------------------------------------------ Eurostat crim_thb TSV


def import_eurostat_tsv(session: Session, actor: Principal, path: Path, *, key: str = "eurostat-crim-thb",
                        progress: Progress | None = None) -> ImportReport:
    """Eurostat TSV: first column 'dim1,dim2,…\\TIME_PERIOD', one column per period, values with flags ('12 p', ':')."""
    text = path.read_text(encoding="utf-8-sig")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or "\\" not in lines[0].split("\t")[0]:
        raise ImportRejected(f"{path} is not a Eurostat TSV (first header cell like 'freq,leg_stat,sex,geo\\TIME_PERIOD')",
                             [Problem("not a Eurostat TSV", line=1)])
    head = lines[0].split("\t")
    dims = head[0].split("\\")[0].split(",")
    periods = [h.strip() for h in head[1:]]
    if "geo" not in dims or "leg_stat" not in dims:
        raise ImportRejected(f"{path}: the dimensions {dims} lack geo or leg_stat", [Problem("missing dimension", line=1)])
    problems: list[Problem] = []
    specs: list[ObservationSpec] = []
    stages: set[str] = set()
    cm = category_maps.load("eurostat-crim-thb")
    seen: dict[str, int] = {}
    for n, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        keys = dict(zip(dims, cells[0].split(",")))
        if cells[0] in seen:  # reported; its values are still checked, so every problem is listed at once
            problems.append(Problem(f"duplicate of line {seen[cells[0]]}: the same series key; remove one of them",
                                    line=n, value=cells[0]))
        seen.setdefault(cells[0], n)
        if len(cells) != len(head):
            problems.append(Problem(f"{len(cells)} cells, header has {len(head)}", line=n))
            continue
        leg_stat = keys.get("leg_stat", "")
        if leg_stat not in cm["indicator"]:
            problems.append(Problem("unknown leg_stat", line=n, field="leg_stat", value=keys.get("leg_stat")))
            continue
        indicator, stage = cm["indicator"][leg_stat], cm["stage"].get(leg_stat, "registered")
        stages.add(stage)
        geo = keys["geo"]
        country = iso3({"EL": "GR", "UK": "GB"}.get(geo, geo))
        if country is None:
            if geo.startswith("EU"):
                continue  # EU aggregates are recomputed, not imported
            problems.append(Problem("geo is not a country code", line=n, field="geo", value=geo))
            continue
        for period, raw in zip(periods, cells[1:]):
            try:
                parsed = parse_count(raw)
            except ValueError as exc:
                problems.append(Problem(str(exc), line=n, field=period, value=raw))
                continue
            specs.append(ObservationSpec(indicator, country, period, cm["sex"].get(keys.get("sex", "T"), keys.get("sex", "")),
                                         cm["age_group"].get(keys.get("age", "TOTAL"), keys.get("age", "")),
                                         cm["citizenship"].get(keys.get("citizen", "TOTAL"), keys.get("citizen", "")),
                                         cm["exploitation"].get(keys.get("typtrai", keys.get("exploit", "TOTAL")), "other"),
                                         parsed.value, parsed.flags, parsed.lower, parsed.upper, None, 0, cells[0], n))
    source = SourceSpec(key=key, name="Eurostat trafficking in human beings statistics (crim_thb)",
                        source_type="international_records", stage="registered", counting_unit="persons",
                        legal_definition="Directive 2011/36/EU, art. 2", coverage="EU Member States and partners",
                        update_schedule="annual")
    report = ImportReport(key, "", len(lines) - 1, 0)
    return store(session, actor, source, specs, report, problems, path.name)


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
        problems.append(Problem(str(exc), line=line, field="OBS_VALUE", value=r.get("OBS_VALUE")))
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


def import_sdmx_csv(session: Session, actor: Principal, path: Path, *, source: SourceSpec,
                    progress: Progress | None = None) -> ImportReport:
    """SDMX-CSV: version 2.0 (first column ``STRUCTURE``, what ``stats export`` writes) read by sdmx1
    against Palermo's structure; version 1.0 files (first column ``DATAFLOW``, e.g. Eurostat's) read as
    a table, with line numbers."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline().split(",")[0].strip()
    if first.startswith("STRUCTURE"):
        return _import_sdmx_message(session, actor, path, "SDMX-CSV 2.0", source=source, progress=progress)
    df = read_table(path)
    require_columns(df, path, SDMX_REQUIRED, "SDMX-CSV")
    dims = [c for c in df.columns if SDMX_ALIASES.get(c, c).upper() not in SDMX_NOT_KEY]
    problems = duplicate_rows(df, dims, first_line=2, value="OBS_VALUE", what="the same dimensions and period")
    cm = category_maps.load("eurostat-crim-thb")  # SDMX files from Eurostat use its codes
    specs = [s for n, r in enumerate(df.iter_rows(named=True), start=2) if (s := _sdmx_spec(r, n, problems, "SDMX-CSV", cm))]
    return store(session, actor, source, specs, ImportReport(source.key, "", df.height, 0), problems, path.name)


def import_sdmx_ml(session: Session, actor: Principal, path: Path, *, source: SourceSpec,
                   progress: Progress | None = None) -> ImportReport:
    """SDMX-ML data messages read by sdmx1: Palermo's own structure (structure-specific data) or any
    generic-data message whose dimensions are Palermo's or Eurostat crim_thb's. Line numbers in the
    report are observation numbers (1 = the first observation of the first data set)."""
    return _import_sdmx_message(session, actor, path, "SDMX-ML", source=source, progress=progress)


def _import_sdmx_message(session: Session, actor: Principal, path: Path, kind: str, *, source: SourceSpec,
                         progress: Progress | None = None) -> ImportReport:
    import sdmx

    from palermo.statistics.exports import structure

    try:
        msg = sdmx.read_sdmx(path, structure=structure())
    except Exception as exc:  # noqa: BLE001 - sdmx1 raises many types for unreadable input
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ImportRejected(f"{path} is not an {kind} data message Palermo can read: {first}",
                             [Problem(first)]) from None
    if not getattr(msg, "data", None):
        raise ImportRejected(f"{path} holds no SDMX data set (a structure message?); export data, not structures",
                             [Problem("no data set")])
    problems: list[Problem] = []
    specs: list[ObservationSpec] = []
    cm = category_maps.load("eurostat-crim-thb")
    n = 0
    for ds in msg.data:
        for obs in ds.obs:
            n += 1
            row = {k: str(v.value) for k, v in obs.key.values.items()}
            row |= {k: str(v.value) for k, v in obs.attrib.items()}
            missing = obs.value in (None, "") or (isinstance(obs.value, float) and math.isnan(obs.value))
            row["OBS_VALUE"] = None if missing else obs.value
            if (spec := _sdmx_spec(row, n, problems, kind, cm)) is not None:
                specs.append(spec)
            if progress and n % 5000 == 0:
                progress(5000)
    if n == 0:
        raise ImportRejected(f"{path} holds no observations", [Problem("no observations")])
    return store(session, actor, source, specs, ImportReport(source.key, "", n, 0), problems, path.name)


def import_file(session: Session, actor: Principal, path: Path, fmt: str, *, mapping: dict[str, Any] | None = None,
                source: str | None = None, vintage: str | None = None, progress: Progress | None = None,
                public: bool | None = None) -> ImportReport:
    """One entry point for the CLI, the API and the web form: the format decides the importer. ``public``
    marks the source published (True) or internal (False); None keeps it (new sources: internal)."""
    before = publication.snapshot(session)
    report = _import_file(session, actor, path, fmt, mapping=mapping, source=source, vintage=vintage, progress=progress)
    report.public = publication.settle_after_import(session, actor, report.source_key, report.vintage, public, before)
    return report


def _import_file(session: Session, actor: Principal, path: Path, fmt: str, *, mapping: dict[str, Any] | None = None,
                 source: str | None = None, vintage: str | None = None, progress: Progress | None = None) -> ImportReport:
    if fmt == "unodc":
        return import_glotip(session, actor, path, key=source or "unodc-glotip", vintage=vintage, progress=progress)
    if fmt == "ctdc":
        return import_ctdc(session, actor, path, key=source or "iom-ctdc", progress=progress)
    if fmt == "eurostat":
        return import_eurostat_tsv(session, actor, path, key=source or "eurostat-crim-thb", progress=progress)
    if fmt not in FORMATS:
        raise ValidationError(f"format {fmt!r} unknown; use one of {', '.join(FORMATS)}")
    if mapping is None:
        raise ValidationError(f"a mapping file is needed for {fmt} files (for sdmx: its 'source' section describes the "
                              "source); see docs/statistics.md for the format")
    mapping = {**mapping, "source": {**mapping["source"], **({"key": source} if source else {})}}
    if fmt in ("csv", "xlsx"):
        return import_mapped(session, actor, path, mapping, progress=progress)
    spec = source_spec(mapping["source"])
    return (import_sdmx_ml if is_xml(path) else import_sdmx_csv)(session, actor, path, source=spec, progress=progress)


def source_spec(fields: dict[str, Any]) -> SourceSpec:
    unknown = sorted(set(fields) - set(SourceSpec.__dataclass_fields__))
    missing = sorted(k for k in ("key", "name", "source_type", "stage", "counting_unit", "legal_definition") if k not in fields)
    if unknown or missing:
        raise ValidationError("the mapping's 'source' section " + "; ".join(
            ([f"lacks {', '.join(missing)}"] if missing else []) + ([f"has unknown field(s) {', '.join(unknown)}"] if unknown else [])))
    return SourceSpec(**fields)


def is_xml(path: Path) -> bool:
    """SDMX-ML rather than SDMX-CSV, by content (file names lie)."""
    with path.open("rb") as fh:
        return fh.read(200).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _num(v: Any) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except ValueError:
        return None

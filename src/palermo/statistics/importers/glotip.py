"""UNODC GLOTIP country tables (CSV, or the XLSX release with its two title rows)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.countries import iso3
from palermo.errors import Problem
from palermo.messages import N_, verbatim
from palermo.statistics import category_maps
from palermo.statistics.importers.pipeline import ImportReport, Progress, store
from palermo.statistics.ingest import ObservationSpec, SourceSpec
from palermo.statistics.rows import LINE, duplicate_rows, read_table, require_columns
from palermo.statistics.values import parse_count

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


def import_glotip(session: Session, principal: Principal, path: Path, *, key: str = "unodc-glotip",
                  vintage: str | None = None, progress: Progress | None = None,
                  mappings_dir: Path | None = None) -> ImportReport:
    columns = ["Iso3_code", "Indicator", "Dimension", "Category", "Sex", "Age", "Year", "txtVALUE"]
    notes: list[str] = []
    df = read_table(path, columns, notes)  # the official XLSX has two title rows above the header
    require_columns(df, path, columns, "UNODC GLOTIP")
    report = ImportReport(key, "", df.height, 0, warnings=notes)
    problems = duplicate_rows(df, GLOTIP_KEY, value="txtVALUE", allowed=GLOTIP_FOLDED,
                              what="the same country, indicator, dimension, category, sex, age and year")
    specs: list[ObservationSpec] = []
    cm = category_maps.load("unodc-glotip", mappings_dir)
    for i, r in enumerate(df.iter_rows(named=True)):
        n = r[LINE]
        if progress and i and i % 5000 == 0:
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
            problems.append(Problem(N_("unknown GLOTIP indicator"), line=n, field="Indicator", value=r["Indicator"]))
            continue
        try:
            parsed = parse_count(r["txtVALUE"])
        except ValueError as exc:
            problems.append(Problem(verbatim(str(exc)), line=n, field="txtVALUE", value=r["txtVALUE"]))
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
    return store(session, principal, source, specs, report, problems, path.name)

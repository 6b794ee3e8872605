"""IOM CTDC victim-level files, aggregated to counts on import (no person record is stored)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.countries import iso3
from palermo.errors import ImportRejected, Problem
from palermo.messages import N_
from palermo.statistics import category_maps
from palermo.statistics.importers.pipeline import ImportReport, Progress, store
from palermo.statistics.ingest import ObservationSpec, SourceSpec
from palermo.statistics.rows import LINE, read_table, require_columns


def import_ctdc(session: Session, principal: Principal, path: Path, *, key: str = "iom-ctdc",
                progress: Progress | None = None, mappings_dir: Path | None = None) -> ImportReport:
    """Victim-level records aggregated to counts of identified victims by country of exploitation, year,
    sex, age group and form of exploitation. Small counts are protected later by disclosure control."""
    columns = ["yearOfRegistration", "gender", "majorityStatus", "isSexualExploit", "isForcedLabour", "CountryOfExploitation"]
    notes: list[str] = []
    df = read_table(path, columns, notes)
    if "CountryOfExploitation" not in df.columns and "UN_COE_Region" in df.columns:
        raise ImportRejected(N_("{name} gives the region of exploitation (UN_COE_Region), not the country; Palermo "
                                "counts victims by country, so import the CTDC global dataset (column "
                                "CountryOfExploitation)",
                                name=path.name),
                             [Problem(N_("column missing"), field="CountryOfExploitation")])
    require_columns(df, path, columns, "CTDC victim-level")
    report = ImportReport(key, "", df.height, 0, warnings=notes)
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    cm = category_maps.load("iom-ctdc", mappings_dir)
    problems: list[Problem] = []
    for i, r in enumerate(df.iter_rows(named=True)):
        n = r[LINE]
        if progress and i and i % 5000 == 0:
            progress(5000)
        coe = (r["CountryOfExploitation"] or "").strip()
        year = (r["yearOfRegistration"] or "").strip()
        if coe in ("", "-99") or not year.isdigit():
            report.skipped["country of exploitation or year missing"] = report.skipped.get("country of exploitation or year missing", 0) + 1
            continue
        country = iso3(coe)
        if country is None:
            problems.append(Problem(N_("country of exploitation is not an ISO 3166 code"), line=n, field="CountryOfExploitation",
                                    value=coe))
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
    return store(session, principal, source, specs, report, problems, path.name)

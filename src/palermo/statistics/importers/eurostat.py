"""Eurostat crim_thb TSV: one row per series key, one column per period, values with flags."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.countries import iso3
from palermo.errors import ImportRejected, Problem
from palermo.messages import N_, verbatim
from palermo.statistics import category_maps
from palermo.statistics.importers.pipeline import ImportReport, Progress, store
from palermo.statistics.ingest import ObservationSpec, SourceSpec
from palermo.statistics.textfile import decode
from palermo.statistics.values import parse_count


def import_eurostat_tsv(session: Session, principal: Principal, path: Path, *, key: str = "eurostat-crim-thb",
                        progress: Progress | None = None,
                        mappings_dir: Path | None = None) -> ImportReport:
    """Eurostat TSV: first column 'dim1,dim2,…\\TIME_PERIOD', one column per period, values with flags ('12 p', ':')."""
    text, encoding = decode(path.read_bytes(), path.name)
    numbered = [(n, ln) for n, ln in enumerate(io.StringIO(text.lstrip("\ufeff"), newline="").read().splitlines(), start=1)
                if ln.strip()]
    lines = [ln for _, ln in numbered]
    if not lines or "\\" not in lines[0].split("\t")[0]:
        raise ImportRejected(N_("{path} is not a Eurostat TSV (first header cell like "
                                "'freq,leg_stat,sex,geo\\TIME_PERIOD')",
                                path=path),
                             [Problem(N_("not a Eurostat TSV"), line=1)])
    head = lines[0].split("\t")
    dims = head[0].split("\\")[0].split(",")
    periods = [h.strip() for h in head[1:]]
    if "geo" not in dims or "leg_stat" not in dims:
        raise ImportRejected(N_("{path}: the dimensions {dims} lack geo or leg_stat", path=path, dims=dims),
                             [Problem(N_("missing dimension"), line=1)])
    problems: list[Problem] = []
    specs: list[ObservationSpec] = []
    stages: set[str] = set()
    cm = category_maps.load("eurostat-crim-thb", mappings_dir)
    seen: dict[str, int] = {}
    for n, line in numbered[1:]:
        cells = line.split("\t")
        keys = dict(zip(dims, cells[0].split(",")))
        if cells[0] in seen:  # reported; its values are still checked, so every problem is listed at once
            problems.append(Problem(N_("duplicate of line {cells}: the same series key; remove one of them",
                                       cells=seen[cells[0]]),
                                    line=n, value=cells[0]))
        seen.setdefault(cells[0], n)
        if len(cells) != len(head):
            problems.append(Problem(N_("{n_cells} cells, header has {n_head}", n_cells=len(cells), n_head=len(head)), line=n))
            continue
        leg_stat = keys.get("leg_stat", "")
        if leg_stat not in cm["indicator"]:
            problems.append(Problem(N_("unknown leg_stat"), line=n, field="leg_stat", value=keys.get("leg_stat")))
            continue
        indicator, stage = cm["indicator"][leg_stat], cm["stage"].get(leg_stat, "registered")
        stages.add(stage)
        geo = keys["geo"]
        country = iso3({"EL": "GR", "UK": "GB"}.get(geo, geo))
        if country is None:
            if geo.startswith("EU"):
                continue  # EU aggregates are recomputed, not imported
            problems.append(Problem(N_("geo is not a country code"), line=n, field="geo", value=geo))
            continue
        for period, raw in zip(periods, cells[1:]):
            try:
                parsed = parse_count(raw)
            except ValueError as exc:
                problems.append(Problem(verbatim(str(exc)), line=n, field=period, value=raw))
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
    report = ImportReport(key, "", len(lines) - 1, 0, warnings=[] if encoding == "UTF-8" else [f"read as {encoding}"])
    return store(session, principal, source, specs, report, problems, path.name)

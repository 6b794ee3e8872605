"""Exports: CSV, JSON, SDMX-CSV and SDMX-ML (sdmx1). Flags travel to every format; public exports are
protected by disclosure control; known zero and unknown stay different (0 vs no value, OBS_STATUS L)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.errors import ValidationError
from palermo.statistics import sdmx_data, sdmx_structure
from palermo.statistics.disclosure import Cell, protect
from palermo.statistics.models import Source
from palermo.statistics.query import find_observations

EXPORT_FORMATS = ("csv", "json", "sdmx-csv", "sdmx-ml", "sdmx-structure")
DATA_FORMATS = EXPORT_FORMATS[:-1]


def rows_for_export(session: Session, principal: Principal, *, public: bool, threshold: int,
                    country: str | None = None, indicator: str | None = None) -> list[dict[str, Any]]:
    obs = find_observations(session, principal, country=country, indicator=indicator)
    if public:
        published = public_vintages(session)
        obs = [o for o in obs if (o.source_key, o.source_vintage) in published]
    meta = {(o.source_key, o.indicator, o.country, o.period, o.sex, o.age_group, o.citizenship, o.exploitation): o for o in obs}
    cells = [Cell(o.indicator, o.country, o.period, o.sex, o.age_group, o.citizenship, o.exploitation, o.value, o.lower,
                  o.upper, o.flags, o.source_key) for o in obs]
    if public:
        cells = protect(cells, threshold)
    out = []
    for c in cells:
        o = meta[(c.source, c.indicator, c.country, c.period, c.sex, c.age_group, c.citizenship, c.exploitation)]
        out.append({"source": o.source_key, "vintage": o.source_vintage, "indicator": c.indicator, "stage": o.stage,
                    "country": c.country, "period": c.period, "sex": c.sex, "age_group": c.age_group,
                    "citizenship": c.citizenship, "exploitation": c.exploitation, "crime_code": o.crime_code,
                    "value": c.value, "lower": c.lower, "upper": c.upper, "flags": ";".join(sorted(c.flags)),
                    "source_name": o.source_name, "unit": o.counting_unit, "definition": o.legal_definition, "coverage": o.coverage, "mapping": o.mapping})
    return out


def public_vintages(session: Session) -> set[tuple[str, str]]:
    """(key, vintage) of every source marked public: one query, not one per observation."""
    return {(k, v) for k, v in session.execute(select(Source.key, Source.vintage).where(Source.public.is_(True)))}


def obs_status(row: dict[str, Any]) -> tuple[str, str]:
    return sdmx_structure.obs_status(filter(None, row["flags"].split(";")), row["value"], row["lower"])


def export(rows: list[dict[str, Any]], fmt: str, out: Path, *, structures: Any = None) -> int:
    """Write ``rows`` in ``fmt``; ``sdmx-structure`` writes the structures (``structures``, built for the
    reader) that the other SDMX formats are read against."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"export format {fmt!r} unknown; use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["source"])
            w.writeheader()
            w.writerows(rows)
    elif fmt == "json":
        out.write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    elif fmt == "sdmx-csv":
        # SDMX-CSV 2.0: sdmx1 (and any SDMX 3 tool) reads it back against Palermo's structure.
        out.write_bytes(sdmx_data.sdmx_csv(rows, version="2.0"))
    elif fmt == "sdmx-ml":
        out.write_bytes(sdmx_data.structure_specific(rows, dimension_at_observation=sdmx_data.ALL_DIMENSIONS,
                                                     message_id="PALERMO_EXPORT"))
    else:
        structures = structures or sdmx_structure.build(source_names(rows))
        out.write_bytes(sdmx_structure.to_xml(sdmx_structure.structure_message(structures)))
        return len(structures.codelists) + 3
    return len(rows)


def source_names(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {r["source"]: r.get("source_name") or r["source"] for r in rows}


def structure() -> Any:
    """Palermo's SDMX data structure definition (code lists without sources), to read Palermo's SDMX files."""
    return sdmx_structure.build().dsd

"""Exports: CSV, JSON, SDMX-CSV and SDMX-ML (sdmx1). Flags travel to every format; public exports are
protected by disclosure control; known zero and unknown stay different (0 vs no value, OBS_STATUS L)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.errors import ValidationError
from palermo.statistics.disclosure import Cell, protect
from palermo.statistics.query import find_observations

EXPORT_FORMATS = ("csv", "json", "sdmx-csv", "sdmx-ml")
STATUS = [("suppressed", "Q"), ("estimated", "E"), ("provisional", "P"), ("break", "B")]
DIMENSIONS = ["SOURCE", "INDICATOR", "STAGE", "REF_AREA", "SEX", "AGE", "CITIZENSHIP", "EXPLOITATION", "TIME_PERIOD"]


def rows_for_export(session: Session, principal: Principal, *, public: bool, threshold: int,
                    country: str | None = None, indicator: str | None = None) -> list[dict[str, Any]]:
    obs = find_observations(session, principal, country=country, indicator=indicator)
    if public:
        obs = [o for o in obs if _is_public(session, o.source_key, o.source_vintage)]
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
                    "unit": o.counting_unit, "definition": o.legal_definition, "coverage": o.coverage, "mapping": o.mapping})
    return out


def _is_public(session: Session, key: str, vintage: str) -> bool:
    from sqlalchemy import select

    from palermo.statistics.models import Source

    return bool(session.execute(select(Source.public).where(Source.key == key, Source.vintage == vintage)).scalar())


def obs_status(row: dict[str, Any]) -> tuple[str, str]:
    flags = set(filter(None, row["flags"].split(";")))
    for flag, code in STATUS:
        if flag in flags:
            return code, "C" if code == "Q" else "F"
    if row["value"] is None and row["lower"] is None:
        return "L", "F"  # unknown: missing, not collected (never a zero)
    return "A", "F"


def export(rows: list[dict[str, Any]], fmt: str, out: Path) -> int:
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
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            # SDMX-CSV 2.0: sdmx1 (and any SDMX 3 tool) reads it back against Palermo's structure.
            w.writerow(["STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSIONS, "OBS_VALUE", "OBS_STATUS", "CONF_STATUS",
                        "LOWER_BOUND", "UPPER_BOUND", "PALERMO_FLAGS"])
            for r in rows:
                status, conf = obs_status(r)
                w.writerow(["datastructure", "PALERMO:PALERMO_THB(1.0)", "I", *_dims(r).values(),
                            "" if r["value"] is None else r["value"], status, conf,
                            "" if r["lower"] is None else r["lower"], "" if r["upper"] is None else r["upper"], r["flags"]])
    else:
        import sdmx

        out.write_bytes(sdmx.to_xml(sdmx_message(rows), pretty_print=True))
    return len(rows)


def _dims(r: dict[str, Any]) -> dict[str, str]:
    return {"SOURCE": r["source"], "INDICATOR": r["indicator"].upper(), "STAGE": r["stage"].upper(),
            "REF_AREA": r["country"], "SEX": r["sex"].upper(), "AGE": r["age_group"].upper(),
            "CITIZENSHIP": r["citizenship"].upper(), "EXPLOITATION": r["exploitation"].upper(), "TIME_PERIOD": r["period"]}


def structure() -> Any:
    """Palermo's own SDMX data structure definition (sdmx1 has no UNODC source)."""
    from sdmx.model import common
    from sdmx.model import v21 as m

    dsd = m.DataStructureDefinition(id="PALERMO_THB", maintainer=common.Agency(id="PALERMO"), version="1.0")
    for i, d in enumerate(DIMENSIONS):
        if d == "TIME_PERIOD":
            dsd.dimensions.append(common.TimeDimension(id=d, order=i))
        else:
            dsd.dimensions.getdefault(d, order=i)
    dsd.measures.getdefault("OBS_VALUE")
    for a in ("OBS_STATUS", "CONF_STATUS", "PALERMO_FLAGS", "LOWER_BOUND", "UPPER_BOUND"):
        dsd.attributes.getdefault(a, related_to=m.PrimaryMeasureRelationship())
    return dsd


def sdmx_message(rows: list[dict[str, Any]]) -> Any:
    from sdmx import message
    from sdmx.model import common
    from sdmx.model import v21 as m

    dsd = structure()
    ds = m.StructureSpecificDataSet(structured_by=dsd)
    measure = dsd.measures[0]

    def att(k: str, v: Any) -> Any:
        return common.AttributeValue(value=str(v), value_for=dsd.attributes.get(k))

    obs = []
    for r in rows:
        status, conf = obs_status(r)
        attrs = {"OBS_STATUS": att("OBS_STATUS", status), "CONF_STATUS": att("CONF_STATUS", conf)}
        if r["flags"]:
            attrs["PALERMO_FLAGS"] = att("PALERMO_FLAGS", r["flags"])
        if r["lower"] is not None:
            attrs["LOWER_BOUND"] = att("LOWER_BOUND", r["lower"])
            attrs["UPPER_BOUND"] = att("UPPER_BOUND", r["upper"])
        obs.append(m.Observation(dimension=dsd.make_key(common.Key, _dims(r)), value=r["value"], value_for=measure,
                                 attached_attribute=attrs))
    ds.add_obs(obs)
    return message.DataMessage(data=[ds], header=message.Header(id="PALERMO_EXPORT", sender=common.Agency(id="PALERMO")))

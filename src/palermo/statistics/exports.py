"""Exports: CSV, JSON, JSON-stat 2.0, SDMX-CSV and SDMX-ML (sdmx1). Flags travel to every format; public exports are
protected by disclosure control (in the core read, for every reader without the right to true values); known zero and
unknown stay different (0 vs no value, OBS_STATUS L)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.errors import ValidationError
from palermo.gc_pause import gc_paused
from palermo.messages import N_
from palermo.statistics import jsonstat, sdmx_data, sdmx_structure
from palermo.statistics.disclosure import DEFAULT_THRESHOLD
from palermo.statistics.query import read_observations

EXPORT_FORMATS = ("csv", "json", "json-stat", "sdmx-csv", "sdmx-ml", "sdmx-structure")
DATA_FORMATS = EXPORT_FORMATS[:-1]


@gc_paused()
def rows_for_export(session: Session, principal: Principal, *, public: bool = False, threshold: int = DEFAULT_THRESHOLD,
                    country: str | None = None, indicator: str | None = None) -> list[dict[str, Any]]:
    """Rows as the principal may see them (see :func:`~palermo.statistics.query.find_observations`).

    ``public`` asks for the public release (public sources only, every small cell suppressed); without
    it the principal still gets only what the rules table allows: the flag narrows, it never widens.
    """
    found = read_observations(session, principal, country=country, indicator=indicator, public_only=public,
                              threshold=threshold)
    flag_text = _FlagText()
    out = []
    for r, (value, lower, upper), flags in found.cells():
        stage, key, name, _type, vintage, unit, definition, coverage, _owner, _protected = found.sources[r[0]]
        out.append({"source": key, "vintage": vintage, "indicator": r[1], "stage": stage, "country": r[2],
                    "period": r[3], "sex": r[4], "age_group": r[5], "citizenship": r[6], "exploitation": r[7],
                    "crime_code": r[11], "value": value, "lower": lower, "upper": upper, "flags": flag_text[flags],
                    "source_name": name, "unit": unit, "definition": definition, "coverage": coverage,
                    "mapping": r[13]})
    return out


class _FlagText(dict[frozenset[str], str]):
    """Flags as exported: sorted, ';'-separated (each distinct set joined once)."""

    def __missing__(self, flags: frozenset[str]) -> str:
        value = self[flags] = ";".join(sorted(flags))
        return value


def obs_status(row: dict[str, Any]) -> tuple[str, str]:
    return sdmx_structure.obs_status(filter(None, row["flags"].split(";")), row["value"], row["lower"])


def export(rows: list[dict[str, Any]], fmt: str, out: Path, *, structures: Any = None) -> int:
    """Write ``rows`` in ``fmt``; ``sdmx-structure`` writes the structures (``structures``, built for the
    reader) that the other SDMX formats are read against."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(N_("export format {fmt!r} unknown; use one of {export_formats}",
                                 fmt=fmt, export_formats=', '.join(EXPORT_FORMATS)))
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["source"])
            w.writeheader()
            w.writerows(rows)
    elif fmt == "json":
        out.write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    elif fmt == "json-stat":
        out.write_bytes(jsonstat.to_bytes(rows, labels=sdmx_structure.labels(source_names(rows))))
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

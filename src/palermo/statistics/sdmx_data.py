"""SDMX data messages written straight from export rows: SDMX-ML 2.1 structure-specific data, SDMX-CSV
(1.0, the SDMX 2.1 format, and 2.0), optionally with labels beside codes, and SDMX-JSON 1.0 for charts.

Structures are built with sdmx1's model (:mod:`palermo.statistics.sdmx_structure`); data are not,
because sdmx1's objects cost about 10 s per 100,000 observations and a public API answers in under 2 s.
What is written here is read back by sdmx1 in the tests, against the published DSD.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from palermo.statistics import sdmx_structure as st

Row = dict[str, Any]
ALL_DIMENSIONS = "AllDimensions"
FIELD = {d: f for d, (f, _, _) in st.DIMENSIONS.items()} | {st.TIME_DIMENSION: "period"}
NS = {"message": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
      "common": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
      "ss": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific",
      "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
FLOW_REF = f"{st.AGENCY}:{st.FLOW_ID}({st.VERSION})"


def number(v: float | None) -> str:
    """12.0 -> '12'; unknown -> ''."""
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def codes(r: Row) -> dict[str, str]:
    """The row's dimension codes, in DSD order (TIME_PERIOD last)."""
    return {d: st.code_of(d, r[f]) for d, f in FIELD.items()}


def attributes(r: Row) -> dict[str, str]:
    """The attributes present on an observation: status always, flags and censored bounds when there are any."""
    flags = [f for f in r["flags"].split(";") if f]
    status, conf = st.obs_status(flags, r["value"], r["lower"])
    out = {"OBS_STATUS": status, "CONF_STATUS": conf}
    if flags:
        out["PALERMO_FLAGS"] = ";".join(flags)
    if r["lower"] is not None:
        out["LOWER_BOUND"], out["UPPER_BOUND"] = number(r["lower"]), number(r["upper"])
    return out


def _series(rows: list[Row], at_obs: str) -> Iterator[tuple[dict[str, str], list[tuple[dict[str, str], Row]]]]:
    """Rows grouped into series: every dimension but ``at_obs`` is the series key."""
    keyed = [(codes(r), r) for r in rows]
    series_dims = [d for d in FIELD if d != at_obs]
    keyed.sort(key=lambda kr: tuple(kr[0][d] for d in series_dims) + (kr[0][at_obs],))
    for _, group in groupby(keyed, key=lambda kr: tuple(kr[0][d] for d in series_dims)):
        items = list(group)
        yield {d: items[0][0][d] for d in series_dims}, items


def _attrs(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in pairs)


def structure_specific(rows: list[Row], *, dimension_at_observation: str = st.TIME_DIMENSION, message_id: str = "PALERMO_DATA",
                       prepared: datetime | None = None) -> bytes:
    """SDMX-ML 2.1 structure-specific data (what SDMX REST returns by default), series or flat."""
    prepared = prepared or datetime.now(timezone.utc)
    at_obs = dimension_at_observation
    level = "AllDimensions" if at_obs == ALL_DIMENSIONS else f"ObsLevelDim:{at_obs}"
    namespace = f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={st.AGENCY}:{st.DSD_ID}({st.VERSION}):{level}"
    out = io.StringIO()
    w = out.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n<message:StructureSpecificData'
      + "".join(f' xmlns:{p}="{u}"' for p, u in NS.items()) + f' xmlns:ns1="{namespace}">\n')
    w(f"<message:Header><message:ID>{escape(message_id)}</message:ID><message:Test>false</message:Test>"
      f"<message:Prepared>{prepared.strftime('%Y-%m-%dT%H:%M:%S')}</message:Prepared><message:Sender id=\"{st.AGENCY}\"/>"
      f'<message:Structure structureID="{st.DSD_ID}" namespace="{namespace}" dimensionAtObservation="{at_obs}">'
      f'<common:Structure><Ref agencyID="{st.AGENCY}" id="{st.DSD_ID}" version="{st.VERSION}"/></common:Structure>'
      "</message:Structure></message:Header>\n")
    w(f'<message:DataSet ss:dataScope="DataStructure" xsi:type="ns1:DataSetType" ss:structureRef="{st.DSD_ID}">\n')

    def obs(dims: Iterable[tuple[str, str]], r: Row) -> str:
        value = number(r["value"])
        return f"<Obs{_attrs(dims)}{_attrs([('OBS_VALUE', value)] if value else [])}{_attrs(attributes(r).items())}/>"

    if at_obs == ALL_DIMENSIONS:
        for r in rows:
            w(obs(codes(r).items(), r) + "\n")
    else:
        for key, items in _series(rows, at_obs):
            w(f"<Series{_attrs(key.items())}>")
            w("".join(obs([(at_obs, c[at_obs])], r) for c, r in items))
            w("</Series>\n")
    w("</message:DataSet>\n</message:StructureSpecificData>\n")
    return out.getvalue().encode("utf-8")


def _label(labels: dict[str, dict[str, str]] | None, column: str, code: str) -> str:
    """'DOM: Dominican Republic' when labels are asked for and known, else the code."""
    if labels is None or not code:
        return code
    name = labels.get(column, {}).get(code)
    return f"{code}: {name}" if name else code


def sdmx_csv(rows: list[Row], *, version: str = "1.0", labels: dict[str, dict[str, str]] | None = None) -> bytes:
    """SDMX-CSV, one observation per line. ``labels`` (column -> code -> name) gives 'CODE: Name' cells
    and 'ID: Name' headers, the ``labels=both`` form of the standard."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    attrs = list(st.ATTRIBUTES)
    columns = [*FIELD, st.MEASURE, *attrs]
    concept = st.concepts() if labels is not None else {}
    head = [f"{c}: {concept[c]}" if c in concept else c for c in columns]
    lead = ["DATAFLOW"] if version == "1.0" else ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    lead_values = [FLOW_REF] if version == "1.0" else ["dataflow", FLOW_REF, "I"]
    w.writerow(lead + head)
    for r in rows:
        c = codes(r)
        a = attributes(r)
        w.writerow(lead_values + [_label(labels, d, v) for d, v in c.items()] + [number(r["value"])]
                   + [_label(labels, k, a.get(k, "")) for k in attrs])
    return out.getvalue().encode("utf-8")


def sdmx_json(rows: list[Row], *, labels: dict[str, dict[str, str]], dimension_at_observation: str = st.TIME_DIMENSION,
              prepared: datetime | None = None) -> bytes:
    """SDMX-JSON 1.0 data message (read by sdmx1 and by the SDMX JavaScript tools charts are built with)."""
    prepared = prepared or datetime.now(timezone.utc)
    at_obs = [st.TIME_DIMENSION] if dimension_at_observation != ALL_DIMENSIONS else list(FIELD)
    if dimension_at_observation not in (ALL_DIMENSIONS, st.TIME_DIMENSION):
        at_obs = [dimension_at_observation]
    series_dims = [d for d in FIELD if d not in at_obs]
    keyed = [(codes(r), attributes(r), r) for r in rows]
    values: dict[str, list[str]] = {d: sorted({c[d] for c, _, _ in keyed}) for d in FIELD}
    index = {d: {v: i for i, v in enumerate(vs)} for d, vs in values.items()}
    attr_ids = [a for a in st.ATTRIBUTES if any(a in at for _, at, _ in keyed)]
    attr_values = {a: sorted({at[a] for _, at, _ in keyed if a in at}) for a in attr_ids}
    attr_index = {a: {v: i for i, v in enumerate(vs)} for a, vs in attr_values.items()}
    concept = st.concepts()

    def dim(d: str, position: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": d, "name": concept[d],
                               "values": [{"id": v, "name": labels.get(d, {}).get(v, v)} for v in values[d]]}
        if position is not None:
            out["keyPosition"] = position
        if d == st.TIME_DIMENSION:
            out["role"] = "time"
        return out

    def obs_entry(c: dict[str, str], at: dict[str, str], r: Row) -> list[Any]:
        return [r["value"], *(attr_index[a][at[a]] if a in at else None for a in attr_ids)]

    ds: dict[str, Any] = {"action": "Information"}
    if series_dims:
        series: dict[str, Any] = {}
        for c, at, r in keyed:
            skey = ":".join(str(index[d][c[d]]) for d in series_dims)
            okey = ":".join(str(index[d][c[d]]) for d in at_obs)
            series.setdefault(skey, {"attributes": [], "observations": {}})["observations"][okey] = obs_entry(c, at, r)
        ds["series"] = series
    else:
        ds["observations"] = {":".join(str(index[d][c[d]]) for d in at_obs): obs_entry(c, at, r) for c, at, r in keyed}
    positions = {d: i for i, d in enumerate(FIELD)}
    body = {
        "header": {"id": "PALERMO_DATA", "test": False, "prepared": prepared.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "sender": {"id": st.AGENCY, "name": "Palermo"}},
        "dataSets": [ds],
        "structure": {
            "name": "Harmonised statistics on trafficking in human beings and migrant smuggling",
            "dimensions": {"dataSet": [], "series": [dim(d, positions[d]) for d in series_dims],
                           "observation": [dim(d, positions[d] if series_dims else positions[d]) for d in at_obs]},
            "attributes": {"dataSet": [], "series": [], "observation": [
                {"id": a, "name": concept[a], "values": [{"id": v, "name": labels.get(a, {}).get(v, v)} for v in attr_values[a]]}
                for a in attr_ids]},
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

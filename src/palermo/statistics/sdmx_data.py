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
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
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


class _Memo(dict[Any, Any]):
    """A dict that computes a missing entry once: outputs have few distinct codes, flags and values."""

    def __init__(self, compute: Any) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.compute(key)
        return value


def codes(r: Row) -> dict[str, str]:
    """The row's dimension codes, in DSD order (TIME_PERIOD last)."""
    return {d: st.code_of(d, r[f]) for d, f in FIELD.items()}


def attributes(r: Row) -> dict[str, str]:
    """The attributes present on an observation: status always, flags and censored bounds when there are any."""
    flags = r["flags"]
    parts = [f for f in flags.split(";") if f]
    status, conf = st.obs_status(parts, r["value"], r["lower"])
    out = {"OBS_STATUS": status, "CONF_STATUS": conf}
    if parts:
        out["PALERMO_FLAGS"] = ";".join(parts)
    if r["lower"] is not None:
        out["LOWER_BOUND"], out["UPPER_BOUND"] = number(r["lower"]), number(r["upper"])
    return out


def keyed_rows(rows: list[Row]) -> list[tuple[tuple[str, ...], Row]]:
    """Each row with its key of SDMX codes (precomputed under KEY by :func:`with_keys` where rows are reused).

    The codes of the dimensions before the period are memoised as one part: they repeat across many rows
    (one per table and breakdown cell), so each distinct combination is converted once."""
    try:  # the cached public release: every row has its key already
        return [(r[KEY], r) for r in rows]
    except KeyError:
        pass
    head = list(FIELD)[:-1]
    fields = itemgetter(*(FIELD[d] for d in head))
    parts = _Memo(lambda v: tuple(st.code_of(d, x) for d, x in zip(head, v)))
    return [(r.get(KEY) or (*parts[fields(r)], r["period"]), r) for r in rows]


KEY = "_sdmx_key"


def with_keys(rows: list[Row]) -> list[Row]:
    """The rows, each given its SDMX key in place: for rows written many times (the cached public release)."""
    for key, r in keyed_rows(rows):
        r[KEY] = key
    return rows


def attributes_memo() -> _Memo:
    """Attributes of a row by (flags, value known, lower, upper): computed once per distinct combination."""
    return _Memo(lambda k: attributes({"flags": k[0], "value": 0.0 if k[1] else None, "lower": k[2], "upper": k[3]}))


def _attr_key(r: Row) -> tuple[str, bool, float | None, float | None]:
    return (r["flags"], r["value"] is not None, r["lower"], r["upper"])


def _attr_text(rows_attrs: dict[str, str]) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in rows_attrs.items())


def structure_specific(rows: list[Row], *, dimension_at_observation: str = st.TIME_DIMENSION, message_id: str = "PALERMO_DATA",
                       prepared: datetime | None = None) -> bytes:
    """SDMX-ML 2.1 structure-specific data (what SDMX REST returns by default), series or flat."""
    prepared = prepared or datetime.now(UTC)
    at_obs = dimension_at_observation
    level = "AllDimensions" if at_obs == ALL_DIMENSIONS else f"ObsLevelDim:{at_obs}"
    namespace = f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={st.AGENCY}:{st.DSD_ID}({st.VERSION}):{level}"
    parts: list[str] = []
    w = parts.append
    w('<?xml version="1.0" encoding="UTF-8"?>\n<message:StructureSpecificData'
      + "".join(f' xmlns:{p}="{u}"' for p, u in NS.items()) + f' xmlns:ns1="{namespace}">\n')
    w(f"<message:Header><message:ID>{escape(message_id)}</message:ID><message:Test>false</message:Test>"
      f"<message:Prepared>{prepared.strftime('%Y-%m-%dT%H:%M:%S')}</message:Prepared><message:Sender id=\"{st.AGENCY}\"/>"
      f'<message:Structure structureID="{st.DSD_ID}" namespace="{namespace}" dimensionAtObservation="{at_obs}">'
      f'<common:Structure><Ref agencyID="{st.AGENCY}" id="{st.DSD_ID}" version="{st.VERSION}"/></common:Structure>'
      "</message:Structure></message:Header>\n")
    w(f'<message:DataSet ss:dataScope="DataStructure" xsi:type="ns1:DataSetType" ss:structureRef="{st.DSD_ID}">\n')
    dims = list(FIELD)
    # Memoised XML fragments: ' DIM="code"' per (dimension, code), the attribute text per (flags, censored bounds).
    frag = _Memo(lambda dc: f" {dc[0]}={quoteattr(dc[1])}")
    attr = _Memo(lambda k: _attr_text(attributes({"flags": k[0], "value": 0.0 if k[1] else None, "lower": k[2], "upper": k[3]})))

    def obs(r: Row) -> str:
        value = r["value"]
        v = "" if value is None else f' OBS_VALUE="{number(value)}"'
        return f"{v}{attr[(r['flags'], value is not None, r['lower'], r['upper'])]}/>"

    keyed = keyed_rows(rows)
    if at_obs == ALL_DIMENSIONS:
        for key, r in keyed:
            w("<Obs" + "".join(frag[(d, c)] for d, c in zip(dims, key)) + obs(r) + "\n")
    else:
        pos = dims.index(at_obs)
        keyed.sort(key=lambda kr: kr[0][:pos] + kr[0][pos + 1:] + (kr[0][pos],))
        series_dims = dims[:pos] + dims[pos + 1:]
        for skey, group in groupby(keyed, key=lambda kr: kr[0][:pos] + kr[0][pos + 1:]):
            w("<Series" + "".join(frag[(d, c)] for d, c in zip(series_dims, skey)) + ">")
            w("".join(f"<Obs{frag[(at_obs, k[pos])]}{obs(r)}" for k, r in group))
            w("</Series>\n")
    w("</message:DataSet>\n</message:StructureSpecificData>\n")
    return "".join(parts).encode("utf-8")


def _picker(positions: list[int]) -> Any:
    """A fast function giving the tuple of a key's codes at ``positions`` (operator.itemgetter, always a tuple)."""
    if len(positions) == 1:
        (only,) = positions
        return lambda k: (k[only],)
    return itemgetter(*positions)


def _series_full(part: tuple[str, ...], positions: list[tuple[int, Any]], width: int) -> tuple[str, ...]:
    """A series key's codes placed back at their positions in a full key (for the shared key memo)."""
    full = [""] * width
    for (i, _), code in zip(positions, part):
        full[i] = code
    return tuple(full)


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
    dims = list(FIELD)
    cell = _Memo(lambda dc: _label(labels, dc[0], dc[1]))
    memo = attributes_memo()
    tails = _Memo(lambda k: [cell[(a, memo[k].get(a, ""))] for a in attrs])
    for key, r in keyed_rows(rows):
        w.writerow(lead_values + [cell[(d, c)] for d, c in zip(dims, key)] + [number(r["value"])] + tails[_attr_key(r)])
    return out.getvalue().encode("utf-8")


def sdmx_json(rows: list[Row], *, labels: dict[str, dict[str, str]], dimension_at_observation: str = st.TIME_DIMENSION,
              prepared: datetime | None = None) -> bytes:
    """SDMX-JSON 1.0 data message (read by sdmx1 and by the SDMX JavaScript tools charts are built with)."""
    prepared = prepared or datetime.now(UTC)
    at_obs = [st.TIME_DIMENSION] if dimension_at_observation != ALL_DIMENSIONS else list(FIELD)
    if dimension_at_observation not in (ALL_DIMENSIONS, st.TIME_DIMENSION):
        at_obs = [dimension_at_observation]
    series_dims = [d for d in FIELD if d not in at_obs]
    dims = list(FIELD)
    memo = attributes_memo()
    keyed = keyed_rows(rows)
    # The attribute combination of each row (flags, value known, censored bounds), inline: 100,000 calls add up.
    aks = [(r["flags"], r["value"] is not None, r["lower"], r["upper"]) for r in rows]
    columns = list(zip(*[k for k, _ in keyed])) or [()] * len(dims)
    values: dict[str, list[str]] = {d: sorted(set(columns[i])) for i, d in enumerate(dims)}
    index = {d: {v: str(i) for i, v in enumerate(vs)} for d, vs in values.items()}
    kinds = {ak: memo[ak] for ak in set(aks)}
    attr_ids = [a for a in st.ATTRIBUTES if any(a in at for at in kinds.values())]
    attr_values = {a: sorted({at[a] for at in kinds.values() if a in at}) for a in attr_ids}
    attr_index = {a: {v: i for i, v in enumerate(vs)} for a, vs in attr_values.items()}
    # Each distinct attribute combination becomes its index list once.
    attr_refs = {ak: [attr_index[a][at[a]] if a in at else None for a in attr_ids] for ak, at in kinds.items()}
    concept = st.concepts()

    def dim(d: str, position: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": d, "name": concept[d],
                               "values": [{"id": v, "name": labels.get(d, {}).get(v, v)} for v in values[d]]}
        if position is not None:
            out["keyPosition"] = position
        if d == st.TIME_DIMENSION:
            out["role"] = "time"
        return out

    s_pos = [(i, index[d]) for i, d in enumerate(dims) if d in series_dims]
    o_pos = [(i, index[d]) for i, d in enumerate(dims) if d in at_obs]
    s_key = _Memo(lambda k: ":".join(ix[k[i]] for i, ix in s_pos))
    s_part = _picker([i for i, _ in s_pos])
    o_part = _Memo(lambda part: ":".join(ix[c] for (_, ix), c in zip(o_pos, part)))
    o_pick = _picker([i for i, _ in o_pos])
    only, ix0 = o_pos[0]
    obs_key = (lambda k: ix0[k[only]]) if len(o_pos) == 1 else (lambda k: o_part[o_pick(k)])

    ds: dict[str, Any] = {"action": "Information"}
    if series_dims:
        series: dict[tuple[str, ...], Any] = {}
        for (k, r), ak in zip(keyed, aks):
            part = s_part(k)
            entry = series.get(part)
            if entry is None:
                entry = series[part] = {"attributes": [], "observations": {}}
            entry["observations"][obs_key(k)] = [r["value"], *attr_refs[ak]]
        ds["series"] = {s_key[_series_full(part, s_pos, len(dims))]: v for part, v in series.items()}
    else:
        ds["observations"] = {obs_key(k): [r["value"], *attr_refs[ak]] for (k, r), ak in zip(keyed, aks)}
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

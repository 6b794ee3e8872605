"""Reading an SDMX 2.1 REST query: flow references, keys, periods, the dimension at the observation level
and the format asked for (``Accept`` header or ``format``). Each bad part is an :class:`SdmxError` with
the error code and HTTP status the SDMX RESTful guidelines prescribe, saying what was wrong and what works."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from palermo.errors import PalermoError
from palermo.statistics import sdmx_structure as st

# SDMX error codes (SDMX 2.1 web services guidelines, "Error handling") and their HTTP status.
NO_RESULTS, SYNTAX, SEMANTIC, NOT_ACCEPTABLE = 100, 140, 150, 1406
HTTP = {NO_RESULTS: 404, SYNTAX: 400, SEMANTIC: 400, NOT_ACCEPTABLE: 406}
TITLE = {NO_RESULTS: "No results found", SYNTAX: "Syntax error", SEMANTIC: "Semantic error",
         NOT_ACCEPTABLE: "Not acceptable"}


class SdmxError(PalermoError):
    """A query the SDMX API cannot answer; rendered as an SDMX-ML 2.1 error message."""

    kind = "sdmx"

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{TITLE[code]}: {message}", details={"sdmx_code": code})
        self.code = code
        self.http_status = HTTP[code]


@dataclass(frozen=True)
class Format:
    """One representation the API offers: its name for ``format=``, media type and options."""

    name: str
    media_type: str
    labels: bool = False


DATA_FORMATS = {
    "structurespecificdata": Format("structurespecificdata", "application/vnd.sdmx.structurespecificdata+xml;version=2.1"),
    "csvdata": Format("csvdata", "application/vnd.sdmx.data+csv;version=1.0.0"),
    "csvdata2": Format("csvdata2", "application/vnd.sdmx.data+csv;version=2.0.0"),
    "jsondata": Format("jsondata", "application/vnd.sdmx.data+json;version=1.0.0"),
    # Not an SDMX format: JSON-stat 2.0 for web charts, the same query's figures (format=jsonstat only,
    # since JSON-stat has no media type of its own).
    "jsonstat": Format("jsonstat", "application/json"),
}
STRUCTURE_FORMATS = {"structure": Format("structure", "application/vnd.sdmx.structure+xml;version=2.1")}
# Other names for ``format=`` that portals use, and generic media types clients send.
ALIASES = {"sdmx-ml": "structurespecificdata", "xml": "structurespecificdata", "csv": "csvdata", "sdmx-csv": "csvdata",
           "csvfile": "csvdata", "csvfilewithlabels": "csvdata+labels", "csvdatawithlabels": "csvdata+labels",
           "sdmx-json": "jsondata", "json": "jsondata", "json-stat": "jsonstat"}
GENERIC_MEDIA = {"application/xml": "structurespecificdata", "text/xml": "structurespecificdata", "text/csv": "csvdata",
                 "application/json": "jsondata", "*/*": "", "application/*": ""}


def negotiate(accept: str | None, fmt: str | None, labels: str | None, *, structure: bool = False) -> Format:
    """The format to answer in: ``format=`` wins over ``Accept``; the first acceptable media type by quality."""
    offered = STRUCTURE_FORMATS if structure else DATA_FORMATS
    default = next(iter(offered.values()))
    want_labels = (labels or "id").lower()
    if want_labels not in ("id", "both"):
        raise SdmxError(SYNTAX, f"labels={labels!r} is not allowed; use labels=id or labels=both")
    names = ", ".join([*offered, *(a for a, t in ALIASES.items() if t.split("+")[0] in offered)])
    if fmt:
        name = ALIASES.get(fmt.lower(), fmt.lower())
        if name.endswith("+labels"):
            name, want_labels = name[:-7], "both"
        if name in ("structure", "structurespecificdata") and structure:
            name = "structure"
        if name not in offered:
            raise SdmxError(NOT_ACCEPTABLE, f"format {fmt!r} is not offered here; use one of {names}")
        return _with_labels(offered[name], want_labels)
    for media, params in _accepted(accept):
        if media in GENERIC_MEDIA:
            name = GENERIC_MEDIA[media] or default.name
            found = offered.get("structure" if structure and name == "structurespecificdata" else name)
        else:
            found = next((f for f in offered.values() if _same_media(f.media_type, media, params)), None)
        if found:
            return _with_labels(found, params.get("labels", want_labels))
    raise SdmxError(NOT_ACCEPTABLE, f"none of the media types in Accept ({accept}) is offered here; send one of "
                    + ", ".join(f.media_type for f in offered.values()) + f", or use format= ({names})")


def _with_labels(f: Format, labels: str) -> Format:
    return Format(f.name, f.media_type + (";labels=both" if labels == "both" and "csv" in f.name else ""),
                  labels == "both" and "csv" in f.name)


def _accepted(accept: str | None) -> list[tuple[str, dict[str, str]]]:
    """Media types of an Accept header, best quality first (a missing header accepts anything)."""
    out = []
    for i, part in enumerate((accept or "*/*").split(",")):
        media, *raw = [p.strip() for p in part.split(";")]
        params = dict(p.split("=", 1) for p in raw if "=" in p)
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if media and q > 0:
            out.append((-q, i, media.lower(), {k.lower(): v.strip('"') for k, v in params.items()}))
    return [(m, p) for _, _, m, p in sorted(out)]


def _same_media(offered: str, media: str, params: dict[str, str]) -> bool:
    base, *rest = offered.split(";")
    version = dict(p.split("=", 1) for p in rest).get("version")
    return base == media and _norm(params.get("version", version)) == _norm(version)


def _norm(version: str | None) -> str:
    """'1.0.0' and '1.0' and '1' are one version."""
    v = version or ""
    while v.endswith(".0"):
        v = v[:-2]
    return v


# ------------------------------------------------------------------ flow, key, periods
@dataclass(frozen=True)
class FlowRef:
    agency: str
    id: str
    version: str


def parse_flow_ref(text: str) -> FlowRef:
    """'THB', 'PALERMO,THB' or 'PALERMO,THB,1.0' (also 'latest'); another flow is not found."""
    parts = text.split(",")
    if len(parts) > 3 or not all(parts):
        raise SdmxError(SYNTAX, f"flow reference {text!r} is not 'ID', 'AGENCY,ID' or 'AGENCY,ID,VERSION'; "
                        f"use {st.FLOW_ID} or {st.AGENCY},{st.FLOW_ID},{st.VERSION}")
    agency, flow, version = (["all", *parts, "latest"] if len(parts) == 1 else [*parts, "latest"] if len(parts) == 2 else parts)[:3]
    if agency not in ("all", st.AGENCY) or flow != st.FLOW_ID or version not in ("latest", "all", st.VERSION):
        raise SdmxError(NO_RESULTS, f"no dataflow {text!r}; Palermo publishes {st.AGENCY},{st.FLOW_ID},{st.VERSION}")
    return FlowRef(st.AGENCY, st.FLOW_ID, st.VERSION)


def parse_key(key: str | None, codes: dict[str, set[str]]) -> dict[str, set[str]]:
    """A REST key ('..VICTIMS.DOM....', values joined by '+', empty = any) as dimension -> allowed codes."""
    if key in (None, "", "all"):
        return {}
    parts = key.split(".")
    order = ".".join(st.KEY_DIMENSIONS)
    if len(parts) != len(st.KEY_DIMENSIONS):
        raise SdmxError(SYNTAX, f"key {key!r} has {len(parts)} part(s); the structure has {len(st.KEY_DIMENSIONS)} "
                        f"dimensions ({order}), e.g. '...DOM....' for REF_AREA=DOM")
    out: dict[str, set[str]] = {}
    for dim, part in zip(st.KEY_DIMENSIONS, parts):
        if not part:
            continue
        wanted = set(part.split("+"))
        unknown = sorted(wanted - codes[dim])
        if unknown:
            known = sorted(codes[dim])
            hint = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
            raise SdmxError(SEMANTIC, f"code(s) {', '.join(map(repr, unknown))} not in code list "
                            f"{st.DIMENSIONS[dim][1]} of dimension {dim}; use one of {hint}")
        out[dim] = wanted
    return out


def key_for(**values: str | None) -> str:
    """A REST key from stored values by row field (``country="DOM"`` -> '...DOM....'); 'all' when empty."""
    parts = [st.code_of(d, str(values[f])) if values.get(f) else "" for d, (f, _, _) in st.DIMENSIONS.items()]
    return ".".join(parts) if any(parts) else "all"


_PERIOD = re.compile(r"^(\d{4})(?:-(?:(Q[1-4]|S[12]|A1)|(\d{2})(?:-(\d{2}))?))?$")


def period_range(text: str) -> tuple[date, date]:
    """First and last day of an SDMX period: 2020, 2020-S1, 2020-Q3, 2020-07, 2020-07-15. ValueError if impossible."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise ValueError(text)
    year, sub, month, day = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    if sub and sub != "A1":
        months = {"Q": 3, "S": 6}[sub[0]]
        first = date(year, (int(sub[1]) - 1) * months + 1, 1)
        return first, _month_end(first.year, first.month + months - 1)
    if month and day:
        d = date(year, int(month), int(day))  # raises for 2020-02-30
        return d, d
    if month:
        if not 1 <= int(month) <= 12:
            raise ValueError(text)
        return date(year, int(month), 1), _month_end(year, int(month))
    return date(year, 1, 1), date(year, 12, 31)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def parse_periods(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """startPeriod and endPeriod as dates (the start of the first, the end of the second)."""
    bounds: list[date | None] = []
    for name, text, pick in (("startPeriod", start, 0), ("endPeriod", end, 1)):
        if text in (None, ""):
            bounds.append(None)
            continue
        try:
            bounds.append(period_range(text)[pick])
        except ValueError:
            raise SdmxError(SYNTAX, f"{name}={text!r} is not a period; use e.g. 2020, 2020-Q1, 2020-S2, 2020-06 "
                            "or 2020-06-30") from None
    first, last = bounds
    if first and last and first > last:
        raise SdmxError(SEMANTIC, f"startPeriod={start!r} is after endPeriod={end!r}; swap them")
    return first, last


def in_periods(period: str, first: date | None, last: date | None) -> bool:
    """Whether a stored period overlaps [first, last]."""
    if first is None and last is None:
        return True
    try:
        a, b = period_range(period)
    except ValueError:
        return False
    return (first is None or b >= first) and (last is None or a <= last)


def dimension_at_observation(text: str | None) -> str:
    value = text or st.TIME_DIMENSION
    if value != "AllDimensions" and value not in st.ALL_DIMENSIONS:
        raise SdmxError(SEMANTIC, f"dimensionAtObservation={text!r} is not a dimension of {st.DSD_ID}; use "
                        f"TIME_PERIOD, AllDimensions or one of {', '.join(st.KEY_DIMENSIONS)}")
    return value

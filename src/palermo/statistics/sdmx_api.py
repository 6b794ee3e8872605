"""The SDMX 2.1 REST API, answered in the core: structure queries (dataflow, datastructure, codelist,
conceptscheme, with ``references``) and data queries (``data/{flowRef}/{key}`` with ``startPeriod``,
``endPeriod``, ``dimensionAtObservation``, ``detail``). The web route only passes the request's parts in.

Data are public sources only, under disclosure control (small cells suppressed, complementary
suppression, flags), whoever asks: the API is the platform's publication channel. Protection is applied
to whole groups (source, indicator, country, period) before a key selects breakdown cells, so two
queries never reveal together what one would hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.gc_pause import gc_paused
from palermo.statistics import jsonstat, release, sdmx_data
from palermo.statistics import sdmx_structure as st
from palermo.statistics.models import Source
from palermo.statistics.query import latest_vintages, visible_sources
from palermo.statistics.sdmx_query import (
    NO_RESULTS,
    SEMANTIC,
    SYNTAX,
    SdmxError,
    dimension_at_observation,
    in_periods,
    negotiate,
    parse_flow_ref,
    parse_key,
    parse_periods,
)

RESOURCES = ("dataflow", "datastructure", "codelist", "conceptscheme")
REFERENCES = ("none", "parents", "parentsandsiblings", "children", "descendants", "all", *RESOURCES)
STRUCTURE_DETAILS = ("full", "allstubs", "referencestubs", "allcompletestubs", "referencecompletestubs", "referencepartial")
DATA_DETAILS = ("full", "dataonly")


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    status: int = 200
    etag: str | None = None


def published_sources(session: Session, principal: Principal) -> dict[str, str]:
    """Key -> name of the public sources (latest vintage) the API serves."""
    keep = latest_vintages(session)
    q = select(Source.id, Source.key, Source.name).where(visible_sources(principal), Source.public.is_(True)).order_by(Source.key)
    return {key: name for sid, key, name in session.execute(q) if sid in keep}


def structures_for(session: Session, principal: Principal, *, public: bool) -> st.Structures:
    """The structures a file export is read against: CL_SOURCE lists the sources the export may contain."""
    if public:
        return st.build(published_sources(session, principal))
    keep = latest_vintages(session)
    q = select(Source.id, Source.key, Source.name).where(visible_sources(principal)).order_by(Source.key)
    return st.build({key: name for sid, key, name in session.execute(q) if sid in keep})


# ------------------------------------------------------------------ structures
def _children(kind: str) -> set[str]:
    return {"dataflow": {"datastructure"}, "datastructure": {"codelist", "conceptscheme"}}.get(kind, set())


def _parents(kind: str) -> set[str]:
    return {"datastructure": {"dataflow"}, "codelist": {"datastructure"}, "conceptscheme": {"datastructure"}}.get(kind, set())


def _related(kind: str, references: str) -> set[str]:
    """The kinds of artefact a ``references`` value adds to those of ``kind`` (SDMX 2.1 REST semantics)."""
    def down(k: str) -> set[str]:
        return {c for x in _children(k) for c in {x} | down(x)}

    def up(k: str) -> set[str]:
        return {p for x in _parents(k) for p in {x} | up(x)}

    out: dict[str, set[str]] = {
        "none": set(), "children": _children(kind), "descendants": down(kind), "parents": _parents(kind),
        "parentsandsiblings": _parents(kind) | {c for p in _parents(kind) for c in _children(p)}}
    out["all"] = out["parentsandsiblings"] | out["descendants"]
    if references in RESOURCES:
        return {references} & (out["all"] | up(kind) | down(kind))
    return out[references] - {kind} if references != "none" else set()


def _ids(text: str | None) -> set[str] | None:
    """'all' or empty: every one; 'A+B': those two."""
    return None if text in (None, "", "all", "*") else set(text.split("+"))


def structure_query(session: Session, principal: Principal, resource: str, *, agency: str | None = None,
                    resource_id: str | None = None, version: str | None = None, references: str | None = None,
                    detail: str | None = None, accept: str | None = None, fmt: str | None = None) -> Answer:
    """A structure query, as SDMX-ML 2.1 structure message."""
    if resource not in RESOURCES:
        raise SdmxError(NO_RESULTS, f"no {resource} here; Palermo publishes {', '.join(RESOURCES)} and data")
    negotiate(accept, fmt, None, structure=True)
    references = (references or "none").lower()
    if references not in REFERENCES:
        raise SdmxError(SYNTAX, f"references={references!r} is not allowed; use one of {', '.join(REFERENCES)}")
    if (detail or "full").lower() not in STRUCTURE_DETAILS:
        raise SdmxError(SYNTAX, f"detail={detail!r} is not allowed; use one of {', '.join(STRUCTURE_DETAILS)}")
    agencies, versions = _ids(agency), _ids(version if version != "latest" else None)
    if (agencies and st.AGENCY not in agencies) or (versions and st.VERSION not in versions):
        raise SdmxError(NO_RESULTS, f"no {resource} of agency {agency!r}, version {version!r}; "
                        f"Palermo's structures are agency {st.AGENCY}, version {st.VERSION}")
    structures = st.build(published_sources(session, principal))
    available = {"dataflow": {st.FLOW_ID}, "datastructure": {st.DSD_ID}, "codelist": set(structures.codelists),
                 "conceptscheme": {st.CONCEPT_SCHEME_ID}}
    wanted = _ids(resource_id)
    chosen = available[resource] if wanted is None else available[resource] & wanted
    if not chosen:
        raise SdmxError(NO_RESULTS, f"no {resource} {resource_id!r}; there are {', '.join(sorted(available[resource]))}")
    kinds = _related(resource, references)
    codelists = [c for c in structures.codelists if (resource == "codelist" and c in chosen) or "codelist" in kinds]
    msg = st.structure_message(structures, codelists=codelists,
                               concept_scheme=resource == "conceptscheme" or "conceptscheme" in kinds,
                               dsd=resource == "datastructure" or "datastructure" in kinds,
                               dataflow=resource == "dataflow" or "dataflow" in kinds)
    return Answer(st.to_xml(msg), STRUCTURE_MEDIA, etag=release.validator(session))


STRUCTURE_MEDIA = "application/vnd.sdmx.structure+xml;version=2.1"


# ------------------------------------------------------------------ data
def data_rows(session: Session, principal: Principal, *, key: dict[str, set[str]], first: date | None, last: date | None,
              threshold: int) -> list[dict[str, Any]]:
    """Protected rows matching the key and periods, from the public release (protected as whole groups)."""
    rows = release.public_rows(session, threshold=threshold)
    wanted = [(field, {st.value_of(d, c) for c in key[d]}) for d, (field, _, _) in st.DIMENSIONS.items() if d in key]
    if not wanted and first is None and last is None:
        return list(rows)  # the whole release: nothing to filter
    return [r for r in rows if all(r[f] in allowed for f, allowed in wanted) and in_periods(r["period"], first, last)]


@gc_paused()
def data_query(session: Session, principal: Principal, flow_ref: str, key: str | None = None, provider: str | None = None, *,
               start_period: str | None = None, end_period: str | None = None, dimension_at_obs: str | None = None,
               detail: str | None = None, accept: str | None = None, fmt: str | None = None, labels: str | None = None,
               threshold: int = 5) -> Answer:
    """A data query: public figures, protected, in the negotiated format; no match is 'No results found'."""
    parse_flow_ref(flow_ref)
    if provider not in (None, "", "all", st.AGENCY):
        raise SdmxError(NO_RESULTS, f"no data provider {provider!r}; use all or {st.AGENCY}")
    chosen = negotiate(accept, fmt, labels)
    at_obs = dimension_at_observation(dimension_at_obs)
    detail = (detail or "full").lower()
    if detail not in DATA_DETAILS:
        raise SdmxError(SEMANTIC if detail in ("serieskeysonly", "nodata") else SYNTAX,
                        f"detail={detail!r} is not offered; use one of {', '.join(DATA_DETAILS)}")
    first, last = parse_periods(start_period, end_period)
    sources = published_sources(session, principal)
    codes = {d: set(c) for d, c in st.labels(sources).items() if d in st.DIMENSIONS}
    rows = data_rows(session, principal, key=parse_key(key, codes), first=first, last=last, threshold=threshold)
    if not rows:
        raise SdmxError(NO_RESULTS, f"no observations match key {key or 'all'!r} between {start_period or 'the first'} "
                        f"and {end_period or 'the last'} period")
    if detail == "dataonly":
        rows = [{**r, "flags": "", "lower": None, "upper": None} for r in rows]
    if chosen.name == "structurespecificdata":
        body = sdmx_data.structure_specific(rows, dimension_at_observation=at_obs)
    elif chosen.name == "jsondata":
        body = sdmx_data.sdmx_json(rows, labels=st.labels(sources), dimension_at_observation=at_obs)
    elif chosen.name == "jsonstat":
        body = jsonstat.to_bytes(rows, labels=st.labels(sources), updated=release.last_changed(session))
    else:
        body = sdmx_data.sdmx_csv(rows, version="2.0" if chosen.name == "csvdata2" else "1.0",
                                  labels=st.labels(sources) if chosen.labels else None)
    return Answer(body, chosen.media_type, etag=release.validator(session))


def error_message(err: SdmxError) -> bytes:
    """The SDMX-ML 2.1 error message for ``err`` (message:Error / message:ErrorMessage code=…)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<message:Error xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
            'xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
            f'<message:ErrorMessage code="{err.code}"><common:Text xml:lang="en">{escape(err.message)}</common:Text>'
            "</message:ErrorMessage></message:Error>\n").encode()

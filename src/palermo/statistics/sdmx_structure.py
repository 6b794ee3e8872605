"""Palermo's SDMX structures, published as a real structure message: code lists, a concept scheme, the
data structure definition (DSD) and the dataflow. Without them an SDMX export can be read only by
someone who has Palermo's code; with them sdmx1 (or any SDMX tool) reads ``read_sdmx(file, structure=dsd)``.

The structures are built with sdmx1's information model. The code list of sources (``CL_SOURCE``) holds
the sources the reader may see, so a structure never names a source its reader may not know of.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pycountry

from palermo.countries import EXTRA
from palermo.statistics import codelists as cl

AGENCY = "PALERMO"
VERSION = "1.0"
DSD_ID = "PALERMO_THB"
FLOW_ID = "THB"
CONCEPT_SCHEME_ID = "CS_PALERMO"

# Dimension -> (row field, code list id, concept name). The order is the order of a REST key.
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "SOURCE": ("source", "CL_SOURCE", "Source (publisher and series) of the figure"),
    "INDICATOR": ("indicator", "CL_INDICATOR", "What is counted"),
    "STAGE": ("stage", "CL_STAGE", "Stage of the count (detected, identified, convicted ...)"),
    "REF_AREA": ("country", "CL_AREA", "Reference area (ISO 3166-1 alpha-3)"),
    "SEX": ("sex", "CL_SEX", "Sex"),
    "AGE": ("age_group", "CL_AGE", "Age group"),
    "CITIZENSHIP": ("citizenship", "CL_CITIZENSHIP", "Citizenship group"),
    "EXPLOITATION": ("exploitation", "CL_EXPLOITATION", "Form of exploitation"),
}
TIME_DIMENSION = "TIME_PERIOD"
KEY_DIMENSIONS = tuple(DIMENSIONS)
ALL_DIMENSIONS = (*KEY_DIMENSIONS, TIME_DIMENSION)
MEASURE = "OBS_VALUE"
# Attribute -> (code list id or None for free text / numbers, concept name).
ATTRIBUTES: dict[str, tuple[str | None, str]] = {
    "OBS_STATUS": ("CL_OBS_STATUS", "Observation status"),
    "CONF_STATUS": ("CL_CONF_STATUS", "Confidentiality status"),
    "PALERMO_FLAGS": (None, "Palermo flags (censored, inconsistent, definition differs ...), separated by ';'"),
    "LOWER_BOUND": (None, "Lower bound of a censored value (e.g. 0 for '<5')"),
    "UPPER_BOUND": (None, "Upper bound of a censored value (e.g. 4 for '<5')"),
}
OTHER_CONCEPTS = {TIME_DIMENSION: "Time period", MEASURE: "Observation value"}

# SDMX cross-domain code lists (CL_OBS_STATUS, CL_CONF_STATUS), the codes Palermo uses.
OBS_STATUS = {"A": "Normal value", "B": "Time series break", "E": "Estimated value",
              "L": "Missing value; data exist but were not collected",
              "M": "Missing value; data cannot exist", "P": "Provisional value", "Q": "Missing value; suppressed"}
CONF_STATUS = {"F": "Free", "C": "Confidential statistical information"}
# Flag -> OBS_STATUS, in priority order (a suppressed cell is Q whatever else it was).
STATUS = [("suppressed", "Q"), ("estimated", "E"), ("provisional", "P"), ("break", "B")]


def area_codes() -> dict[str, str]:
    """ISO 3166-1 alpha-3 codes with names, plus Kosovo (XKX)."""
    codes = {c.alpha_3: c.name for c in pycountry.countries}
    codes["XKX"] = EXTRA["XKX"]
    return dict(sorted(codes.items()))


def static_codes() -> dict[str, dict[str, str]]:
    """Every code list except the sources: code (upper case, as in SDMX outputs) -> name."""
    def up(d: dict[str, str]) -> dict[str, str]:
        return {k.upper(): v for k, v in d.items()}

    return {"CL_INDICATOR": up(cl.INDICATORS), "CL_STAGE": up(cl.STAGES), "CL_AREA": area_codes(), "CL_SEX": up(cl.SEX),
            "CL_AGE": up(cl.AGE_GROUPS), "CL_CITIZENSHIP": up(cl.CITIZENSHIP), "CL_EXPLOITATION": up(cl.EXPLOITATION),
            "CL_OBS_STATUS": OBS_STATUS, "CL_CONF_STATUS": CONF_STATUS}


CODELIST_NAMES = {"CL_SOURCE": "Sources", "CL_INDICATOR": "Indicators", "CL_STAGE": "Stages of the count",
                  "CL_AREA": "Reference areas (ISO 3166-1 alpha-3)", "CL_SEX": "Sex", "CL_AGE": "Age groups",
                  "CL_CITIZENSHIP": "Citizenship groups", "CL_EXPLOITATION": "Forms of exploitation",
                  "CL_OBS_STATUS": "Observation status", "CL_CONF_STATUS": "Confidentiality status"}


def labels(sources: dict[str, str]) -> dict[str, dict[str, str]]:
    """Dimension or attribute id -> code -> name (``sources``: key -> name), for labels beside codes."""
    lists = static_codes() | {"CL_SOURCE": sources}
    out = {d: lists[clid] for d, (_, clid, _) in DIMENSIONS.items()}
    out |= {a: lists[clid] for a, (clid, _) in ATTRIBUTES.items() if clid}
    return out


def concepts() -> dict[str, str]:
    """Concept id -> name, for every dimension, the measure and every attribute."""
    return {d: n for d, (_, _, n) in DIMENSIONS.items()} | OTHER_CONCEPTS | {a: n for a, (_, n) in ATTRIBUTES.items()}


def code_of(dimension: str, value: str) -> str:
    """A stored value as its SDMX code: ISO3 and source keys unchanged, code list values upper case."""
    return value if dimension in ("SOURCE", "REF_AREA", TIME_DIMENSION) else value.upper()


def value_of(dimension: str, code: str) -> str:
    """The inverse of :func:`code_of`: an SDMX code as the value stored in the database."""
    return code if dimension in ("SOURCE", "REF_AREA", TIME_DIMENSION) else code.lower()


def obs_status(flags: Iterable[str], value: float | None, lower: float | None) -> tuple[str, str]:
    """OBS_STATUS and CONF_STATUS of an observation; an unknown value is L (missing), never a zero."""
    flags = set(flags)
    for flag, code in STATUS:
        if flag in flags:
            return code, "C" if code == "Q" else "F"
    if value is None and lower is None:
        return "L", "F"
    return "A", "F"


@dataclass(frozen=True)
class Structures:
    """The sdmx1 objects of one structure message, built for one reader's visible sources."""

    codelists: dict[str, Any]
    concept_scheme: Any
    dsd: Any
    dataflow: Any


def build(sources: dict[str, str] | None = None) -> Structures:
    """Code lists, concept scheme, DSD and dataflow; ``sources`` (key -> name) fills CL_SOURCE."""
    from sdmx.model import common
    from sdmx.model import v21 as m

    agency = common.Agency(id=AGENCY, name="Palermo")
    kw: dict[str, Any] = {"maintainer": agency, "version": VERSION, "is_final": True}

    codelists: dict[str, Any] = {}
    for cid, codes in {"CL_SOURCE": dict(sources or {}), **static_codes()}.items():
        clist = common.Codelist(id=cid, name=CODELIST_NAMES[cid], **kw)
        for code, label in codes.items():
            clist.append(common.Code(id=code, name=label))
        codelists[cid] = clist

    cs = common.ConceptScheme(id=CONCEPT_SCHEME_ID, name="Palermo concepts", **kw)
    for cid, label in concepts().items():
        cs.append(common.Concept(id=cid, name=label))

    def rep(codelist: str | None, text: str = "string") -> Any:
        if codelist:
            return common.Representation(enumerated=codelists[codelist])
        return common.Representation(non_enumerated=[common.Facet(value_type=common.FacetValueType[text])])

    dsd = m.DataStructureDefinition(id=DSD_ID, name="Trafficking in human beings and migrant smuggling", **kw)
    for i, (did, (_, clid, _)) in enumerate(DIMENSIONS.items()):
        dsd.dimensions.append(common.Dimension(id=did, order=i + 1, concept_identity=cs[did], local_representation=rep(clid)))
    dsd.dimensions.append(common.TimeDimension(id=TIME_DIMENSION, order=len(DIMENSIONS) + 1, concept_identity=cs[TIME_DIMENSION],
                                               local_representation=rep(None, "observationalTimePeriod")))
    dsd.measures.append(m.PrimaryMeasure(id=MEASURE, concept_identity=cs[MEASURE], local_representation=rep(None, "double")))
    for aid, (attr_clid, _) in ATTRIBUTES.items():
        text = "double" if aid.endswith("_BOUND") else "string"
        dsd.attributes.append(common.DataAttribute(
            id=aid, concept_identity=cs[aid], local_representation=rep(attr_clid, text),
            related_to=m.PrimaryMeasureRelationship(),
            usage_status=common.UsageStatus.mandatory if aid == "OBS_STATUS" else common.UsageStatus.conditional))
    flow = m.DataflowDefinition(id=FLOW_ID, name="Harmonised statistics on trafficking in human beings and migrant smuggling",
                                structure=dsd, **kw)
    return Structures(codelists, cs, dsd, flow)


def structure_message(structures: Structures, *, codelists: Iterable[str] | None = None, concept_scheme: bool = True,
                      dsd: bool = True, dataflow: bool = True) -> Any:
    """An SDMX-ML 2.1 structure message holding the chosen parts (all of them by default)."""
    from sdmx import message
    from sdmx.model import common

    msg = message.StructureMessage(header=message.Header(id="PALERMO_STRUCTURE", sender=common.Agency(id=AGENCY), test=False))
    for cid in (structures.codelists if codelists is None else codelists):
        msg.add(structures.codelists[cid])
    if concept_scheme:
        msg.add(structures.concept_scheme)
    if dsd:
        msg.add(structures.dsd)
    if dataflow:
        msg.add(structures.dataflow)
    return msg


def to_xml(msg: Any) -> bytes:
    import sdmx

    return bytes(sdmx.to_xml(msg, pretty_print=True))

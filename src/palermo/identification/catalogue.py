"""The canonical indicator catalogue and the handbooks mapped onto it.

The catalogue (``data/catalogue.yaml``) holds Palermo's canonical indicators, organised as the
ILO/EC operational indicators (2009): four lists (adult/child x labour/sexual exploitation), six
dimensions, and in each list a strength (strong, medium, weak). One indicator may stand in several
dimensions of one list, at most one per phase (document confiscation is medium in coercive
recruitment and strong in coercion at destination): an observation says when it happened and
counts only there. Each handbook file
(``data/handbooks/*.yaml``, plus any imported into the workspace) says which canonical indicator it
expresses, in which words and where. Everything is validated on load; every problem is reported.

>>> cat = load_catalogue()
>>> cat.placement("DOCS", "adult_labour", "destination").strength
'strong'
>>> cat.placement("DOCS", "adult_labour", "recruitment").strength
'medium'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from palermo.errors import Conflict, ImportRejected, NextStep, NotFound, Problem, ValidationError
from palermo.messages import N_, joined

DATA_DIR = Path(__file__).parent / "data"
CATALOGUE_FILE = DATA_DIR / "catalogue.yaml"
PREVIOUS_CATALOGUES = DATA_DIR / "catalogues"  # <version>.yaml: the versions saved screenings were assessed with
PACKAGE_HANDBOOKS = DATA_DIR / "handbooks"

STRENGTHS = {"S": "strong", "M": "medium", "W": "weak"}
STRENGTH_ORDER = ("strong", "medium", "weak")
PHASES = ("recruitment", "exploitation", "destination")
LIST_SHORT = {"AL": "adult_labour", "AS": "adult_sexual", "CL": "child_labour", "CS": "child_sexual"}
WORDING_KINDS = ("paraphrase", "quotation")
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")


@dataclass(frozen=True)
class ExploitationList:
    key: str
    age: str  # "adult" | "child"
    form: str  # "labour" | "sexual"
    label: str
    strength_source: str = ""


@dataclass(frozen=True)
class Dimension:
    key: str
    number: int
    phase: str  # "recruitment" | "exploitation" | "destination"
    label: str


@dataclass(frozen=True)
class Placement:
    """Where a canonical indicator sits in one list: its dimension and strength."""

    list: str
    dimension: str
    strength: str


@dataclass(frozen=True)
class Indicator:
    id: str
    text: str
    placements: tuple[Placement, ...]

    @property
    def lists(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.list for p in self.placements))

    def in_list(self, list_key: str) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if p.list == list_key)


@dataclass(frozen=True)
class Mapping:
    """One handbook's expression of a canonical indicator."""

    indicator: str
    wording: str
    reference: str


@dataclass(frozen=True)
class Handbook:
    key: str
    title: str
    publisher: str
    year: int
    url: str
    language: str
    wording_kind: str
    mappings: tuple[Mapping, ...]
    origin: str = "package"  # "package" or "imported"

    @property
    def indicator_ids(self) -> frozenset[str]:
        return frozenset(m.indicator for m in self.mappings)


@dataclass(frozen=True)
class Catalogue:
    version: str
    lists: dict[str, ExploitationList]
    dimensions: dict[str, Dimension]
    indicators: dict[str, Indicator]
    handbooks: dict[str, Handbook] = field(default_factory=dict)

    def sources(self, indicator_id: str) -> list[tuple[Handbook, Mapping]]:
        """Every handbook that expresses ``indicator_id``, with its wording and reference."""
        return [(h, m) for h in self.handbooks.values() for m in h.mappings if m.indicator == indicator_id]

    def in_list(self, list_key: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.in_list(list_key)]

    def phases(self, indicator_id: str) -> tuple[str, ...]:
        """The phases (recruitment, exploitation, destination) in which an indicator is placed in any list."""
        found = {self.dimensions[p.dimension].phase for p in self.indicators[indicator_id].placements}
        return tuple(ph for ph in PHASES if ph in found)

    def placement(self, indicator_id: str, list_key: str, phase: str) -> Placement | None:
        """Where an indicator observed in ``phase`` counts in ``list_key``, or None if that list lacks it."""
        return next((p for p in self.indicators[indicator_id].in_list(list_key)
                     if self.dimensions[p.dimension].phase == phase), None)

    def strength_basis(self, indicator_id: str, placement: Placement) -> str:
        """What a placement's strength rests on: ``ilo-ec-2009`` (a labour list, item by item as secondary
        descriptions of the brochure give it), ``labour-counterpart`` (a sexual-exploitation list, which no
        source read here gives strengths for: the strength the labour list of the same age has for the same
        indicator in the same dimension) or ``palermo`` (a sexual-exploitation placement without one)."""
        spec = self.lists[placement.list]
        if spec.form == "labour":
            return "ilo-ec-2009"
        labour = next((k for k, v in self.lists.items() if v.form == "labour" and v.age == spec.age), None)
        twin = next((p for p in self.indicators[indicator_id].in_list(labour or "") if p.dimension == placement.dimension), None)
        return "labour-counterpart" if twin is not None and twin.strength == placement.strength else "palermo"

    def placements_in(self, list_key: str) -> int:
        """How many placements a list has (the adult labour list: 67)."""
        return sum(len(i.in_list(list_key)) for i in self.indicators.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output: lists, dimensions, indicators with placements and sources."""
        return {
            "version": self.version,
            "lists": [vars(v) for v in self.lists.values()],
            "dimensions": [vars(d) for d in self.dimensions.values()],
            "indicators": [{
                "id": i.id, "text": i.text,
                "placements": [{**vars(p), "basis": self.strength_basis(i.id, p)} for p in i.placements],
                "sources": [{"handbook": h.key, "wording": m.wording, "reference": m.reference}
                            for h, m in self.sources(i.id)],
            } for i in self.indicators.values()],
        }


# ------------------------------------------------------------------------------------------ loading
def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(N_("file {path!r} does not exist", path=str(path)), [Problem(N_("no such file"), value=str(path))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ValidationError(N_("{name} is not valid YAML: {exc}", name=path.name, exc=exc),
                              [Problem(N_("YAML syntax error: {getattr}", getattr=getattr(exc, 'problem', exc)), line=line)]) from None


def _parse_catalogue(data: Any, name: str) -> Catalogue:
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise ValidationError(N_("{name}: expected a mapping with version, lists, dimensions, indicators", name=name),
                              [Problem(N_("top level is not a mapping"), value=type(data).__name__)])
    version = str(data.get("version") or "")
    if not version:
        problems.append(Problem(N_('missing version; add e.g. version: "2026.1"'), field="version"))
    lists: dict[str, ExploitationList] = {}
    for key, spec in (data.get("lists") or {}).items():
        spec = spec or {}
        if spec.get("age") not in ("adult", "child") or spec.get("form") not in ("labour", "sexual"):
            problems.append(Problem(N_("a list needs age adult|child and form labour|sexual"), field=f"lists.{key}", value=spec))
            continue
        lists[key] = ExploitationList(key, spec["age"], spec["form"], str(spec.get("label", key)),
                                      str(spec.get("strength_source") or ""))
    dimensions: dict[str, Dimension] = {}
    for n, spec in enumerate(data.get("dimensions") or [], 1):
        if not isinstance(spec, dict) or not spec.get("key") or spec.get("phase") not in ("recruitment", "exploitation", "destination"):
            problems.append(Problem(N_("a dimension needs key, number and phase recruitment|exploitation|destination"),
                                    field=f"dimensions[{n}]", value=spec))
            continue
        dimensions[spec["key"]] = Dimension(spec["key"], int(spec.get("number", n)), spec["phase"], str(spec.get("label", spec["key"])))
    if len(dimensions) != 6:
        problems.append(Problem(N_("the ILO/EC model has six dimensions; found {n_dimensions}",
                                   n_dimensions=len(dimensions)), field="dimensions"))
    indicators: dict[str, Indicator] = {}
    for n, spec in enumerate(data.get("indicators") or [], 1):
        where = f"indicators[{n}]"
        if not isinstance(spec, dict):
            problems.append(Problem(N_("an indicator must be a mapping with id, text and placements"), field=where, value=spec))
            continue
        iid, text = str(spec.get("id") or ""), str(spec.get("text") or "").strip()
        if not iid:
            problems.append(Problem(N_("indicator without id"), field=where))
            continue
        if iid in indicators:
            problems.append(Problem(N_("duplicate indicator id"), field=where, value=iid))
        if not text:
            problems.append(Problem(N_("indicator without text"), field=f"{where} ({iid})"))
        placements: list[Placement] = []
        for short, values in (spec.get("placements") or {}).items():
            list_key = LIST_SHORT.get(short, short)
            seen_phases: set[str] = set()
            for value in values if isinstance(values, list) else [values]:
                dim, _, strength = str(value).partition("/")
                bad = []
                if list_key not in lists:
                    bad.append(f"unknown list {short!r} (use {', '.join(LIST_SHORT)} or a list key)")
                if dim not in dimensions:
                    bad.append(N_("unknown dimension {dim!r}", dim=dim))
                elif dimensions[dim].phase in seen_phases:
                    bad.append(N_("a second placement in the {phase} phase of the same list (an observation could "
                                  "not tell which dimension it counts in)", phase=dimensions[dim].phase))
                if strength not in STRENGTHS:
                    bad.append(N_("strength {strength!r} is not S, M or W", strength=strength))
                if bad:
                    problems.append(Problem(joined(bad), field=f"{where} ({iid}).placements.{short}", value=value))
                    continue
                seen_phases.add(dimensions[dim].phase)
                placements.append(Placement(list_key, dim, STRENGTHS[strength]))
        if not placements:
            problems.append(Problem(N_("indicator is placed in no list"), field=f"{where} ({iid})"))
        indicators[iid] = Indicator(iid, text, tuple(placements))
    if problems:
        raise ValidationError(N_("{name}: the indicator catalogue has {n_problems} problem(s)",
                                 name=name, n_problems=len(problems)), problems)
    return Catalogue(version, lists, dimensions, indicators)


def parse_handbook(data: Any, name: str, indicators: dict[str, Indicator], *, origin: str = "package") -> Handbook:
    """Validate one handbook mapping (already parsed from YAML/JSON); report every problem at once."""
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("handbook"), dict):
        raise ImportRejected(N_("{name}: expected a mapping with `handbook:` (key, title, publisher, year) and "
                                "`mappings:`",
                                name=name),
                             [Problem(N_("missing handbook section"), field="handbook")])
    meta = data["handbook"]
    for req in ("key", "title", "publisher", "year"):
        if not meta.get(req):
            problems.append(Problem(N_("handbook.{req} is required", req=req), field=f"handbook.{req}"))
    key = str(meta.get("key") or "")
    if key and not _KEY_RE.match(key):
        problems.append(Problem(N_("handbook.key must be lower-case letters, digits and dashes (e.g. uk-nrm-2022)"),
                                field="handbook.key", value=key))
    year = meta.get("year")
    if year is not None and not (isinstance(year, int) and 1900 <= year <= 2100):
        problems.append(Problem(N_("handbook.year must be a year such as 2015"), field="handbook.year", value=year))
    kind = meta.get("wording_kind", "paraphrase")
    if kind not in WORDING_KINDS:
        problems.append(Problem(N_("handbook.wording_kind must be one of {wording_kinds}",
                                   wording_kinds=', '.join(WORDING_KINDS)), field="handbook.wording_kind",
                                value=kind))
    mappings: list[Mapping] = []
    seen: set[str] = set()
    raw = data.get("mappings")
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(N_("mappings must be a non-empty list of {{indicator, wording, reference}}"), field="mappings"))
        raw = []
    for n, m in enumerate(raw, 1):
        where = f"mappings[{n}]"
        if not isinstance(m, dict):
            problems.append(Problem(N_("a mapping must be {{indicator, wording, reference}}"), field=where, value=m))
            continue
        iid = str(m.get("indicator") or "")
        if iid not in indicators:
            problems.append(Problem(N_("unknown canonical indicator id; use an id of the indicator catalogue"),
                                    field=f"{where}.indicator", value=iid or None))
        elif iid in seen:
            problems.append(Problem(N_("indicator mapped twice in this handbook; merge the wordings"), field=f"{where}.indicator",
                                    value=iid))
        if not str(m.get("wording") or "").strip():
            problems.append(Problem(N_("wording is empty: give the handbook's words for this indicator"), field=f"{where}.wording"))
        seen.add(iid)
        mappings.append(Mapping(iid, str(m.get("wording") or "").strip(), str(m.get("reference") or "").strip()))
    if problems:
        raise ImportRejected(N_("{name}: handbook mapping rejected with {n_problems} problem(s)",
                                name=name, n_problems=len(problems)), problems,
                             next_step=NextStep("indicator_catalogue") if any(p.reason.startswith("unknown canonical")
                                                                                for p in problems) else None)
    return Handbook(key, str(meta["title"]), str(meta["publisher"]), int(year), str(meta.get("url") or ""),
                    str(meta.get("language") or "en"), kind, tuple(mappings), origin)


def load_catalogue(handbook_dirs: tuple[Path, ...] = ()) -> Catalogue:
    """The packaged catalogue with its packaged handbooks plus those imported into ``handbook_dirs``."""
    base = _package_catalogue()
    if not handbook_dirs:
        return base
    handbooks = dict(base.handbooks)
    for folder in handbook_dirs:
        for path in sorted(Path(folder).glob("*.yaml")) if Path(folder).is_dir() else []:
            hb = parse_handbook(_read_yaml(path), path.name, base.indicators, origin="imported")
            handbooks[hb.key] = hb
    return Catalogue(base.version, base.lists, base.dimensions, base.indicators, handbooks)


@lru_cache(maxsize=8)
def catalogue_version(version: str) -> Catalogue:
    """The catalogue a saved screening was assessed with: the current one, or a previous version kept in
    ``data/catalogues/<version>.yaml`` (without handbooks: only the indicators and strengths matter)."""
    current = _package_catalogue()
    if version == current.version:
        return current
    path = PREVIOUS_CATALOGUES / f"{version}.yaml"
    if not re.match(r"^[0-9]{4}\.[0-9]{1,3}$", version) or not path.is_file():
        raise NotFound(N_("catalogue version {version!r} is not kept; kept versions: {glob}",
                          version=version,
                          glob=', '.join(sorted([current.version, *(p.stem for p in PREVIOUS_CATALOGUES.glob('*.yaml'))]))))
    cat = _parse_catalogue(_read_yaml(path), path.name)
    if cat.version != version:
        raise ValidationError(N_("{name} declares version {version!r}; it must be {version2!r}",
                                 name=path.name, version=cat.version, version2=version))
    return cat


@lru_cache(maxsize=1)
def _package_catalogue() -> Catalogue:
    cat = _parse_catalogue(_read_yaml(CATALOGUE_FILE), CATALOGUE_FILE.name)
    handbooks = {}
    for path in sorted(PACKAGE_HANDBOOKS.glob("*.yaml")):
        hb = parse_handbook(_read_yaml(path), path.name, cat.indicators)
        handbooks[hb.key] = hb
    return Catalogue(cat.version, cat.lists, cat.dimensions, cat.indicators, handbooks)


def import_handbook(path: Path, target_dir: Path, *, replace: bool = False) -> Handbook:
    """Validate a handbook mapping file (YAML or JSON) and keep it in ``target_dir`` for later loads.

    A key already used by a packaged handbook is refused; an imported one is replaced only with
    ``replace=True``.
    """
    cat = _package_catalogue()
    hb = parse_handbook(_read_yaml(Path(path)), Path(path).name, cat.indicators, origin="imported")
    if hb.key in cat.handbooks:
        raise Conflict(N_("handbook key {key!r} belongs to a handbook shipped with Palermo; choose another key",
                          key=hb.key))
    target = Path(target_dir) / f"{hb.key}.yaml"
    if target.exists() and not replace:
        raise Conflict(N_("a handbook {key!r} was already imported; pass --replace to overwrite it", key=hb.key))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump({
        "handbook": {"key": hb.key, "title": hb.title, "publisher": hb.publisher, "year": hb.year, "url": hb.url,
                     "language": hb.language, "wording_kind": hb.wording_kind},
        "mappings": [vars(m) for m in hb.mappings],
    }, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return hb


def workspace_handbook_dir(data_dir: Path) -> Path:
    """Where imported handbook mappings live inside a workspace."""
    return Path(data_dir) / "identification" / "handbooks"


def form_dimensions(cat: Catalogue, _: Any = str) -> list[tuple[Dimension, list[tuple[str, str, str]]]]:
    """What a screening form shows under each dimension: (indicator id, phase, translated text).

    An indicator placed in a recruitment and a destination dimension appears under both, once per
    phase, so the worker says when it happened."""
    out: list[tuple[Dimension, list[tuple[str, str, str]]]] = []
    for d in cat.dimensions.values():
        items = []
        for i in cat.indicators.values():
            if any(p.dimension == d.key for p in i.placements):
                items.append((i.id, d.phase, _(i.text)))
        out.append((d, items))
    return out


# ------------------------------------------------------------------------------------------ overlap
@dataclass(frozen=True)
class Overlap:
    """Handbooks x canonical indicators: who expresses what, what is shared and what is unique."""

    handbooks: list[str]
    matrix: dict[str, list[str]]  # indicator id -> handbook keys expressing it
    shared: list[str]  # indicators expressed by two or more handbooks
    unique: dict[str, list[str]]  # handbook -> indicators no other handbook expresses
    uncovered: list[str]  # canonical indicators no handbook expresses

    def to_dict(self) -> dict[str, Any]:
        return {"handbooks": self.handbooks, "matrix": self.matrix, "shared": self.shared,
                "unique": self.unique, "uncovered": self.uncovered,
                "pairwise_shared": self.pairwise()}

    def pairwise(self) -> dict[str, dict[str, int]]:
        """Number of canonical indicators each pair of handbooks both express."""
        out: dict[str, dict[str, int]] = {a: {} for a in self.handbooks}
        for a in self.handbooks:
            for b in self.handbooks:
                out[a][b] = sum(1 for hs in self.matrix.values() if a in hs and b in hs)
        return out


def overlap(cat: Catalogue) -> Overlap:
    keys = sorted(cat.handbooks)
    matrix = {iid: sorted(k for k in keys if iid in cat.handbooks[k].indicator_ids) for iid in cat.indicators}
    shared = [iid for iid, hs in matrix.items() if len(hs) >= 2]
    unique = {k: [iid for iid, hs in matrix.items() if hs == [k]] for k in keys}
    uncovered = [iid for iid, hs in matrix.items() if not hs]
    return Overlap(keys, matrix, shared, unique, uncovered)

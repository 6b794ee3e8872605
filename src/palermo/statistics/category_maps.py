"""Category maps: each source's own categories mapped to Palermo's code lists, stored as data.

The maps ship as YAML in ``statistics/data/category-maps/``; a file of the same name in the folder set
by ``PALERMO_MAPPINGS_DIR`` (``Settings.mappings_dir``, passed in by the faces) replaces the shipped one,
so an agency can correct a mapping without a release. Every map is validated on load: a target outside the code
lists is refused with its file and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from palermo.errors import ConfigurationError
from palermo.messages import N_, joined
from palermo.statistics import codelists as cl

SHIPPED = Path(__file__).parent / "data" / "category-maps"
TARGETS: dict[str, Any] = {"indicator": cl.INDICATORS, "stage": cl.STAGES, "sex": cl.SEX, "age_group": cl.AGE_GROUPS,
                           "citizenship": cl.CITIZENSHIP, "exploitation": cl.EXPLOITATION}


@dataclass(frozen=True)
class CategoryMap:
    source: str
    path: Path
    maps: dict[str, dict[str, str]]

    def __getitem__(self, field: str) -> dict[str, str]:
        return self.maps[field]


def path_of(source: str, edited: Path | None = None) -> Path:
    """The file in force for ``source``: the edited copy in ``edited`` if there is one, else the shipped file."""
    if edited is not None and (edited / f"{source}.yaml").is_file():
        return edited / f"{source}.yaml"
    return SHIPPED / f"{source}.yaml"


def available() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.yaml"))


def yaml_problem(exc: Exception) -> str:
    """A YAML error in one line a person can act on: where, and what ("line 3, column 4: expected ',' or '}'")."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or problem is None:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    context = getattr(exc, "context", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" + (f" ({context})" if context else "")


def load(source: str, edited: Path | None = None) -> CategoryMap:
    """The validated map of ``source`` (from the folder of edited maps ``edited`` when it holds one)."""
    path = path_of(source, edited)
    if not path.is_file():
        raise ConfigurationError(N_("no category map for source {source!r}; the shipped ones are {available}",
                                    source=source, available=', '.join(available())))
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(N_("category map {path} cannot be read: {yaml_problem}",
                                    path=path, yaml_problem=yaml_problem(exc))) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("maps"), dict):
        raise ConfigurationError(N_("category map {path} needs a 'maps' section (field -> column, values)", path=path))
    maps: dict[str, dict[str, str]] = {}
    problems = []
    for field, spec in doc["maps"].items():
        if field not in TARGETS:
            problems.append(f"'{field}' is not a field Palermo maps to (use {', '.join(TARGETS)})")
            continue
        values = (spec or {}).get("values") if isinstance(spec, dict) else None
        if not isinstance(values, dict):
            problems.append(f"{field}: needs 'values' (source category -> code)")
            continue
        for raw, code in values.items():
            if str(code) not in TARGETS[field]:
                problems.append(f"{field}: {raw!r} maps to {code!r}, not a code of the list ({', '.join(TARGETS[field])})")
        maps[field] = {str(k): str(v) for k, v in values.items()}
    if problems:
        raise ConfigurationError(N_("category map {path} is invalid: {problems}",
                                    path=path, problems=joined(problems)))
    return CategoryMap(str(doc.get("source", source)), path, maps)

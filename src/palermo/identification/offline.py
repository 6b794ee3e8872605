"""What a device needs to screen with no network: the catalogue and the rule as data.

The browser's evaluator (``web/static/identification/evaluate.js``) reads this bundle and applies the
same rule as :mod:`palermo.identification.screening` (tested on the same scenario files and on random
cases: identical conclusions). A screening made offline is only a preview: on upload the server
assesses it again and that assessment is the one saved.
"""

from __future__ import annotations

from typing import Any

from palermo.identification import rules
from palermo.identification.catalogue import Catalogue
from palermo.identification.i18n import check_language, translator
from palermo.identification.screening import CONCLUSIONS, LEVEL_LABELS


def offline_bundle(cat: Catalogue, lang: str = "en") -> dict[str, Any]:
    """The catalogue's placements, the combination rule and the result labels in ``lang``, as plain data."""
    _ = translator(check_language(lang))
    return {
        "catalogue_version": cat.version, "lang": lang,
        "rule": {"dimension": list(rules.DIMENSION_RULE), "required": {k: list(v) for k, v in rules.REQUIRED_GROUPS.items()},
                 "groups": {k: list(v) for k, v in rules.GROUPS.items()}},
        "lists": {k: {"age": v.age, "form": v.form, "label": _(v.label)} for k, v in cat.lists.items()},
        "dimensions": [{"key": d.key, "number": d.number, "phase": d.phase, "label": _(d.label)} for d in cat.dimensions.values()],
        "indicators": {i.id: {"phases": list(cat.phases(i.id)), "placements": [[p.list, p.dimension, p.strength] for p in i.placements]}
                       for i in cat.indicators.values()},
        "labels": {"conclusions": {k: _(v) for k, v in CONCLUSIONS.items()}, "levels": {k: _(v) for k, v in LEVEL_LABELS.items()}},
    }

"""Charts on a page: one image with a caption, and the same data as a table for those who cannot see it.

The chart builders of each area (``statistics.charts``, ``coordination.charts`` …) name in the spec's
``usermeta.table`` which data set (``data``: a Vega data set's name; ``view``: the n-th view of a Vega-Lite
``vconcat``; neither: the inline data) and which fields a reader needs (``columns``: ``[[field, title], …]``);
:func:`data_table` reads them from the spec itself, so the table and the chart cannot disagree.
:func:`for_page` turns off Vega's per-mark ARIA roles: the drawn chart is one image named by its caption
(app.js sets that), and the table is its text alternative (WCAG 1.1.1).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from palermo.i18n import gettext_now


@dataclass(frozen=True)
class DataTable:
    headers: list[str]
    rows: list[list[Any]]


def _values(spec: dict[str, Any], name: str | None, view: int | None) -> list[dict[str, Any]]:
    if view is not None:  # Vega-Lite: the data of one view of a concatenation
        spec = spec["vconcat"][view]
    data = spec.get("data")
    if isinstance(data, list):  # Vega: named data sets
        return next((list(d.get("values", [])) for d in data if d.get("name") == name), [])
    if isinstance(data, dict):  # Vega-Lite: one inline data set
        return list(data.get("values", []))
    return []


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a count of people, not "658.0"
    return "" if value is None else value


def data_table(spec: dict[str, Any]) -> DataTable | None:
    """The chart's data as a table (None for a chart whose builder declares no table)."""
    meta = (spec.get("usermeta") or {}).get("table")
    if not meta:
        return None
    columns = [(field, title) for field, title in meta["columns"]]
    rows = [[_cell(row.get(field)) for field, _title in columns] for row in _values(spec, meta.get("data"), meta.get("view"))]
    return DataTable([gettext_now(title) for _field, title in columns], rows)


def _no_mark_roles(marks: list[dict[str, Any]]) -> None:
    for mark in marks:
        mark.setdefault("aria", False)
        _no_mark_roles(mark.get("marks", []))  # a group's own marks


# Keys whose text a reader sees: a chart's title and subtitle, its description, axis and legend titles.
_WORDS = ("title", "subtitle", "description", "text")


def _translate(node: Any) -> None:
    """Chart words in the page's language where the catalogue has them (built from data: as they are)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("data", "values"):  # the data's own values are not words
                continue
            if key in _WORDS and isinstance(value, str):
                node[key] = gettext_now(value)
            else:
                _translate(value)
    elif isinstance(node, list):
        for item in node:
            _translate(item)


def for_page(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of the spec to draw on a page: marks without ARIA roles of their own (the chart is one image),
    its words in the page's language."""
    page = copy.deepcopy(spec)
    _translate(page)
    page.pop("usermeta", None)  # already rendered as the table beside the chart
    if "marks" in page:
        _no_mark_roles(page["marks"])
    else:  # Vega-Lite
        page.setdefault("config", {}).setdefault("mark", {})["aria"] = False
    return page

"""UpSet-style chart of a list overlap (Vega-Lite): one bar per combination of lists, a dot matrix below.

UpSet plots (Lex et al. 2014) show set intersections better than Venn diagrams beyond three sets,
which is the usual case in MSE. Cells suppressed for disclosure control get no bar but a label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from palermo.estimation.overlap import ProtectedCell
from palermo.messages import N_


def upset_spec(lists: Sequence[str], cells: Sequence[ProtectedCell], threshold: int) -> dict[str, Any]:
    ordered = sorted(cells, key=lambda c: (-(c.count if c.count is not None else 0), len(c.lists), c.lists))
    order = [" & ".join(c.lists) for c in ordered]
    bars = [{"combination": label, "people": c.count, "label": f"<{threshold}" if c.suppressed else f"{c.count:,}",
             "lists": len(c.lists)} for label, c in zip(order, ordered)]
    dots = [{"combination": label, "list": name, "on": "on" if name in c.lists else "off"}
            for label, c in zip(order, ordered) for name in lists]
    width = max(240, 22 * len(order))
    x = {"field": "combination", "type": "nominal", "sort": order, "axis": None}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": N_("People by combination of lists (UpSet-style)"),
        "usermeta": {"table": {"view": 0, "columns": [["combination", N_("lists")], ["label", N_("people")]]}},
        "vconcat": [
            {
                "width": width, "height": 180, "data": {"values": bars},
                "layer": [
                    {"mark": {"type": "bar", "color": "#3b6ea5"},
                     "encoding": {"x": x, "y": {"field": "people", "type": "quantitative", "title": N_("people")},
                                  "tooltip": [{"field": "combination"}, {"field": "label", "title": N_("people")}]}},
                    {"mark": {"type": "text", "dy": -6, "fontSize": 10},
                     "encoding": {"x": x, "y": {"field": "people", "type": "quantitative"},
                                  "text": {"field": "label"}}},
                ],
            },
            {
                "width": width, "height": 18 * len(lists), "data": {"values": dots},
                "mark": {"type": "circle", "size": 110, "opacity": 1},
                "encoding": {
                    "x": x,
                    "y": {"field": "list", "type": "nominal", "sort": list(lists), "title": None},
                    "color": {"field": "on", "type": "nominal", "legend": None,
                              "scale": {"domain": ["on", "off"], "range": ["#222222", "#dddddd"]}},
                    "tooltip": [{"field": "combination"}],
                },
            },
        ],
        "config": {"view": {"stroke": None}},
    }

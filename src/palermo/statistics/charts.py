"""Vega-Lite specs for the statistics pages: the justice funnel per source, never stacking different concepts."""

from __future__ import annotations

from typing import Any

from palermo.messages import N_
from palermo.statistics.comparability import Concept
from palermo.statistics.query import ObservationView

# The comparison column of the table under the chart (data values, so the chart's own scale uses them too).
COMPARABLE = N_("comparable with the reference")
DIFFERENT = N_("different concept: do not add or compare")
FUNNEL = ["detected", "signalled", "identified", "presumed", "registered", "assisted", "estimated", "suspects",
          "prosecuted", "convicted"]


def funnel_rows(obs: list[ObservationView], reference: Concept | None) -> list[dict[str, Any]]:
    rows = []
    for o in obs:
        if (o.sex, o.age_group, o.citizenship, o.exploitation) != ("total",) * 4:
            continue
        c = Concept.of(o)
        value = o.value if o.value is not None else o.upper
        if value is None:
            continue
        comparable = reference is None or (c.stage == reference.stage and c.unit == reference.unit
                                           and c.definition == reference.definition)
        rows.append({"source": f"{o.source_key} ({o.source_type})", "stage": c.stage, "unit": o.counting_unit,
                     "value": value, "flags": ", ".join(sorted(o.flags)),
                     "comparison": COMPARABLE if comparable else DIFFERENT})
    return rows


def funnel_spec(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "description": title,
        # as wide as its box; on a phone the legends go below the bars and long source names are cut
        # (the table below the chart gives them whole), so the bars keep most of the width
        "width": "container", "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "usermeta": {"table": {"columns": [["source", N_("source")], ["stage", N_("stage")], ["unit", N_("unit")],
                                           ["value", N_("count")], ["comparison", N_("vs the first police source")]]}},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "source", "type": "nominal", "title": None},
            "x": {"field": "value", "type": "quantitative", "title": N_("count (each bar its own concept)")},
            "color": {"field": "stage", "type": "nominal", "sort": FUNNEL, "title": N_("stage"),
                      "scale": {"domain": [s for s in FUNNEL if s in {r['stage'] for r in rows}]}},
            # faded: another concept (the text under the chart says so; a second legend would not fit a phone)
            "opacity": {"field": "comparison", "type": "nominal", "legend": None,
                        "scale": {"domain": [COMPARABLE, DIFFERENT],
                                  "range": [1, 0.35]}},
        },
        "config": {"legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 320, "titleLimit": 320},
                   "axisY": {"labelLimit": 150}},
    }

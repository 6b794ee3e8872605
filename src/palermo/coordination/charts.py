"""Vega-Lite / Vega specifications for the coordination pages (data inline, map shipped offline)."""

from __future__ import annotations

from typing import Any

import pycountry

from palermo.coordination.models import Initiative

MAP_URL = "/static/coordination/countries-110m.json"


def _numeric(iso3: str) -> str | None:
    c = pycountry.countries.get(alpha_3=iso3)
    return str(c.numeric) if c else None


def choropleth(values: dict[str, float], title: str, legend: str, scheme: str = "blues") -> dict[str, Any]:
    """A world map with one value per ISO3 country; countries without a value stay grey."""
    rows = [{"id": _numeric(cc), "iso3": cc, "value": v} for cc, v in values.items() if _numeric(cc)]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title, "width": "container", "height": 360,
        "projection": {"type": "equalEarth", "center": [15, 20], "scale": 330},
        "layer": [
            {"data": {"url": MAP_URL, "format": {"type": "topojson", "feature": "countries"}},
             "mark": {"type": "geoshape", "fill": "#e5e8ee", "stroke": "#fff", "strokeWidth": 0.4}},
            {"data": {"url": MAP_URL, "format": {"type": "topojson", "feature": "countries"}},
             "transform": [{"lookup": "id", "from": {"data": {"values": rows}, "key": "id", "fields": ["value", "iso3"]}},
                           {"filter": "datum.value != null"}],
             "mark": {"type": "geoshape", "stroke": "#fff", "strokeWidth": 0.4},
             "encoding": {"color": {"field": "value", "type": "quantitative", "title": legend, "scale": {"scheme": scheme}},
                          "tooltip": [{"field": "properties.name", "title": "country"},
                                      {"field": "value", "title": legend}]}},
        ],
    }


def network(initiatives: list[Initiative]) -> dict[str, Any]:
    """A force-directed graph of organisations and the initiatives they take part in (Vega)."""
    nodes: list[dict[str, Any]] = []
    index: dict[str, int] = {}

    def node(key: str, label: str, group: str) -> int:
        if key not in index:
            index[key] = len(nodes)
            nodes.append({"name": label, "group": group, "index": len(nodes)})
        return index[key]

    links = []
    for i in initiatives:
        target = node(f"i:{i.ref}", i.ref, "initiative")
        for p in i.participants:
            links.append({"source": node(f"a:{p.actor.name}", p.actor.acronym or p.actor.name[:28], p.role),
                          "target": target, "role": p.role})
    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json", "width": 760, "height": 460, "autosize": "none",
        "data": [{"name": "node-data", "values": nodes}, {"name": "link-data", "values": links}],
        "scales": [{"name": "color", "type": "ordinal", "domain": ["initiative", "implementing", "funding", "accountable", "extending"],
                    "range": ["#10213d", "#2a9d8f", "#e9c46a", "#8e7dbe", "#f4a261"]}],
        "legends": [{"fill": "color", "orient": "top-left", "title": "node"}],
        "marks": [
            {"name": "nodes", "type": "symbol", "zindex": 1, "from": {"data": "node-data"},
             "encode": {"enter": {"fill": {"scale": "color", "field": "group"}, "stroke": {"value": "white"},
                                  "size": {"signal": "datum.group === 'initiative' ? 260 : 140"},
                                  "tooltip": {"signal": "datum.name"}}},
             "transform": [{"type": "force", "iterations": 300, "static": True,
                            "forces": [{"force": "center", "x": 380, "y": 230}, {"force": "collide", "radius": 14},
                                       {"force": "nbody", "strength": -40},
                                       {"force": "link", "links": "link-data", "distance": 45}]}]},
            {"type": "text", "from": {"data": "nodes"}, "zindex": 2,
             "encode": {"enter": {"text": {"field": "datum.name"}, "fontSize": {"value": 9}, "dx": {"value": 8},
                                  "fill": {"value": "#333"}},
                        "update": {"x": {"field": "x"}, "y": {"field": "y"}}}},
            {"type": "path", "from": {"data": "link-data"}, "interactive": False,
             "encode": {"update": {"stroke": {"value": "#aab"}, "strokeWidth": {"value": 0.8}}},
             "transform": [{"type": "linkpath", "shape": "line",
                            "sourceX": "datum.source.x", "sourceY": "datum.source.y",
                            "targetX": "datum.target.x", "targetY": "datum.target.y"}]},
        ],
    }

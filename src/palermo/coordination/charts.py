"""Vega-Lite / Vega specifications for the coordination pages (data inline, map shipped offline)."""

from __future__ import annotations

from typing import Any

import pycountry

from palermo.coordination.models import Initiative

MAP_URL = "/static/coordination/countries-110m.json"
NO_DATA = "#e5e8ee"  # countries without a value


def _numeric(iso3: str) -> str | None:
    c = pycountry.countries.get(alpha_3=iso3)
    return str(c.numeric) if c else None


def choropleth(values: dict[str, float], title: str, legend: str, scheme: str = "blues",
               empty: str = "no data") -> dict[str, Any]:
    """A world map with one value per ISO3 country, zoomed to fit every country that has a value.

    Countries without a value stay grey. The colour scale starts at zero and its lightest colour is
    still clearly coloured, so a country with 1 differs from one with none; without any value the map
    shows the whole world, no legend and ``empty`` as subtitle (never a legend of NaN).
    """
    rows = [{"id": _numeric(cc), "iso3": cc, "value": v} for cc, v in sorted(values.items())
            if _numeric(cc) and v and v > 0]
    top = max((r["value"] for r in rows), default=0)
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega/v5.json",
        "description": title, "height": 360, "padding": 4, "autosize": "pad",
        "title": {"text": title, "subtitle": "" if rows else empty, "anchor": "start"},
        "signals": [{"name": "width", "init": "containerSize()[0] ? max(containerSize()[0] - 8, 280) : 640",
                     "on": [{"events": "window:resize", "update": "containerSize()[0] ? max(containerSize()[0] - 8, 280) : 640"}]}],
        "data": [
            {"name": "values", "values": rows},
            {"name": "world", "url": MAP_URL, "format": {"type": "topojson", "feature": "countries"},
             "transform": [{"type": "lookup", "from": "values", "key": "id", "fields": ["id"],
                            "values": ["value", "iso3"]}]},
            {"name": "focus", "source": "world", "transform": [{"type": "filter", "expr": "datum.value != null"}]},
        ],
        # fit the projection to the countries with data (the whole world when there are none)
        "projections": [{"name": "projection", "type": "equalEarth",
                         "fit": {"signal": "length(data('focus')) ? data('focus') : data('world')"},
                         "extent": {"signal": "[[16, 16], [width - 16, height - 16]]"}}],
        "marks": [
            {"type": "shape", "name": "land", "from": {"data": "world"}, "clip": True,
             "encode": {"update": {"fill": {"value": NO_DATA}, "stroke": {"value": "#fff"}, "strokeWidth": {"value": 0.4}}},
             "transform": [{"type": "geoshape", "projection": "projection"}]},
            {"type": "shape", "name": "with_data", "from": {"data": "focus"}, "clip": True,
             "encode": {"update": {"fill": {"scale": "color", "field": "value"}, "stroke": {"value": "#fff"},
                                   "strokeWidth": {"value": 0.4},
                                   "description": {"signal": "datum.iso3 + ': ' + datum.value"},
                                   "tooltip": {"signal": f"{{'country': datum.properties.name, '{legend}': datum.value}}"}}},
             "transform": [{"type": "geoshape", "projection": "projection"}]},
        ],
        "scales": [{"name": "color", "type": "linear", "domain": [0, max(top, 1)], "zero": True, "nice": False,
                    # the lightest quarter of a scheme is too close to the grey of "none"
                    "range": {"scheme": scheme, "extent": [0.3, 1]}}],
    }
    if rows:
        spec["legends"] = [{"fill": "color", "title": legend, "orient": "bottom-left", "format": "d", "fillColor": "rgba(255,255,255,0.85)", "padding": 4,
                            "tickCount": min(int(top), 5)}]
    return spec


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

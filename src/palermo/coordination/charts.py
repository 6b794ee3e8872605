"""Vega-Lite / Vega specifications for the coordination pages (data inline, map shipped offline)."""

from __future__ import annotations

from typing import Any

import pycountry

from palermo.coordination.models import Initiative
from palermo.messages import N_

MAP_URL = "/static/coordination/countries-110m.json"
NO_DATA = "#e5e8ee"  # countries without a value


def _numeric(iso3: str) -> str | None:
    c = pycountry.countries.get(alpha_3=iso3)
    return str(c.numeric) if c else None


def _name(iso3: str) -> str:
    c = pycountry.countries.get(alpha_3=iso3)
    return str(getattr(c, "common_name", None) or c.name) if c else iso3


def choropleth(values: dict[str, float], title: str, legend: str, scheme: str = "blues",
               empty: str = "no data", top_at_least: float = 1) -> dict[str, Any]:
    """A world map with one value per ISO3 country, zoomed to fit every country that has a value.

    Countries without a value stay grey. The colour scale starts at zero and its lightest colour is
    still clearly coloured, so a country with 1 differs from one with none; without any value the map
    shows the whole world, no legend and ``empty`` as subtitle (never a legend of NaN).
    """
    rows: list[dict[str, Any]] = [{"id": _numeric(cc), "iso3": cc, "country": _name(cc), "value": v} for cc, v in sorted(values.items())
            if _numeric(cc) and v and v > 0]
    top = max((r["value"] for r in rows), default=0)
    spec: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega/v5.json",
        "description": title, "height": 360, "padding": 4, "autosize": "pad",
        "title": {"text": title, "subtitle": "" if rows else empty, "anchor": "start"},
        "usermeta": {"table": {"data": "values", "columns": [["country", N_("country")], ["iso3", N_("code")], ["value", legend]]}},
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
        "scales": [{"name": "color", "type": "linear", "domain": [0, max(top, top_at_least)], "zero": True, "nice": False,
                    # the lightest quarter of a scheme is too close to the grey of "none"
                    "range": {"scheme": scheme, "extent": [0.3, 1]}}],
    }
    if rows:
        spec["legends"] = [{"fill": "color", "title": legend, "orient": "bottom-left", "format": "d",
                            "fillColor": "rgba(255,255,255,0.85)", "padding": 4,
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
                          "target": target, "role": p.role, "organisation": p.actor.name, "initiative": i.ref})
    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json", "height": 460, "autosize": "pad",
        "description": N_("Organisations and the initiatives they take part in"),
        # as wide as its box (a phone too); the layout is centred in it
        "signals": [{"name": "width", "init": "containerSize()[0] ? max(containerSize()[0] - 8, 300) : 760"}],
        "usermeta": {"table": {"data": "link-data", "columns": [["organisation", N_("organisation")], ["role", N_("role")],
                                                                ["initiative", N_("initiative")]]}},
        "data": [{"name": "node-data", "values": nodes}, {"name": "link-data", "values": links}],
        "scales": [{"name": "color", "type": "ordinal", "domain": ["initiative", "implementing", "funding", "accountable", "extending"],
                    "range": ["#10213d", "#2a9d8f", "#e9c46a", "#8e7dbe", "#f4a261"]}],
        "legends": [{"fill": "color", "orient": "top-left", "title": N_("node")}],
        "marks": [
            {"name": "nodes", "type": "symbol", "zindex": 1, "from": {"data": "node-data"},
             "encode": {"enter": {"fill": {"scale": "color", "field": "group"}, "stroke": {"value": "white"},
                                  "size": {"signal": "datum.group === 'initiative' ? 260 : 140"},
                                  "tooltip": {"signal": "datum.name"}}},
             "transform": [{"type": "force", "iterations": 300, "static": True,
                            "forces": [{"force": "center", "x": {"signal": "width / 2"}, "y": 230}, {"force": "collide", "radius": 14},
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


def flow_chart(flows: list[Any], currency: str, height: int = 420) -> dict[str, Any]:
    """A Sankey diagram of money: funders → implementers → country · P, band widths proportional to the
    amounts (Vega; the layout is computed here, so the browser only draws paths: CSP-safe)."""
    edges = [f for f in flows if f.currency == currency and f.value > 0]
    columns = {"funding": (0, 1), "implementation": (1, 2)}
    value: dict[tuple[int, str], dict[str, float]] = {}
    for f in edges:
        a, b = columns[f.stage]
        value.setdefault((a, f.source), {"in": 0.0, "out": 0.0})["out"] += f.value
        value.setdefault((b, f.target), {"in": 0.0, "out": 0.0})["in"] += f.value
    gap = 8.0
    size = {k: max(v["in"], v["out"]) for k, v in value.items()}
    totals = {c: sum(v for (col, _), v in size.items() if col == c) for c in (0, 1, 2)}
    counts = {c: sum(1 for (col, _) in size if col == c) for c in (0, 1, 2)}
    scale = min(((height - gap * (counts[c] - 1)) / totals[c]) for c in (0, 1, 2) if totals[c]) if edges else 0
    nodes: dict[tuple[int, str], dict[str, Any]] = {}
    for c in (0, 1, 2):
        y = 0.0
        for key in sorted((k for k in size if k[0] == c), key=lambda k: -size[k]):
            h = max(size[key] * scale, 1.0)
            nodes[key] = {"name": key[1], "column": c, "x": [0, 490, 980][c], "y": y, "h": h, "value": round(size[key], 2),
                          "in_at": y, "out_at": y}
            y += h + gap
    links = []
    for f in sorted(edges, key=lambda f: (columns[f.stage][0], -f.value)):
        start, end = (nodes[(columns[f.stage][0], f.source)], nodes[(columns[f.stage][1], f.target)])
        w = f.value * scale
        x0, x1, xm = start["x"] + 20, end["x"], (start["x"] + 20 + end["x"]) / 2
        y0, y1 = start["out_at"], end["in_at"]
        start["out_at"] += w
        end["in_at"] += w
        links.append({"path": f"M{x0:.1f},{y0:.2f}C{xm:.1f},{y0:.2f} {xm:.1f},{y1:.2f} {x1:.1f},{y1:.2f}"
                              f"L{x1:.1f},{y1 + w:.2f}C{xm:.1f},{y1 + w:.2f} {xm:.1f},{y0 + w:.2f} {x0:.1f},{y0 + w:.2f}Z",
                      "source": f.source, "target": f.target, "value": round(f.value, 2), "basis": f.basis,
                      "initiatives": ", ".join(f.initiatives), "stage": f.stage})
    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json", "description": N_("Money flows in {currency}", currency=currency),
        "usermeta": {"table": {"data": "links", "columns": [["source", N_("from")], ["target", N_("to")],
                                                            ["value", N_("amount ({currency})", currency=currency)],
                                                            ["basis", N_("reported as")], ["initiatives", N_("initiatives")]]}},
        "height": height, "padding": {"left": 4, "right": 4, "top": 4, "bottom": 4}, "autosize": "pad",
        "title": {"text": N_("Money flows ({currency}): funders → implementers → country · P", currency=currency), "anchor": "start"},
        "signals": [{"name": "width", "init": "containerSize()[0] ? max(containerSize()[0] - 8, 320) : 760",
                     "on": [{"events": "window:resize", "update": "containerSize()[0] ? max(containerSize()[0] - 8, 320) : 760"}]}],
        "data": [{"name": "nodes", "values": [{k: v for k, v in n.items() if k not in ("in_at", "out_at")} for n in nodes.values()]},
                 {"name": "links", "values": links}],
        "scales": [{"name": "stage", "type": "ordinal", "domain": ["funding", "implementation"],
                    "range": ["#e9c46a", "#2a9d8f"]}],
        "marks": [
            {"type": "path", "name": "bands", "from": {"data": "links"},
             "encode": {"update": {"path": {"field": "path"}, "scaleX": {"signal": "width / 1000"},
                                   "fill": {"scale": "stage", "field": "stage"}, "fillOpacity": {"value": 0.45},
                                   "description": {"signal": "datum.source + ' to ' + datum.target + ': ' + format(datum.value, ',.0f')"},
                                   "tooltip": {"signal": "{'from': datum.source, 'to': datum.target, "
                                                         "'amount': format(datum.value, ',.0f'), 'reported as': datum.basis, "
                                                         "'initiatives': datum.initiatives}"}}}},
            {"type": "rect", "name": "node_bars", "from": {"data": "nodes"},
             "encode": {"update": {"x": {"signal": "datum.x * width / 1000"}, "width": {"signal": "20 * width / 1000"},
                                   "y": {"field": "y"}, "height": {"field": "h"}, "fill": {"value": "#10213d"},
                                   "tooltip": {"signal": "{'node': datum.name, 'amount': format(datum.value, ',.0f')}"}}}},
            {"type": "text", "from": {"data": "nodes"},
             "encode": {"update": {"x": {"signal": "datum.column == 2 ? datum.x * width / 1000 - 4 : (datum.x + 20) * width / 1000 + 4"},
                                   "y": {"signal": "datum.y + datum.h / 2"}, "baseline": {"value": "middle"},
                                   "align": {"signal": "datum.column == 2 ? 'right' : 'left'"}, "fontSize": {"value": 10},
                                   "text": {"signal": "datum.name + ' ' + format(datum.value, ',.0f')"}, "fill": {"value": "#222"},
                                   "limit": {"signal": "width / 3.2"}}}},
        ],
    }

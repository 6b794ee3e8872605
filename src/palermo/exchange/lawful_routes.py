"""Lawful routes: where two organisations have no agreement, chains of agreements through intermediaries
(a third country through a partner state to an EU agency), shortest and least restricted first."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from itertools import combinations, islice
from typing import Any

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.models import Organisation
from palermo.errors import NextStep, NotFound
from palermo.exchange.models import Agreement
from palermo.exchange.policy import agreement_reasons, binds, check_terms, is_party
from palermo.messages import N_


@dataclass
class Hop:
    from_org: str
    to_org: str
    agreement: str
    clause: str
    handling_codes: list[str]


@dataclass
class Route:
    hops: list[Hop]
    restrictions: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def explain(self) -> str:
        return " → ".join([self.hops[0].from_org] + [f"{h.to_org} (under {h.agreement})" for h in self.hops])


def agreement_graph(session: Session, category: str | None = None, purpose: str | None = None,
                    on: date | None = None) -> nx.Graph:
    """Organisations linked by agreements (in force on ``on`` and covering category and purpose, if given)."""
    on = on or date.today()
    orgs = list(session.execute(select(Organisation)).scalars())
    g = nx.Graph()
    g.add_nodes_from(o.short_name for o in orgs)
    for ag in session.execute(select(Agreement).order_by(Agreement.reference)).scalars():
        if category and purpose and agreement_reasons(ag, category, purpose, on):
            continue
        members = [o for o in orgs if is_party(ag, o)]
        for a, b in combinations(members, 2):
            if not binds(ag, a, b):  # two authorities under one state party: no edge between them
                continue
            cost = 1 + 0.1 * len(ag.handling_codes)
            if not g.has_edge(a.short_name, b.short_name) or g[a.short_name][b.short_name]["weight"] > cost:
                g.add_edge(a.short_name, b.short_name, weight=cost, agreement=ag.reference, status=ag.status,
                           categories=list(ag.categories), codes=list(ag.handling_codes),
                           clause=(ag.clauses.get(category or "") or ag.clauses.get("*") or ag.reference))
    return g


def find_routes(session: Session, requester: str, owner: str, category: str, purpose: str, *,
                on: date | None = None, limit: int = 5) -> list[Route]:
    """Routes from requester to owner, fewest hops first, then fewest restrictions; NotFound if none."""
    check_terms(category, purpose)
    g = agreement_graph(session, category, purpose, on)
    for name in (requester, owner):
        if name not in g:
            raise NotFound(N_("no organisation {name!r}", name=name), next_step=NextStep("list_organisations"))
    if not nx.has_path(g, requester, owner):
        raise NotFound(N_("no lawful route from {requester} to {owner} for {category} ({purpose}): no chain of "
                          "agreements in force covers it. A new agreement, or one extended to this category, is "
                          "needed",
                          requester=requester, owner=owner, category=category, purpose=purpose))
    routes = []
    for path in islice(nx.shortest_simple_paths(g, requester, owner), 50):
        hops = [Hop(a, b, g[a][b]["agreement"], g[a][b]["clause"], g[a][b]["codes"]) for a, b in zip(path, path[1:])]
        routes.append(Route(hops, sum(len(h.handling_codes) for h in hops)))
    routes.sort(key=lambda r: (len(r.hops), r.restrictions, [h.to_org for h in r.hops]))
    return routes[:limit]


def graph_spec(session: Session) -> dict[str, Any]:
    """A Vega network of who has agreements with whom, edges coloured by data category."""
    g = agreement_graph(session)
    active = [n for n in g.nodes if g.degree(n) > 0]
    index = {n: i for i, n in enumerate(active)}
    nodes = [{"name": n, "index": i} for n, i in index.items()]
    links = [{"source": index[a], "target": index[b], "category": d["categories"][0] if d["categories"] else "",
              "agreement": d["agreement"], "status": d["status"], "from": a, "to": b,
              "status_text": str(d["status"]).replace("_", " ")} for a, b, d in g.edges(data=True)]
    return {
        "$schema": "https://vega.github.io/schema/vega/v5.json", "height": 480, "autosize": "pad",
        "description": N_("Who has agreements with whom"),
        # as wide as its box (a phone too), the layout centred in it
        "signals": [{"name": "width", "init": "containerSize()[0] ? max(containerSize()[0] - 8, 300) : 760"}],
        "usermeta": {"table": {"data": "link-data", "columns": [["from", N_("between")], ["to", N_("and")],
                                                                ["agreement", N_("agreement")],
                                                                ["category", N_("first data category")],
                                                                ["status_text", N_("status")]]}},
        "data": [{"name": "node-data", "values": nodes}, {"name": "link-data", "values": links}],
        "scales": [{"name": "color", "type": "ordinal", "domain": {"data": "link-data", "field": "category"},
                    "range": "category"}],
        "legends": [{"stroke": "color", "title": N_("category"), "orient": "top-left", "symbolType": "stroke"}],
        "marks": [
            {"name": "nodes", "type": "symbol", "zindex": 1, "from": {"data": "node-data"},
             "encode": {"enter": {"fill": {"value": "#10213d"}, "size": {"value": 160}, "tooltip": {"field": "name"}}},
             "transform": [{"type": "force", "iterations": 300, "static": True,
                            "forces": [{"force": "center", "x": {"signal": "width / 2"}, "y": 240}, {"force": "collide", "radius": 16},
                                       {"force": "nbody", "strength": -60},
                                       {"force": "link", "links": "link-data", "distance": 70}]}]},
            {"type": "text", "from": {"data": "nodes"}, "zindex": 2,
             "encode": {"enter": {"text": {"field": "datum.name"}, "fontSize": {"value": 10}, "dx": {"value": 8}},
                        "update": {"x": {"field": "x"}, "y": {"field": "y"}}}},
            {"type": "path", "from": {"data": "link-data"},
             "encode": {"update": {"stroke": {"scale": "color", "field": "category"}, "strokeWidth": {"value": 1.6},
                                   "strokeDash": {"signal": "datum.status === 'in_force' ? [1, 0] : [4, 3]"},
                                   "tooltip": {"field": "agreement"}}},
             "transform": [{"type": "linkpath", "shape": "line", "sourceX": "datum.source.x", "sourceY": "datum.source.y",
                            "targetX": "datum.target.x", "targetY": "datum.target.y"}]},
        ],
    }

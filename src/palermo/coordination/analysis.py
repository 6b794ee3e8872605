"""The who-does-what-where analyses: matrix, overlaps, gaps, and who should meet whom.

Plain functions over initiatives already loaded, so the same code serves the CLI, the API, the web
page and the tests (which build small known maps and assert the exact findings).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz

from palermo.coordination.codelists import TARGET_GROUPS, THEMES, theme_label, top_theme
from palermo.coordination.context import CountryContext
from palermo.coordination.initiatives import actors_in, is_active
from palermo.coordination.models import Initiative
from palermo.messages import N_, Figure

VICTIM_STAGES = {"detected", "identified", "presumed", "registered", "signalled"}


def _active(initiatives: list[Initiative], on: date | None) -> list[Initiative]:
    return [i for i in initiatives if (is_active(i, on) if on else i.status not in ("cancelled",))]


def _cells(i: Initiative) -> set[str]:
    """Themes an initiative covers: its sub-themes, or every sub-theme of a P it names without detail."""
    out: set[str] = set()
    for t in i.themes:
        out |= set(THEMES[t]) if t in THEMES else {t}
    return out


# ----------------------------------------------------------------------------- matrix
def matrix(initiatives: list[Initiative], on: date | None = None) -> list[dict[str, Any]]:
    """Country x P x organisation: who implements what where (active on ``on``, or all not cancelled)."""
    cells: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: {"actors": set(), "initiatives": set()})
    for i in _active(initiatives, on):
        for c in i.countries:
            for p in {top_theme(t) for t in i.themes}:
                cell = cells[(c, p)]
                cell["actors"] |= set(actors_in(i, "implementing")) or set(actors_in(i))
                cell["initiatives"].add(i.ref)
    return [{"country": c, "theme": p, "actors": sorted(v["actors"]), "initiatives": sorted(v["initiatives"])}
            for (c, p), v in sorted(cells.items())]


def active_by_country(initiatives: list[Initiative], on: date | None = None) -> dict[str, int]:
    """Distinct initiatives per country, active on ``on`` (or all not cancelled)."""
    out: dict[str, int] = defaultdict(int)
    for i in _active(initiatives, on):
        for c in set(i.countries):
            out[c] += 1
    return dict(sorted(out.items()))


# ----------------------------------------------------------------------------- overlaps
@dataclass
class Overlap:
    kind: str  # "same cell" (different implementers), "two funders" (different funders, same cell and period)
    # or "same funder" (one funder, several implementers)
    score: float
    countries: list[str]
    themes: list[str]
    target_groups: list[str]
    initiatives: list[str]
    actors: list[str]
    reason: str
    funder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _period_overlap(a: Initiative, b: Initiative) -> float:
    """Share of the shorter period that the two periods have in common (1.0 when open-ended and overlapping)."""
    lo = max(a.start or date.min, b.start or date.min)
    hi = min(a.end or date.max, b.end or date.max)
    if hi < lo:
        return 0.0
    lengths = [((x.end or date.max) - (x.start or date.min)).days for x in (a, b)]
    shortest = min(lengths)
    return 1.0 if shortest <= 0 or shortest > 365 * 200 else min(1.0, (hi - lo).days / shortest)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def funds(a: Initiative, b: Initiative) -> bool:
    """``a`` passes money to ``b`` (a transaction of ``a`` names ``b`` as receiver activity, or one of ``b``
    names ``a`` as provider activity)."""
    return any(t.receiver_activity == b.ref for t in getattr(a, "transactions", [])) or \
        any(t.provider_activity == a.ref for t in getattr(b, "transactions", []))


def overlaps(initiatives: list[Initiative], on: date | None = None) -> list[Overlap]:
    """Initiatives of different actors on the same country, theme and target group at the same time,
    and funders paying several actors for the same cell; ranked by score (most alike first)."""
    found: list[Overlap] = []
    live = _active(initiatives, on)
    # a funder's programme that only passes money to registered initiatives is analysed through them
    conduits = {a.ref for a in live if not actors_in(a, "implementing") and any(funds(a, b) for b in live)}
    for a, b in combinations([i for i in live if i.ref not in conduits], 2):
        if funds(a, b) or funds(b, a):
            continue  # a funder's programme and the project it pays for are one piece of work
        countries = set(a.countries) & set(b.countries)
        themes = _cells(a) & _cells(b)
        ga, gb = set(a.target_groups), set(b.target_groups)
        groups = ga & gb if ga and gb else ga | gb
        impl_a, impl_b = set(actors_in(a, "implementing")), set(actors_in(b, "implementing"))
        period = _period_overlap(a, b)
        if not (countries and themes and (groups or not (ga or gb)) and period > 0 and impl_a != impl_b):
            continue
        text = fuzz.token_set_ratio(f"{a.title} {a.description}", f"{b.title} {b.description}") / 100
        score = round(0.4 * text + 0.2 * _jaccard(_cells(a), _cells(b)) + 0.2 * _jaccard(ga, gb) + 0.2 * period, 3)
        fund_a, fund_b = set(actors_in(a, "funding")), set(actors_in(b, "funding"))
        share, alike = f"{period:.0%}", f"{text:.0%}"
        if fund_a and fund_b and not fund_a & fund_b:
            found.append(Overlap(
                "two funders", score, sorted(countries), sorted(themes), sorted(groups), [a.ref, b.ref],
                sorted(fund_a | fund_b),
                _for_groups(groups,
                            N_("{a} and {b} both pay for {themes} for {groups} in {countries} in the same period "
                               "({period} shared): check the same work is not funded twice",
                               a=", ".join(sorted(fund_a)), b=", ".join(sorted(fund_b)), themes=_themes(themes),
                               groups=_groups(groups), countries=", ".join(sorted(countries)), period=share),
                            N_("{a} and {b} both pay for {themes} for the same (unspecified) groups in {countries} in "
                               "the same period ({period} shared): check the same work is not funded twice",
                               a=", ".join(sorted(fund_a)), b=", ".join(sorted(fund_b)), themes=_themes(themes),
                               countries=", ".join(sorted(countries)), period=share)),
                funder=", ".join(sorted(fund_a | fund_b))))
        found.append(Overlap(
            "same cell", score, sorted(countries), sorted(themes), sorted(groups), [a.ref, b.ref],
            sorted(impl_a | impl_b),
            _for_groups(groups,
                        N_("{a} and {b} both work on {themes} for {groups} in {countries} at the same time (periods "
                           "{period} shared; descriptions {alike} alike)",
                           a=", ".join(sorted(impl_a)), b=", ".join(sorted(impl_b)), themes=_themes(themes),
                           groups=_groups(groups), countries=", ".join(sorted(countries)), period=share,
                           alike=alike),
                        N_("{a} and {b} both work on {themes} for the same (unspecified) groups in {countries} at the "
                           "same time (periods {period} shared; descriptions {alike} alike)",
                           a=", ".join(sorted(impl_a)), b=", ".join(sorted(impl_b)), themes=_themes(themes),
                           countries=", ".join(sorted(countries)), period=share, alike=alike))))
    by_funder: dict[tuple[str, str, str], list[Initiative]] = defaultdict(list)
    for i in live:
        if i.ref in conduits:
            continue
        for funder in actors_in(i, "funding"):
            for c in i.countries:
                for t in _cells(i):
                    by_funder[(funder, c, t)].append(i)
    grouped: dict[tuple[str, str, frozenset[str]], set[str]] = defaultdict(set)
    for (funder, c, t), items in by_funder.items():
        # several initiatives, several implementers: one joint programme with partners is not an overlap
        implementers = {x for i in items for x in actors_in(i, "implementing")}
        if len(items) >= 2 and len(implementers) >= 2:
            grouped[(funder, c, frozenset(i.ref for i in items))].add(t)
    for (funder, c, refs), themes in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1], sorted(kv[0][2]))):
        items = [i for i in live if i.ref in refs]
        names = sorted({x for i in items for x in actors_in(i, "implementing")})
        found.append(Overlap(
            "same funder", round(0.5 + 0.1 * len(names), 3), [c], sorted(themes),
            sorted({g for i in items for g in i.target_groups}), sorted(refs), names,
            N_("{funder} funds {n} implementers ({names}) for {themes} in {country}", funder=funder, n=len(names),
               names=", ".join(names), themes=_themes(themes), country=c), funder=funder))
    return sorted(found, key=lambda o: (-o.score, o.initiatives))


def _for_groups(groups: set[str], with_groups: str, without: str) -> str:
    """The sentence naming the target groups, or the one saying they are the same but unspecified."""
    return with_groups if groups else without


def _themes(keys: Any) -> str:
    """Themes as people name them in a sentence ('Protection, Return and reintegration'), not their keys."""
    return ", ".join(theme_label(k) for k in sorted(keys))


def _groups(keys: Any) -> str:
    return ", ".join(TARGET_GROUPS.get(k, k).lower() for k in sorted(keys))


# ----------------------------------------------------------------------------- gaps
@dataclass
class Need:
    country: str
    theme: str
    reason: str
    source: str


@dataclass
class Gap:
    country: str
    theme: str
    needs: list[str]
    context: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def needs_from_observations(observations: list[Any]) -> list[Need]:
    """Need per country and theme read from recorded victims (any victim stage, value known and > 0).

    The observations come as the reader may see them: a cell withheld by disclosure control still shows
    the need (it is not a zero), never its count."""
    needs: dict[tuple[str, str], Need] = {}
    for o in observations:
        withheld = "suppressed" in (getattr(o, "flags", None) or ())
        if getattr(o, "stage", None) not in VICTIM_STAGES or not (getattr(o, "value", None) or withheld):
            continue
        country, value, src = o.country, o.value, getattr(o, "source_key", "statistics")
        shown = None if withheld or value is None else f"{value:g}"
        exploitation = (getattr(o, "exploitation", None) or "").lower()
        age = (getattr(o, "age_group", None) or "").lower()
        rules = [("victim_identification", "victims"), ("victim_assistance", "victims")]
        if "labour" in exploitation or "labor" in exploitation:
            rules.append(("supply_chains", "forced_labour"))
        if age.startswith(("child", "0", "y_lt18", "minor")) or "under 18" in age:
            rules.append(("child_protection", "children"))
        for theme, who in rules:
            key = (country, theme)
            if key not in needs:
                needs[key] = Need(country, theme, _recorded(who, shown, str(o.period), src), src)
    return list(needs.values())


# The three Ps of the Cho index as a sentence names them.
P3_NAMES = {"prevention": N_("prevention"), "protection": N_("protection"), "prosecution": N_("prosecution")}


def _recorded(who: str, shown: str | None, period: str, source: str) -> str:
    """Why recorded victims show a need, as one sentence per case (a withheld count is never given)."""
    if shown is None:
        return {"victims": N_("victims recorded (count withheld in {period}, source {source})", period=period, source=source),
                "forced_labour": N_("victims of forced labour recorded (count withheld in {period}, source {source})",
                                    period=period, source=source),
                "children": N_("child victims recorded (count withheld in {period}, source {source})",
                               period=period, source=source)}[who]
    return {"victims": N_("victims recorded ({n} in {period}, source {source})", n=shown, period=period, source=source),
            "forced_labour": N_("victims of forced labour recorded ({n} in {period}, source {source})", n=shown,
                                period=period, source=source),
            "children": N_("child victims recorded ({n} in {period}, source {source})", n=shown, period=period,
                           source=source)}[who]


def needs_from_context(context: dict[str, CountryContext]) -> list[Need]:
    """Need read from policy context: a weak 3P score (<= 2 of 5) or many dead and missing on a route."""
    needs = []
    for cc, c in context.items():
        for p, score in c.p3.items():
            if score <= 2:
                shown = f"{score:g}"
                needs.append(Need(cc, p, N_("Cho 3P {p} score {score} of 5 (weak policy)", p=P3_NAMES.get(p, p),
                                            score=shown), "Cho 3P index"))
        deaths = sum(c.missing_migrants.values())
        if deaths >= 100:
            needs.append(Need(cc, "search_rescue", N_("{deaths} dead and missing on routes through the country "
                                                      "(IOM Missing Migrants 2014-2021)", deaths=Figure(deaths)),
                              "IOM Missing Migrants"))
    return needs


def gaps(initiatives: list[Initiative], needs: list[Need], context: dict[str, CountryContext] | None = None,
         on: date | None = None) -> list[Gap]:
    """Country x theme cells with a need and no active initiative covering them."""
    covered: set[tuple[str, str]] = set()
    for i in _active(initiatives, on):
        for c in i.countries:
            for t in _cells(i):
                covered.add((c, t))
                covered.add((c, top_theme(t)))
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for n in needs:
        if (n.country, n.theme) not in covered:
            cells[(n.country, n.theme)].append(n.reason)
    ctx = context or {}
    return [Gap(c, t, reasons, ctx[c].to_dict() if c in ctx else {}) for (c, t), reasons in sorted(cells.items())]


# ----------------------------------------------------------------------------- suggestions
def suggestions(found: list[Overlap]) -> list[dict[str, Any]]:
    """Which actors should sit in each other's boards or meetings, from how much they overlap."""
    pairs: dict[tuple[str, str], list[Overlap]] = defaultdict(list)
    for o in found:
        for a, b in combinations(sorted(set(o.actors)), 2):
            pairs[(a, b)].append(o)
    out = []
    for (a, b), items in pairs.items():
        countries = sorted({c for o in items for c in o.countries})
        themes = sorted({t for o in items for t in o.themes})
        out.append({"actors": [a, b], "overlaps": len(items), "weight": round(sum(o.score for o in items), 3),
                    "why": f"{len(items)} overlap(s) on {_themes(themes)} in {', '.join(countries)}"})
    return sorted(out, key=lambda s: (-s["weight"], s["actors"]))

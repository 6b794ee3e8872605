"""Why do two sources disagree? Different concepts (stage, unit, definition, coverage, period, breakdown)
or different data (after aligning what can be aligned), or both; revisions of one source told apart."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.messages import N_, Figure
from palermo.statistics.comparability import Concept, differences
from palermo.statistics.disclosure import DEFAULT_THRESHOLD
from palermo.statistics.query import ObservationView, find_observations

TOTAL = ("total", "total", "total", "total")


@dataclass
class Interval:
    low: float
    high: float

    def __str__(self) -> str:
        return _count(self.low) if self.low == self.high else f"{_count(self.low)}–{_count(self.high)}"


def _count(value: float) -> str:
    """A number of people as written (1,658, never 1658.0 or 1.658e+03), in the reader's way on a page."""
    return Figure(int(value)) if float(value).is_integer() else Figure(round(value, 1))


def _total(obs: list[ObservationView]) -> Interval | None:
    for o in obs:
        if (o.sex, o.age_group, o.citizenship, o.exploitation) == TOTAL:
            if o.value is not None:
                return Interval(o.value, o.value)
            if o.lower is not None:
                return Interval(o.lower, o.upper if o.upper is not None else o.lower)
    return None


def _breakdowns(obs: list[ObservationView]) -> set[str]:
    out = set()
    for o in obs:
        for dim in ("sex", "age_group", "citizenship", "exploitation"):
            if getattr(o, dim) != "total":
                out.add(dim)
    return out


@dataclass
class PairExplanation:
    source_a: str
    source_b: str
    verdict: str  # "different concepts" / "different data" / "both" / "consistent"
    concept_differences: list[dict[str, str]]
    value_a: str | None
    value_b: str | None
    data_difference: str
    revision: bool = False
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _label(o: ObservationView) -> str:
    return f"{o.source_key}@{o.source_vintage}"


def explain(session: Session, principal: Principal, *, country: str, year: str, indicator: str = "victims",
            threshold: int = DEFAULT_THRESHOLD) -> list[PairExplanation]:
    """One explanation per pair of sources reporting the indicator for the country and year (all vintages).

    Computed on the cells as the principal may see them: a suppressed cell takes part in no difference,
    so neither "at least N apart" nor "a: x vs y" can give it back.
    """
    obs = find_observations(session, principal, country=country, indicator=indicator, period=str(year), all_vintages=True,
                            threshold=threshold)
    by_source: dict[str, list[ObservationView]] = {}
    for o in obs:
        by_source.setdefault(_label(o), []).append(o)
    out = []
    for a, b in combinations(sorted(by_source), 2):
        oa, ob = by_source[a], by_source[b]
        ca, cb = Concept.of(oa[0]), Concept.of(ob[0])
        diffs = [{"aspect": k, "detail": v} for k, v in differences(ca, cb)]
        ba, bb = _breakdowns(oa), _breakdowns(ob)
        if ba != bb:
            diffs.append({"aspect": "breakdown", "detail": N_("{a} vs {b}", a=", ".join(sorted(ba)) or N_("totals only"),
                                                              b=", ".join(sorted(bb)) or N_("totals only"))})
        ta, tb = _total(oa), _total(ob)
        evidence: list[str] = []
        data_diff = False
        if ta is None or tb is None:
            detail = N_("no comparable total in one of the sources")
        elif ta.high < tb.low or tb.high < ta.low:
            data_diff = True
            gap = min(abs(tb.low - ta.high), abs(ta.low - tb.high))
            if ta.low == ta.high and tb.low == tb.high:  # both exact: the difference is known, not a bound
                detail = N_("totals {a} vs {b}: {gap} more in {source}", a=str(ta), b=str(tb), gap=_count(gap),
                            source=a if ta.low > tb.low else b)
            else:
                detail = N_("totals {a} vs {b}: at least {gap} apart", a=str(ta), b=str(tb), gap=_count(gap))
        else:
            detail = N_("totals {a} vs {b}: consistent (within censoring)", a=str(ta), b=str(tb))
        # Align on common breakdown cells: do the sources agree where they describe the same sub-population?
        common = {(o.sex, o.age_group, o.citizenship, o.exploitation) for o in oa} & \
                 {(o.sex, o.age_group, o.citizenship, o.exploitation) for o in ob}
        for cell in sorted(common - {TOTAL}):
            va = next((o.value for o in oa if (o.sex, o.age_group, o.citizenship, o.exploitation) == cell), None)
            vb = next((o.value for o in ob if (o.sex, o.age_group, o.citizenship, o.exploitation) == cell), None)
            if va is not None and vb is not None and va != vb:
                evidence.append(N_("{cell}: {a} vs {b}", cell="/".join(c for c in cell if c != "total"), a=_count(va),
                                   b=_count(vb)))
                data_diff = True
        revision = oa[0].source_key == ob[0].source_key
        concept = bool(diffs)
        verdict = "both" if concept and data_diff else "different concepts" if concept else \
            "different data" if data_diff else "consistent"
        if revision and data_diff and not concept:
            evidence.insert(0, N_("same source, another vintage: a revision of the data, not a change of concept"))
        out.append(PairExplanation(a, b, verdict, diffs, str(ta) if ta else None, str(tb) if tb else None, detail,
                                   revision, evidence))
    return out

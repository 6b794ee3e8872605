"""Targets and results (the 4W/5W "how many"): per initiative, indicator and period, the baseline, the
target and the actual, by sex and age where given; progress against targets, and initiatives that stopped
reporting. Results come from HXL rows (#targeted / #reached, in people), IATI results or the web form."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.permissions import allowed
from palermo.auth.roles import Principal
from palermo.coordination.models import Initiative, Result
from palermo.db.base import utcnow
from palermo.errors import Problem, ValidationError
from palermo.messages import N_

PEOPLE = "people"  # the indicator of HXL's #targeted / #reached: counts of people
SEXES = {"": "", "female": "female", "f": "female", "male": "male", "m": "male", "total": ""}
AGES = ("infants", "children", "adolescents", "adults", "elderly")


@dataclass
class ResultSpec:
    """One indicator for one period (and sex and age group) as a file or form gives it."""

    indicator: str
    period_start: date | None
    period_end: date | None
    baseline: float | None = None
    target: float | None = None
    actual: float | None = None
    sex: str = ""
    age: str = ""
    people: bool = False
    where: str = ""  # the line or element it came from, for messages
    line: int | None = None
    origin: str = "form"  # hxl / iati / form


def validate_result(r: ResultSpec) -> list[Problem]:
    out: list[Problem] = []
    where = f"{r.where}: " if r.where else ""
    if not r.indicator.strip():
        out.append(Problem(N_("{where}result without an indicator title", where=where), line=r.line, field="indicator"))
    if r.period_start is None or r.period_end is None:
        out.append(Problem(N_("{where}result without a period; give its start and end dates", where=where), line=r.line,
                           field="period"))
    elif r.period_end < r.period_start:
        out.append(Problem(N_("{where}period ends {period_end} before it starts {period_start}",
                              where=where, period_end=r.period_end, period_start=r.period_start), line=r.line,
                           field="period"))
    if r.sex not in SEXES:
        out.append(Problem(N_("{where}unknown sex; use female or male (or leave empty for everyone)", where=where), line=r.line,
                           field="sex", value=r.sex))
    if r.age and r.age not in AGES:
        out.append(Problem(N_("{where}unknown age group; use one of {ages}", where=where, ages=', '.join(AGES)), line=r.line, field="age",
                           value=r.age))
    for name in ("baseline", "target", "actual"):
        v = getattr(r, name)
        if v is not None and v < 0:
            out.append(Problem(N_("{where}{name} is negative", where=where, name=name), line=r.line, field=name, value=v))
    if r.baseline is None and r.target is None and r.actual is None:
        out.append(Problem(N_("{where}result with neither baseline, target nor actual", where=where), line=r.line, field="value"))
    return out


def to_row(r: ResultSpec) -> Result:
    return Result(indicator=r.indicator.strip(), people=r.people, period_start=r.period_start, period_end=r.period_end,
                  sex=SEXES[r.sex], age=r.age, baseline=r.baseline, target=r.target, actual=r.actual, origin=r.origin)


@dataclass
class Progress:
    """Where an indicator stands in its latest period with a target."""

    indicator: str
    people: bool
    period_start: date
    period_end: date
    target: float | None
    actual: float | None
    by_sex: dict[str, dict[str, float | None]]
    withheld: tuple[str, ...] = ()  # "target" / "actual": a count below the disclosure threshold is not shown

    @property
    def share(self) -> float | None:
        return self.actual / self.target if self.target and self.actual is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share": self.share}


def _total(rows: list[Result], field: str) -> float | None:
    """The total for everyone: the undisaggregated row if given, else the sum over sexes, else over ages."""
    for pick in (lambda r: not r.sex and not r.age, lambda r: bool(r.sex) and not r.age,
                 lambda r: not r.sex and bool(r.age), lambda r: True):
        values = [getattr(r, field) for r in rows if pick(r) and getattr(r, field) is not None]
        if values:
            return float(sum(values))
    return None


def progress(i: Initiative) -> list[Progress]:
    """Each indicator of an initiative against its target; people first.

    Where a period carries both a target and an actual (IATI), the latest such period is shown. Where
    targets are set for the whole initiative and actuals reported per period (a 4W sheet's monthly
    "reached"), the actuals of the periods within the target's period are added up."""
    by_indicator: dict[str, list[Result]] = defaultdict(list)
    for r in i.results:
        if r.target is not None or r.actual is not None:
            by_indicator[r.indicator].append(r)
    out = []
    for name, rows in by_indicator.items():
        periods: dict[tuple[date, date], list[Result]] = defaultdict(list)
        for r in rows:
            periods[(r.period_start, r.period_end)].append(r)
        both = [k for k, v in periods.items() if any(r.target is not None for r in v) and any(r.actual is not None for r in v)]
        with_target = [k for k, v in periods.items() if any(r.target is not None for r in v)]
        if both:
            (start, end) = max(both, key=lambda k: k[1])
            targets = actuals = periods[(start, end)]
        elif with_target:
            (start, end) = max(with_target, key=lambda k: k[1])
            targets = periods[(start, end)]
            actuals = [r for (s, e), v in periods.items() if start <= s and e <= end for r in v if r.actual is not None]
        else:
            (start, end) = max(periods, key=lambda k: k[1])
            targets, actuals = [], [r for r in rows if r.actual is not None]
        sexes = sorted({r.sex for r in targets + actuals if r.sex})
        out.append(Progress(name, any(r.people for r in rows), start, end, _sum(targets, "target"), _sum(actuals, "actual"),
                            {sex: {"target": _sum([r for r in targets if r.sex == sex], "target"),
                                   "actual": _sum([r for r in actuals if r.sex == sex], "actual")} for sex in sexes}))
    return sorted(out, key=lambda p: (not p.people, p.indicator))


def _sum(rows: list[Result], field: str) -> float | None:
    """Totals per period (see ``_total``), added up over periods."""
    per: dict[tuple[date, date], list[Result]] = defaultdict(list)
    for r in rows:
        per[(r.period_start, r.period_end)].append(r)
    values = [v for group in per.values() if (v := _total(group, field)) is not None]
    return float(sum(values)) if values else None


def headline(i: Initiative) -> Progress | None:
    """The figure to show for an initiative: people reached against people targeted, else its first indicator."""
    found = progress(i)
    return found[0] if found else None


def sees_true_counts(principal: Principal, i: Initiative) -> bool:
    """Staff of the organisations taking part in an initiative see its counts of people as reported, and so
    do those who may edit the registry (they enter such figures); every other reader (viewers, visitors)
    sees them under disclosure control (rules table: ``coordination.true_counts``, ``coordination.edit``)."""
    if principal.is_system or allowed(principal, "coordination.edit"):
        return True
    orgs = {p.actor.organisation_id for p in i.participants if p.actor.organisation_id is not None}
    return any(allowed(principal, "coordination.true_counts", org) for org in orgs)


def protect(found: list[Progress], threshold: int) -> list[Progress]:
    """Counts of people in (0, threshold) withheld. When one sex's figure is withheld, so are the other
    sexes' (the total minus the rest would give it back), and a withheld total takes its breakdown with it."""

    def small(v: float | None) -> bool:
        return v is not None and 0 < v < threshold

    out = []
    for p in found:
        if not p.people:
            out.append(p)
            continue
        by_sex = {sex: dict(v) for sex, v in p.by_sex.items()}
        withheld = []
        for name in ("target", "actual"):
            if small(getattr(p, name)) or any(small(v[name]) for v in by_sex.values()):
                for v in by_sex.values():
                    v[name] = None
                withheld.append(name)
        out.append(replace(p, target=None if small(p.target) else p.target,
                           actual=None if small(p.actual) else p.actual, by_sex=by_sex, withheld=tuple(withheld)))
    return out


def progress_for(principal: Principal, i: Initiative, threshold: int) -> list[Progress]:
    """:func:`progress` as this reader may see it."""
    found = progress(i)
    return found if sees_true_counts(principal, i) else protect(found, threshold)


def headline_for(principal: Principal, i: Initiative, threshold: int) -> Progress | None:
    found = progress_for(principal, i, threshold)
    return found[0] if found else None


def results_for(principal: Principal, i: Initiative) -> list[Result]:
    """The figures as reported, period by period: for the organisations taking part only. Anyone else could
    subtract the visible periods and breakdowns from a visible total, so they see the progress alone."""
    return list(i.results) if sees_true_counts(principal, i) else []


def last_reported(i: Initiative) -> date | None:
    """End of the latest period for which the initiative reported an actual."""
    return max((r.period_end for r in i.results if r.actual is not None), default=None)


def stopped_reporting(i: Initiative, today: date | None = None) -> bool:
    """An initiative under way that reported results once, but whose latest actual is older than its update
    interval: like a statistics source past its due date. (One that never reported results has not stopped.)"""
    today = today or date.today()
    last = last_reported(i)
    if last is None or i.status != "active" or (i.end and i.end < today):
        return False
    return last + timedelta(days=i.update_every_days) < today


def add_results(session: Session, principal: Principal, ref: str, specs: list[ResultSpec]) -> Initiative:
    """Record targets or results of an initiative (the web form, the API): all or none, each problem named."""
    from palermo.coordination.initiatives import get_initiative

    principal.require("analyst", "admin", action=N_("edit the coordination registry"))
    initiative = get_initiative(session, ref)
    problems = [p for r in specs for p in validate_result(r)]
    if problems:
        raise ValidationError(N_("{n_problems} problem(s); nothing was saved", n_problems=len(problems)), problems)
    initiative.results.extend(to_row(r) for r in specs)
    initiative.updated_at, initiative.updated_by = utcnow(), principal.username
    session.flush()
    audit.record(session, principal, "coord.results.add", "coord_initiative", initiative.id, details={"count": len(specs)})
    return initiative

"""Estimate the hidden number of victims from the overlap of several agencies' lists.

:func:`estimate_population` runs the whole method on a :class:`CaptureHistories` table: lists that
carry no information are merged or dropped (with the reason), two-list interactions are chosen by a
stated criterion, the chosen model is checked for existence and identifiability, and an interval is
computed (profile likelihood, or a parametric or BCa bootstrap that re-runs the model choice).

    >>> from palermo.estimation import CaptureHistories, estimate_population
    >>> h = CaptureHistories.from_overlap({("NGO",): 60, ("POLICE",): 80, ("NGO", "POLICE"): 20,
    ...                                    ("LABOUR",): 30, ("LABOUR", "POLICE"): 6, ("LABOUR", "NGO"): 5})
    >>> r = estimate_population(h)
    >>> r.observed, round(r.estimate) > r.observed
    (201, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from palermo.errors import NextStep, Problem, ValidationError
from palermo.estimation.averaging import Average, average_models
from palermo.estimation.histories import CaptureHistories, ListChange
from palermo.estimation.intervals import Interval, bca_interval, bootstrap_interval, profile_interval, wald_interval
from palermo.estimation.loglinear import Pair, build_design, check_model, statsmodels_fit, term_name
from palermo.estimation.selection import CRITERIA, DEFAULT_PTHRESH, Selection, Step, fixed_model, stepwise
from palermo.messages import N_, Figure, Message, verbatim

DEFAULT_CRITERION = "bic"
METHOD = "MSE"
METHOD_LONG = "multiple systems estimation, Poisson log-linear model (main effects + selected two-list interactions)"
SMALL_LIST = 10  # lists with fewer people than this make estimates fragile
# parametric: Poisson tables drawn from the fitted model, percentile interval;
# bca: the observed people resampled, bias-corrected and accelerated interval (Chan, Silverman & Vincent 2021)
BOOTSTRAP_METHODS = ("parametric", "bca")


def bootstrap_method_for(method: str, replicates: int) -> str:
    """The bootstrap method, normalised and checked (once, for the CLI, the web and the API alike)."""
    name = method.strip().lower()
    if name not in BOOTSTRAP_METHODS:
        raise ValidationError(N_("unknown bootstrap method {method!r}; use one of {bootstrap_methods}",
                                 method=method, bootstrap_methods=', '.join(BOOTSTRAP_METHODS)),
                              [Problem(N_("unknown bootstrap method"), field="bootstrap_method", value=method)])
    if name != "parametric" and not replicates:
        raise ValidationError(N_("the {name} bootstrap needs replicates: ask for some (e.g. 200); with none the "
                                 "interval is the profile likelihood",
                                 name=name), next_step=NextStep("bootstrap_replicates", {"replicates": "200"}))
    return name


@dataclass
class EstimateResult:
    """Everything an estimate needs to be read honestly: method, model, lists, interval, warnings."""

    method: str
    criterion: str
    lists: list[str]
    changes: list[ListChange]
    terms: list[str]
    non_overlapping_terms: list[str]
    observed: int
    dark_figure: float
    estimate: float
    lower: float
    upper: float
    confidence: float
    interval_method: str
    profile: Interval
    bootstrap: Interval | None
    warnings: list[str]
    steps: list[Step]
    refused: dict[str, str]
    aic: float
    bic: float
    deviance: float
    df_resid: int
    coefficients: dict[str, dict[str, float]]
    list_totals: dict[str, int]
    pthresh: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def interval_text(self) -> str:
        up = "unbounded" if math.isinf(self.upper) else f"{self.upper:,.0f}"
        return f"{self.lower:,.0f} – {up}"

    def summary(self) -> str:
        return (f"{self.observed:,} observed on {len(self.lists)} lists; estimated total {self.estimate:,.0f} "
                f"({self.confidence:.0%} interval {self.interval_text()})")

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if math.isinf(x) or math.isnan(x) else round(x, 2)

        return {
            "method": self.method,
            "method_description": METHOD_LONG,
            "criterion": self.criterion,
            "pthresh": self.pthresh,
            "lists": self.lists,
            "list_totals": self.list_totals,
            "changes": [c.to_dict() for c in self.changes],
            "model_terms": self.terms,
            "non_overlapping_terms": self.non_overlapping_terms,
            "observed": self.observed,
            "dark_figure": num(self.dark_figure),
            "estimate": num(self.estimate),
            "lower": num(self.lower),
            "upper": num(self.upper),
            "confidence": self.confidence,
            "interval_method": self.interval_method,
            "profile_interval": [num(self.profile.lower), num(self.profile.upper)],
            "bootstrap": None if self.bootstrap is None else {
                "lower": num(self.bootstrap.lower), "upper": num(self.bootstrap.upper), **self.bootstrap.details},
            "warnings": self.warnings,
            "selection_steps": [s.to_dict() for s in self.steps],
            "refused_terms": self.refused,
            "fit": {"aic": num(self.aic), "bic": num(self.bic), "deviance": num(self.deviance),
                    "df_resid": self.df_resid},
            "coefficients": self.coefficients,
            "model_average": self.extra.get("model_average"),
        }


def estimate_population(
    histories: CaptureHistories,
    *,
    criterion: str = DEFAULT_CRITERION,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 2000,
    pthresh: float = DEFAULT_PTHRESH,
    terms: Sequence[str] | None = None,
    merge: Sequence[Sequence[str]] = (),
    progress: Callable[[int], None] | None = None,
    bootstrap_method: str = "parametric",
) -> EstimateResult:
    """Estimate the total population (observed + dark figure) with an interval.

    ``criterion`` is ``aic``, ``bic`` or ``pvalue`` (SparseMSE's stepwise rule with ``pthresh``), or
    ``average`` (BIC-weighted model averaging; ``terms`` then reports the heaviest model);
    ``terms`` fixes the interactions instead (e.g. ``["LA:NG"]``); ``merge`` lists groups of lists to
    merge first (e.g. ``[["PF", "NCA"]]``); ``bootstrap`` > 0 gives a bootstrap interval with that many
    replicates, otherwise the profile-likelihood interval is reported; ``bootstrap_method`` is
    ``parametric`` (Poisson tables from the fitted model, percentile interval) or ``bca`` (the observed
    people resampled, BCa interval as Chan, Silverman & Vincent 2021).
    """
    if criterion not in CRITERIA:
        raise ValidationError(N_("unknown criterion {criterion!r}; use one of {criteria}",
                                 criterion=criterion, criteria=', '.join(CRITERIA)),
                              [Problem(N_("unknown criterion"), field="criterion", value=criterion)])
    if not 0.5 <= confidence < 1:
        raise ValidationError(N_("confidence must be between 0.5 and 1 (e.g. 0.95), got {confidence}",
                                 confidence=confidence))
    if not 0 < pthresh < 1:
        raise ValidationError(N_("the p-value threshold must be between 0 and 1 (e.g. 0.02), got {pthresh}",
                                 pthresh=pthresh))
    bootstrap_method = bootstrap_method_for(bootstrap_method, bootstrap)
    if bootstrap < 0 or bootstrap > 10_000:
        raise ValidationError(N_("bootstrap replicates must be between 0 and 10,000, got {bootstrap}",
                                 bootstrap=bootstrap))
    h = histories
    for group in merge:
        h = h.merge(list(group), reason="merged on request")
    h = h.without_uninformative_lists()
    if h.m < 2:
        raise ValidationError(
            N_("after removing lists that carry no information ({map}) fewer than two lists remain; MSE needs at "
               "least two lists with some people in common and some not",
               map='; '.join(map(str, h.changes))),
            [Problem(verbatim(str(c))) for c in h.changes])
    average = None
    if terms:
        selection = fixed_model(h, _parse_terms(h, terms))
    elif criterion == "average":
        _require_main_effects(h)
        average = average_models(h, confidence)
        top = average.models[0]
        selection = Selection(top.fit, list(top.pairs), "average", fits=len(average.models))
    else:
        _require_main_effects(h)
        selection = stepwise(h, criterion, pthresh)
    check = check_model(selection.fit.design)
    if not check.ok:
        raise ValidationError(_failure_message(h, selection.pairs, check.exists),
                              [Problem(s) for s in _repairs(h, selection.pairs)])
    return _result(h, selection, criterion if not terms else "fixed", bootstrap, confidence, seed, pthresh, progress,
                   average, bootstrap_method)


def _result(h: CaptureHistories, sel: Selection, criterion: str, bootstrap: int, confidence: float, seed: int,
            pthresh: float, progress: Callable[[int], None] | None, average: Average | None = None,
            bootstrap_method: str = "parametric") -> EstimateResult:
    fit = sel.fit
    observed = h.observed
    dark = fit.dark_figure if average is None else average.estimate - observed
    try:
        profile = profile_interval(fit, observed, confidence)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        profile = wald_interval(fit, observed, confidence)
    boot = None
    if bootstrap:
        def reestimate(replicate: CaptureHistories) -> float:
            r = replicate.without_uninformative_lists()
            if r.m < 2:
                raise ValidationError(N_("fewer than two informative lists in a bootstrap replicate"))
            if criterion == "fixed":
                if r.lists != h.lists:
                    raise ValidationError(N_("a list lost all its people in a bootstrap replicate"))
                s = fixed_model(r, sel.pairs)
            elif criterion == "average":
                _require_main_effects(r)
                return average_models(r, confidence).estimate
            else:
                _require_main_effects(r)
                s = stepwise(r, criterion, pthresh)
            return r.observed + s.fit.dark_figure

        if bootstrap_method == "bca":
            boot = bca_interval(h, observed + dark, reestimate, bootstrap, confidence, seed, progress)
        else:
            boot = bootstrap_interval(fit, h, reestimate, bootstrap, confidence, seed, progress)
    chosen = boot or profile
    if average is not None and boot is None:
        chosen = Interval(average.lower, average.upper,
                          f"BIC-weighted average over {len(average.models)} models (mixture of the models' normal "
                          "intervals for the log dark figure)", confidence)
    sm = statsmodels_fit(fit.design)
    names = fit.design.columns
    coefficients = {n: {"coef": round(float(c), 6), "se": round(float(s), 6)}
                    for n, c, s in zip(names, sm.params, sm.bse)}
    non_overlapping = [term_name(h.lists, p) for p in fit.design.empty_pairs]
    result = EstimateResult(
        method=METHOD, criterion=criterion, lists=list(h.lists), changes=list(h.changes),
        terms=[term_name(h.lists, p) for p in sel.pairs], non_overlapping_terms=non_overlapping,
        observed=observed, dark_figure=dark, estimate=observed + dark, lower=chosen.lower, upper=chosen.upper,
        confidence=confidence, interval_method=chosen.method, profile=profile, bootstrap=boot, warnings=[],
        steps=sel.steps, refused=sel.refused, aic=fit.aic(), bic=fit.bic(observed), deviance=fit.deviance,
        df_resid=fit.df_resid, coefficients=coefficients, list_totals=h.list_totals(),
        pthresh=pthresh if criterion == "pvalue" else None)
    if average is not None:
        result.extra["model_average"] = {"models": len(average.models), "top": average.top(h.lists),
                                         "candidate_terms": [term_name(h.lists, p) for p in average.candidates]}
    result.warnings = _warnings(h, result)
    return result


def _warnings(h: CaptureHistories, r: EstimateResult) -> list[str]:
    """What to keep in mind about the estimate, each an ``N_`` sentence (a page says it in its reader's language)."""
    out: list[str] = [str(c) for c in h.changes]
    if h.m == 2:
        out.append(N_("only two lists: the two lists are assumed independent (Lincoln-Petersen); no dependence between "
                      "them can be estimated, and positive dependence makes the estimate too low — add a third list"))
    for name, total in r.list_totals.items():
        if total < SMALL_LIST:
            out.append(N_("list {name} has only {total} people; the estimate is sensitive to it — consider merging it "
                          "with a list of the same kind of agency", name=name, total=Figure(total)))
    ov = h.pair_overlaps()
    empty = [term_name(h.lists, p) for p, v in ov.items() if v == 0]
    if empty:
        out.append(N_("{n} pair(s) of lists share nobody ({pairs}); sparse overlaps make the model choice fragile",
                      n=len(empty), pairs=", ".join(empty[:8]) + (" …" if len(empty) > 8 else "")))
    for term, why in r.refused.items():
        out.append(N_("interaction {term} was not added: {why}", term=term, why=why))
    if r.dark_figure > 10 * r.observed:
        out.append(N_("the estimated number missed is more than ten times the number observed ({missed} vs "
                      "{observed}); treat it as very uncertain", missed=Figure(round(r.dark_figure)),
                      observed=Figure(r.observed)))
    if math.isinf(r.upper):
        out.append(N_("the data do not bound the upper end of the interval"))
    if r.bootstrap is None and r.criterion == "average":
        out.append(N_("the averaged interval covers the models built from the interactions AIC's search added; use a "
                      "bootstrap (200 replicates, say) to include that search too"))
    elif r.bootstrap is None:
        out.append(N_("the interval is conditional on the chosen model; use a bootstrap (1,000 replicates, say) to "
                      "include the uncertainty of the model choice"))
    elif r.bootstrap.details.get("failed"):
        out.append(N_("{failed} bootstrap replicate(s) had no estimable model and were left out",
                      failed=r.bootstrap.details["failed"]))
    if r.bootstrap is not None and "levels" in r.bootstrap.details:
        used = int(r.bootstrap.details["replicates"]) - int(r.bootstrap.details["failed"])  # type: ignore[call-overload]
        for end, level in zip(("lower", "upper"), r.bootstrap.details["levels"]):  # type: ignore[call-overload]
            if min(level, 1 - level) * used < 1:  # the BCa correction moved this end past the replicates' range
                quantile = f"{level:.2g}"
                said = (N_("the BCa lower end is the {level} quantile of {used} replicates, i.e. the most extreme "
                           "replicate: it moves with the seed; compare other seeds or more replicates before quoting it",
                           level=quantile, used=used) if end == "lower" else
                        N_("the BCa upper end is the {level} quantile of {used} replicates, i.e. the most extreme "
                           "replicate: it moves with the seed; compare other seeds or more replicates before quoting it",
                           level=quantile, used=used))
                out.append(said)
    return out


def _parse_terms(h: CaptureHistories, terms: Sequence[str]) -> list[Pair]:
    pairs: list[Pair] = []
    problems: list[Problem] = []
    for t in terms:
        parts = [x.strip() for x in t.replace("*", ":").split(":")]
        if len(parts) != 2 or any(p not in h.lists for p in parts) or parts[0] == parts[1]:
            problems.append(Problem(N_("a term is two different lists joined by ':', e.g. {lists}:{lists2}; lists "
                                       "are {lists3}",
                                       lists=h.lists[0], lists2=h.lists[1], lists3=', '.join(h.lists)), field="terms", value=t))
            continue
        i, j = sorted(h.lists.index(p) for p in parts)
        if (i, j) not in pairs:
            pairs.append((i, j))
    if problems:
        raise ValidationError(N_("unknown model term(s)"), problems)
    return sorted(pairs)


def _require_main_effects(h: CaptureHistories) -> None:
    design = build_design(h, [])
    check = check_model(design)
    if check.ok:
        return
    ov = h.pair_overlaps()
    isolated = [name for i, name in enumerate(h.lists) if all(v == 0 for p, v in ov.items() if i in p)]
    problems = [Problem(N_("list {n} shares nobody with any other list: merge it with a related list ({n}+OTHER in "
                           "the lists to merge) or drop it",
                           n=n), field=n) for n in isolated]
    if not problems:
        problems.append(Problem(N_("the lists overlap too little for any log-linear model; merge lists that cover "
                                   "similar people, or collect more overlap (linked records)")))
    raise ValidationError(
        N_("no model is identifiable: even with the lists independent the estimate does not exist (it would be "
           "infinite) because the overlaps between lists are empty or too sparse"), problems)


def _failure_message(h: CaptureHistories, pairs: list[Pair], exists: bool) -> Message:
    names = ", ".join(term_name(h.lists, p) for p in pairs)
    if not names:
        return (N_("the estimate of the model [main effects only] does not exist (it would be infinite) on these data")
                if not exists else N_("the estimate of the model [main effects only] is not identifiable on these data"))
    return (N_("the estimate of the model [{terms}] does not exist (it would be infinite) on these data", terms=names)
            if not exists else N_("the estimate of the model [{terms}] is not identifiable on these data", terms=names))


def _repairs(h: CaptureHistories, pairs: list[Pair]) -> list[str]:
    """Which single interaction to drop so that the model's estimate exists (the brief answer a user needs)."""
    fixes = []
    for p in pairs:
        rest = [q for q in pairs if q != p]
        if check_model(build_design(h, rest)).ok:
            fixes.append(f"drop the interaction {term_name(h.lists, p)}")
    if not fixes:
        fixes.append("drop interactions until the model passes (start with those between small lists), or merge "
                     "small lists; main effects only: "
                     + ("passes" if check_model(build_design(h, [])).ok else "also fails"))
    return fixes

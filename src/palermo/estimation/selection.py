"""Choosing the two-list interactions: forward stepwise selection by a stated criterion.

Start from the main-effects model (lists independent) and add one two-list interaction at a time:

* ``aic`` / ``bic``: the interaction that lowers the criterion most, while any does;
* ``pvalue``: the published stepwise method of Silverman (2014) and Chan, Silverman & Vincent (2021),
  implemented in SparseMSE's ``stepwisefit``: the interaction whose overlap count is least likely
  under the current model (two-sided Poisson p-value of the number of people on both lists), while
  that p-value is below ``pthresh`` (0.02 by default, as in SparseMSE).

In every case a candidate enters only if the estimate of the enlarged model exists and is
identifiable (:func:`palermo.estimation.loglinear.check_model`); candidates refused for that reason
are reported, since they are where a sparse table limits the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import poisson

from palermo.estimation.histories import CaptureHistories
from palermo.estimation.loglinear import Fit, Pair, all_pairs, check_model, fit_model, term_name

STEPWISE = ("aic", "bic", "pvalue")
CRITERIA = STEPWISE + ("average",)  # "average": BIC-weighted model averaging (palermo.estimation.averaging)
DEFAULT_PTHRESH = 0.02


@dataclass(frozen=True)
class Step:
    term: str
    score_before: float
    score_after: float

    def to_dict(self) -> dict[str, object]:
        return {"term": self.term, "before": round(self.score_before, 4), "after": round(self.score_after, 4)}


@dataclass
class Selection:
    """The chosen model, the path that led to it, and the candidates refused as non-existent."""

    fit: Fit
    pairs: list[Pair]
    criterion: str
    steps: list[Step] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # term -> why it could not enter
    fits: int = 0

    def terms(self, lists: tuple[str, ...]) -> list[str]:
        return [term_name(lists, p) for p in self.pairs]


def score(fit: Fit, criterion: str, n_observed: int) -> float:
    return fit.bic(n_observed) if criterion == "bic" else fit.aic()


def stepwise(h: CaptureHistories, criterion: str = "aic", pthresh: float = DEFAULT_PTHRESH,
             max_terms: int | None = None) -> Selection:
    """Forward selection of two-list interactions (see the module docstring for the criteria)."""
    if criterion not in STEPWISE:
        raise ValueError(f"stepwise criterion must be one of {STEPWISE}")
    table = h.full_table()
    current: list[Pair] = []
    fit = fit_model(h, current, table)
    sel = Selection(fit, current, criterion, fits=1)
    candidates = all_pairs(h.m)
    limit = len(candidates) if max_terms is None else max_terms
    while len(current) < limit:
        remaining = [p for p in candidates if p not in current]
        if not remaining:
            break
        if criterion == "pvalue":
            ranked = _rank_by_pvalue(h, sel.fit, remaining, pthresh)
        else:
            ranked = _rank_by_criterion(h, sel, remaining, table)
        accepted = None
        for pair, before, after, cand_fit in ranked:
            if cand_fit is None:
                cand_fit = fit_model(h, current + [pair], table, near=sel.fit)
                sel.fits += 1
            check = check_model(cand_fit.design)
            if check.ok:
                accepted = (pair, before, after, cand_fit)
                break
            sel.refused[term_name(h.lists, pair)] = (
                "the estimate would not exist (a sparse table: some fitted cells would have to be zero)"
                if not check.exists else "the model would not be identifiable")
        if accepted is None:
            break
        pair, before, after, cand_fit = accepted
        current = current + [pair]
        sel.refused.pop(term_name(h.lists, pair), None)
        sel.steps.append(Step(term_name(h.lists, pair), before, after))
        sel.fit, sel.pairs = cand_fit, current
    return sel


def _rank_by_criterion(h: CaptureHistories, sel: Selection, remaining: list[Pair],
                       table: tuple[np.ndarray, np.ndarray]) -> list[tuple[Pair, float, float, Fit | None]]:
    base = score(sel.fit, sel.criterion, h.observed)
    scored = []
    for pair in remaining:
        cand = fit_model(h, sel.pairs + [pair], table, near=sel.fit)
        sel.fits += 1
        s = score(cand, sel.criterion, h.observed)
        if s < base - 1e-9:
            scored.append((pair, base, s, cand))
    scored.sort(key=lambda t: (t[2], t[0]))
    return scored  # type: ignore[return-value]


def _rank_by_pvalue(h: CaptureHistories, fit: Fit, remaining: list[Pair],
                    pthresh: float) -> list[tuple[Pair, float, float, Fit | None]]:
    overlaps = h.pair_overlaps()
    patterns, mu = fit.design.patterns, fit.mu
    ranked: list[tuple[tuple[int, int], float, float, Fit | None]] = []
    for i, j in remaining:
        expected = float(mu[(patterns[:, i] == 1) & (patterns[:, j] == 1)].sum())
        observed = overlaps[(i, j)]
        p = min(float(poisson.cdf(observed, expected)), float(poisson.sf(observed - 1, expected)))
        if p < pthresh:
            ranked.append(((i, j), pthresh, p, None))
    ranked.sort(key=lambda t: (t[2], t[0]))
    return ranked


def fixed_model(h: CaptureHistories, pairs: list[Pair]) -> Selection:
    """A model the user names; no search. Existence is checked by the caller."""
    fit = fit_model(h, pairs)
    return Selection(fit, sorted(pairs), "fixed", fits=1)


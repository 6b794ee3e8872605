"""Model averaging: an estimate that does not bet on one model.

Different models fit sparse MSE tables almost equally well and can give very different totals
(Silverman 2020). Instead of choosing one, every model built from a candidate set of two-list
interactions is fitted and weighted by ``exp(-BIC/2)`` — the usual large-sample approximation to
Bayesian model averaging with unit-information priors. The candidate set is the interactions AIC's
stepwise search adds (at most :data:`MAX_TERMS`, in the order added), so ``2^k`` models at most.

Existence is checked once: if the model with every candidate exists, so does every sub-model
(removing interactions between overlapping lists keeps the extended MLE, Chan et al. 2021), and
AIC's stepwise search only accepts models that exist.

The interval is the mixture of the model-conditional normal intervals for the log dark figure,
weighted like the estimates, so it carries the uncertainty between models as well as within each.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

from palermo.estimation.histories import CaptureHistories
from palermo.estimation.loglinear import Fit, Pair, build_design, check_model, fit_model, term_name
from palermo.estimation.selection import stepwise

MAX_TERMS = 10


@dataclass(frozen=True)
class AveragedModel:
    pairs: tuple[Pair, ...]
    weight: float
    total: float
    fit: Fit


@dataclass(frozen=True)
class Average:
    estimate: float
    lower: float
    upper: float
    models: list[AveragedModel]  # by weight, largest first
    candidates: list[Pair]

    def top(self, lists: tuple[str, ...], k: int = 5) -> list[dict[str, object]]:
        return [{"terms": [term_name(lists, p) for p in m.pairs], "weight": round(m.weight, 4),
                 "estimate": round(m.total, 1)} for m in self.models[:k]]


def average_models(h: CaptureHistories, confidence: float = 0.95) -> Average:
    """BIC-weighted average over all models made of the candidate interactions (see module docstring)."""
    candidates = list(stepwise(h, "aic").pairs)[:MAX_TERMS]
    while candidates and not check_model(build_design(h, candidates)).ok:
        candidates.pop()  # cannot happen after AIC's checked search, kept as a guard for the cap above
    table = h.full_table()
    models: list[tuple[tuple[Pair, ...], Fit, float]] = []
    for k in range(len(candidates) + 1):
        for subset in itertools.combinations(candidates, k):
            fit = fit_model(h, list(subset), table)
            models.append((tuple(sorted(subset)), fit, fit.bic(h.observed)))
    best = min(b for _, _, b in models)
    raw = np.array([math.exp(-(b - best) / 2) for _, _, b in models])
    weights = raw / raw.sum()
    observed = h.observed
    logs, ses = [], []
    for _, fit, _ in models:
        X, mu = fit.design.X, fit.mu
        cov = np.linalg.pinv(X.T @ (X * mu[:, None]))
        logs.append(float(fit.beta[0]))
        ses.append(math.sqrt(max(float(cov[0, 0]), 1e-12)))
    log_d, se = np.array(logs), np.array(ses)
    estimate = observed + float(np.sum(weights * np.exp(log_d)))

    def cdf(log_x: float) -> float:
        return float(np.sum(weights * norm.cdf((log_x - log_d) / se)))

    alpha = (1 - confidence) / 2
    lo_b, hi_b = float(np.min(log_d - 12 * se)), float(np.max(log_d + 12 * se))
    lower = observed + math.exp(brentq(lambda v: cdf(v) - alpha, lo_b, hi_b))
    upper = observed + math.exp(min(brentq(lambda v: cdf(v) - (1 - alpha), lo_b, hi_b), 700.0))
    ranked = sorted((AveragedModel(p, float(w), observed + f.dark_figure, f)
                     for (p, f, _), w in zip(models, weights)), key=lambda m: -m.weight)
    return Average(estimate, lower, upper, ranked, candidates)

"""Confidence intervals for the total population: profile likelihood and parametric bootstrap.

* Profile likelihood (for the chosen model): the dark figure is ``exp(intercept)``; fixing the
  intercept and maximising over the other parameters gives the profile log-likelihood, and the
  interval holds the values whose likelihood-ratio statistic stays below the chi-squared(1) quantile.
  It is conditional on the model chosen, so it understates the uncertainty of the model choice.
* Parametric bootstrap: new tables are drawn from the fitted model (a Poisson count for each capture
  history), and the *whole* procedure, including model selection, is rerun on each; the interval is
  the percentile interval of the re-estimated totals. This accounts for the model choice
  (Chan, Silverman & Vincent 2021, section 3.3; Silverman, Chan & Vincent 2024).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq
from scipy.stats import chi2

from palermo.errors import PalermoError
from palermo.estimation.histories import CaptureHistories
from palermo.estimation.loglinear import Fit, fit_poisson, poisson_loglik


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float  # math.inf when the data cannot bound it
    method: str
    confidence: float
    details: dict[str, object] = field(default_factory=dict)


def profile_interval(fit: Fit, observed: int, confidence: float = 0.95) -> Interval:
    """Profile-likelihood interval for the total (observed + dark figure) under the chosen model."""
    design = fit.design
    X_rest = design.X[:, 1:]
    y = design.counts
    ll_max = fit.loglik
    crit = float(chi2.ppf(confidence, 1))
    b_hat = float(fit.beta[0])

    def excess(b0: float) -> float:
        off = np.full(len(y), b0)
        if X_rest.shape[1]:
            _, mu, _ = fit_poisson(design, offset=off, X=X_rest)
        else:
            mu = np.exp(off)
        return 2 * (ll_max - poisson_loglik(y, mu)) - crit

    def bound(direction: int) -> float | None:
        step, b = 0.25, b_hat
        for _ in range(80):
            nb = b + direction * step
            if excess(nb) > 0:
                return float(brentq(excess, min(b, nb), max(b, nb), xtol=1e-6))
            b, step = nb, step * 1.5
            if direction > 0 and nb > math.log(1e12):
                return None
        return None

    low, high = bound(-1), bound(+1)
    lower = observed + (math.exp(low) if low is not None else 0.0)
    upper = observed + math.exp(high) if high is not None else math.inf
    return Interval(lower, upper, "profile likelihood (conditional on the chosen model)", confidence)


def wald_interval(fit: Fit, observed: int, confidence: float = 0.95) -> Interval:
    """Fallback when the profile cannot be traced: normal interval for log(dark figure) (as SparseMSE's
    ``estimatepopulation.0``), from the inverse Fisher information of the chosen model."""
    from scipy.stats import norm

    X, mu = fit.design.X, fit.mu
    cov = np.linalg.pinv(X.T @ (X * mu[:, None]))
    se = math.sqrt(max(float(cov[0, 0]), 0.0))
    z = float(norm.ppf(0.5 + confidence / 2))
    b = float(fit.beta[0])
    return Interval(observed + math.exp(b - z * se), observed + math.exp(min(b + z * se, 700.0)),
                    "Wald interval on the log dark figure (conditional on the chosen model)", confidence)


def bootstrap_interval(fit: Fit, h: CaptureHistories, reestimate: Callable[[CaptureHistories], float],
                       replicates: int, confidence: float = 0.95, seed: int = 2000,
                       progress: Callable[[int], None] | None = None) -> Interval:
    """Parametric bootstrap with the model selection rerun on every replicate (percentile interval)."""
    rng = np.random.default_rng(random.Random(seed).getrandbits(64))
    patterns, mu = _all_cell_means(fit, h)
    totals: list[float] = []
    failures = 0
    for k in range(replicates):
        draw = rng.poisson(mu)
        counts = {tuple(int(b) for b in p): int(c) for p, c in zip(patterns, draw) if c > 0}
        try:
            replicate = CaptureHistories(h.lists, counts)
            totals.append(float(reestimate(replicate)))
        except PalermoError:
            failures += 1  # a replicate on which no model exists (possible with very sparse tables)
        if progress:
            progress(k + 1)
    if len(totals) < max(10, replicates // 2):
        raise PalermoError(
            f"the bootstrap failed on {failures} of {replicates} replicates: the table is too sparse for a "
            "bootstrap interval; use the profile-likelihood interval (--bootstrap 0) or merge small lists")
    alpha = (1 - confidence) / 2
    arr = np.array(totals)
    lower, upper = (float(x) for x in np.quantile(arr, [alpha, 1 - alpha]))
    return Interval(lower, upper, "parametric bootstrap, model re-selected in each replicate (percentile)",
                    confidence, {"replicates": replicates, "failed": failures,
                                 "median": float(np.median(arr)), "seed": seed})


def _all_cell_means(fit: Fit, h: CaptureHistories) -> tuple[np.ndarray, np.ndarray]:
    """Fitted means for every observable cell; cells left out for non-overlapping pairs get zero."""
    patterns, _ = h.full_table()
    index = {tuple(int(b) for b in p): i for i, p in enumerate(patterns)}
    mu = np.zeros(len(patterns))
    for p, m in zip(fit.design.patterns, fit.mu):
        mu[index[tuple(int(b) for b in p)]] = m
    return patterns, mu

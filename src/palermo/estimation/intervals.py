"""Confidence intervals for the total population: profile likelihood and parametric bootstrap.

* Profile likelihood (for the chosen model): the dark figure is ``exp(intercept)``; fixing the
  intercept and maximising over the other parameters gives the profile log-likelihood, and the
  interval holds the values whose likelihood-ratio statistic stays below the chi-squared(1) quantile.
  It is conditional on the model chosen, so it understates the uncertainty of the model choice.
* Parametric bootstrap: new tables are drawn from the fitted model (a Poisson count for each capture
  history), and the *whole* procedure, including model selection, is rerun on each; the interval is
  the percentile interval of the re-estimated totals. This accounts for the model choice
  (Chan, Silverman & Vincent 2021, section 3.3; Silverman, Chan & Vincent 2024).
* BCa bootstrap (Chan, Silverman & Vincent 2021, section 3.3): the observed people are resampled
  (multinomial over the observed capture histories), the whole procedure is rerun on each replicate,
  and the percentile levels are corrected for the bias and skewness of the re-estimated totals
  (Efron 1987); the acceleration comes from a delete-one jackknife, in which deleting any one of the
  people with the same capture history gives the same table, so one refit per distinct history does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq
from scipy.stats import chi2, norm

from palermo.errors import NextStep, PalermoError
from palermo.estimation.histories import CaptureHistories
from palermo.estimation.loglinear import Fit, fit_poisson, poisson_loglik
from palermo.messages import N_


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
    rng = _rng(seed)
    patterns, mu = _all_cell_means(fit, h)

    def draw() -> dict[tuple[int, ...], int]:
        return {tuple(int(b) for b in p): int(c) for p, c in zip(patterns, rng.poisson(mu)) if c > 0}

    arr, failures = _replicate_totals(h, draw, reestimate, replicates, progress)
    alpha = (1 - confidence) / 2
    lower, upper = (float(x) for x in np.quantile(arr, [alpha, 1 - alpha]))
    return Interval(lower, upper, "parametric bootstrap, model re-selected in each replicate (percentile)",
                    confidence, {"replicates": replicates, "failed": failures,
                                 "median": float(np.median(arr)), "seed": seed})


def bca_interval(h: CaptureHistories, point: float, reestimate: Callable[[CaptureHistories], float],
                 replicates: int, confidence: float = 0.95, seed: int = 2000,
                 progress: Callable[[int], None] | None = None) -> Interval:
    """Nonparametric BCa bootstrap with the model selection rerun on every replicate.

    Resampling the observed people needs no fitted model, so the interval does not lean on the chosen
    model being right; the bias correction and acceleration correct the percentile interval for the
    skewed, biased distribution of the re-estimated total (Chan, Silverman & Vincent 2021, section 3.3).
    ``point`` is the estimate from the data; ``reestimate`` reruns the whole procedure on a table.
    """
    acceleration = _jackknife_acceleration(h, reestimate)  # first: a failure here should not cost the replicates
    rng = _rng(seed)
    patterns = list(h.counts)
    probs = np.array([h.counts[p] for p in patterns], dtype=float) / h.observed

    def draw() -> dict[tuple[int, ...], int]:
        return {p: int(c) for p, c in zip(patterns, rng.multinomial(h.observed, probs)) if c > 0}

    arr, failures = _replicate_totals(h, draw, reestimate, replicates, progress)
    z0 = _bias_correction(arr, point)
    alpha = (1 - confidence) / 2
    levels = [_bca_level(z0, acceleration, float(norm.ppf(q))) for q in (alpha, 1 - alpha)]
    lower, upper = (float(x) for x in np.quantile(arr, levels))
    return Interval(lower, upper, "BCa bootstrap (multinomial resampling of the observed people, model re-selected "
                    "in each replicate; Chan, Silverman & Vincent 2021)", confidence,
                    {"replicates": replicates, "failed": failures, "median": float(np.median(arr)), "seed": seed,
                     "z0": z0, "acceleration": acceleration, "levels": levels})


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(random.Random(seed).getrandbits(64))


def _replicate_totals(h: CaptureHistories, draw: Callable[[], dict[tuple[int, ...], int]],
                      reestimate: Callable[[CaptureHistories], float], replicates: int,
                      progress: Callable[[int], None] | None) -> tuple[np.ndarray, int]:
    """Re-estimate the total on ``replicates`` drawn tables; replicates with no model are counted and skipped."""
    totals: list[float] = []
    failures = 0
    for k in range(replicates):
        try:
            replicate = CaptureHistories(h.lists, draw())
            totals.append(float(reestimate(replicate)))
        except PalermoError:
            failures += 1  # a replicate on which no model exists (possible with very sparse tables)
        if progress:
            progress(k + 1)
    if len(totals) < max(10, replicates // 2):
        raise PalermoError(
            N_("the bootstrap failed on {failures} of {replicates} replicates: the table is too sparse for a "
               "bootstrap interval; use the profile-likelihood interval (no bootstrap replicates) or merge small "
               "lists",
               failures=failures, replicates=replicates))
    return np.array(totals), failures


def _bias_correction(totals: np.ndarray, point: float) -> float:
    """z0 = Φ⁻¹(share of replicates below the estimate, ties counted half), kept finite when all lie on one side."""
    b = len(totals)
    ties = np.isclose(totals, point, rtol=1e-9, atol=0.0)
    share = (np.sum((totals < point) & ~ties) + 0.5 * np.sum(ties)) / b
    return float(norm.ppf(np.clip(share, 1 / (2 * b), 1 - 1 / (2 * b))))


def _bca_level(z0: float, acceleration: float, z: float) -> float:
    """Percentile level that BCa puts in place of Φ(z) (Efron 1987)."""
    w = z0 + z
    denominator = 1 - acceleration * w
    if denominator <= 0:  # beyond the pole of the correction: the level has run off to the end it moves towards
        return 1.0 if acceleration > 0 else 0.0
    return float(norm.cdf(z0 + w / denominator))


def _jackknife_acceleration(h: CaptureHistories, reestimate: Callable[[CaptureHistories], float]) -> float:
    """BCa acceleration from the delete-one jackknife: one refit per distinct observed history, weighted by its count."""
    weights, values = [], []
    for pattern, count in h.counts.items():
        reduced = {p: c - (p == pattern) for p, c in h.counts.items() if c - (p == pattern) > 0}
        try:
            values.append(float(reestimate(CaptureHistories(h.lists, reduced))))
        except PalermoError as exc:
            who = "the only person" if count == 1 else f"one of the {count} people"
            on = ", ".join(name for name, bit in zip(h.lists, pattern) if bit)
            raise PalermoError(
                N_("the BCa jackknife failed: with {who} on lists {on} (capture history {map}) left out, no model "
                   "can be estimated ({exc}); merge small lists or use the percentile (parametric) bootstrap",
                   who=who, on=on, map=''.join(map(str, pattern)), exc=exc), next_step=NextStep("merge_or_parametric")) from exc
        weights.append(count)
    n, theta = np.array(weights, dtype=float), np.array(values)
    d = float(np.sum(n * theta) / np.sum(n)) - theta
    spread = float(np.sum(n * d**2))
    return float(np.sum(n * d**3) / (6 * spread**1.5)) if spread > 0 else 0.0


def _all_cell_means(fit: Fit, h: CaptureHistories) -> tuple[np.ndarray, np.ndarray]:
    """Fitted means for every observable cell; cells left out for non-overlapping pairs get zero."""
    patterns, _ = h.full_table()
    index = {tuple(int(b) for b in p): i for i, p in enumerate(patterns)}
    mu = np.zeros(len(patterns))
    for p, m in zip(fit.design.patterns, fit.mu):
        mu[index[tuple(int(b) for b in p)]] = m
    return patterns, mu

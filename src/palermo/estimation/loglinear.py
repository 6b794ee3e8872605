"""Poisson log-linear models of capture histories, and the check that their estimate exists.

A model has main effects for every list plus a chosen set of two-list interactions (a pair ``(i, j)``
says that being on list i makes being on list j more or less likely). The dark figure, the expected
number of people on no list, is ``exp(intercept)``.

Pairs of lists that share nobody ("non-overlapping", common in trafficking data) are handled as in
Chan, Silverman & Vincent (2021): putting such a pair in the model drives its parameter to minus
infinity, which is fitted exactly by leaving out every capture history containing both lists.

The existence and identifiability check is the one of SparseMSE's ``checkident``: the linear program
of Fienberg & Rinaldo (2012) finds whether some strictly positive table has the same sufficient
statistics as the data (the maximum likelihood estimate exists if and only if it does), and the
design matrix must have full column rank (otherwise the estimate is not identifiable).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from palermo.estimation.histories import CaptureHistories

Pair = tuple[int, int]


@dataclass(frozen=True)
class Design:
    """The cells a model is fitted on, their counts and the model matrix (intercept, mains, pairs)."""

    patterns: NDArray[np.int8]
    counts: NDArray[np.float64]
    X: NDArray[np.float64]
    pairs: tuple[Pair, ...]  # fitted interaction terms (overlapping pairs)
    empty_pairs: tuple[Pair, ...]  # terms in the model whose lists share nobody (cells left out)
    columns: tuple[str, ...]


def term_name(lists: Sequence[str], pair: Pair) -> str:
    return f"{lists[pair[0]]}:{lists[pair[1]]}"


def all_pairs(m: int) -> list[Pair]:
    return list(itertools.combinations(range(m), 2))


def build_design(h: CaptureHistories, pairs: Sequence[Pair], table: tuple[NDArray[np.int8], NDArray[np.float64]] | None = None) -> Design:
    patterns, counts = table if table is not None else h.full_table()
    keep = np.ones(len(patterns), dtype=bool)
    fitted: list[Pair] = []
    empty: list[Pair] = []
    for i, j in sorted(pairs):
        both = (patterns[:, i] == 1) & (patterns[:, j] == 1)
        if counts[both].sum() == 0:
            empty.append((i, j))
            keep &= ~both
        else:
            fitted.append((i, j))
    P = patterns[keep].astype(float)
    cols = [np.ones(len(P))] + [P[:, k] for k in range(h.m)] + [P[:, i] * P[:, j] for i, j in fitted]
    names = ("(intercept)",) + h.lists + tuple(term_name(h.lists, p) for p in fitted)
    return Design(patterns[keep], counts[keep], np.column_stack(cols), tuple(fitted), tuple(empty), names)


# ---------------------------------------------------------------------- fitting
@dataclass(frozen=True)
class Fit:
    """A fitted model: coefficients, fitted cell means, deviance and information criteria."""

    design: Design
    beta: NDArray[np.float64]
    mu: NDArray[np.float64]
    loglik: float
    converged: bool

    @property
    def n_params(self) -> int:
        # a term for a non-overlapping pair is a parameter too (fitted at minus infinity), as in SparseMSE
        return self.design.X.shape[1] + len(self.design.empty_pairs)

    @property
    def dark_figure(self) -> float:
        return float(math.exp(self.beta[0]))

    @property
    def deviance(self) -> float:
        y, mu = self.design.counts, self.mu
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0)
        return float(2 * np.sum(term - (y - mu)))

    @property
    def df_resid(self) -> int:
        return int(len(self.design.counts) - self.design.X.shape[1])

    def aic(self) -> float:
        return -2 * self.loglik + 2 * self.n_params

    def bic(self, n_observed: int) -> float:
        # penalty log(number of people observed), as in Rcapture and SparseMSE's BIC comparisons
        return -2 * self.loglik + math.log(max(n_observed, 2)) * self.n_params


def poisson_loglik(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    from scipy.special import gammaln

    with np.errstate(divide="ignore"):
        logmu = np.where(mu > 0, np.log(np.maximum(mu, 1e-300)), -np.inf)
    term = np.where(y > 0, y * logmu, 0.0) - mu - gammaln(y + 1)
    return float(np.sum(term))


def fit_poisson(design: Design, offset: NDArray[np.float64] | None = None, X: NDArray[np.float64] | None = None,
                max_iter: int = 100, tol: float = 1e-10, start: NDArray[np.float64] | None = None,
                ) -> tuple[NDArray[np.float64], NDArray[np.float64], bool]:
    """Newton-Raphson for a Poisson log-linear GLM (the canonical link, so Newton = IRLS).

    A plain numpy solver because model selection and the bootstrap fit thousands of small models;
    the chosen model is refitted with statsmodels' GLM (see :func:`statsmodels_fit`) and the two agree.
    """
    X = design.X if X is None else X
    y = design.counts
    off = np.zeros(len(y)) if offset is None else offset
    # start from the log of the counts (smoothed), projected on the model space
    if start is not None and len(start) == X.shape[1]:
        beta = np.array(start, dtype=float)  # warm start from a neighbouring model (model selection)
    else:
        beta, *_ = np.linalg.lstsq(X, np.log(y + 0.5) - off, rcond=None)
    converged = False
    eta = np.clip(X @ beta + off, -700, 700)
    mu = np.exp(eta)
    ll_old = float(y @ eta - mu.sum())  # the log-likelihood up to a constant
    for _ in range(max_iter):
        grad = X.T @ (y - mu)
        hess = X.T @ (X * mu[:, None])
        try:
            step = np.linalg.solve(hess + 1e-12 * np.eye(len(beta)), grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        # step halving keeps the iteration monotone when some fitted means head towards zero
        t = 1.0
        while True:
            cand = beta + t * step
            eta = np.clip(X @ cand + off, -700, 700)
            mu_c = np.exp(eta)
            ll = float(y @ eta - mu_c.sum())
            if ll >= ll_old - 1e-12 or t < 1e-6:
                break
            t /= 2
        beta, mu = cand, mu_c
        if abs(ll - ll_old) < tol * (abs(ll) + 1) and float(np.max(np.abs(t * step))) < 1e-6:
            converged = True
            break
        ll_old = ll
    mu = np.exp(np.clip(X @ beta + off, -700, 700))
    return beta, mu, converged


def fit_model(h: CaptureHistories, pairs: Sequence[Pair], table: tuple[NDArray[np.int8], NDArray[np.float64]] | None = None,
              near: Fit | None = None) -> Fit:
    """Fit main effects + ``pairs``; ``near`` (a fitted model with one pair fewer) gives a warm start."""
    design = build_design(h, pairs, table)
    beta, mu, ok = fit_poisson(design, start=_warm_start(near, design))
    return Fit(design, beta, mu, poisson_loglik(design.counts, mu), ok)


def _warm_start(near: Fit | None, design: Design) -> NDArray[np.float64] | None:
    if near is None:
        return None
    old = dict(zip(near.design.columns, near.beta))
    if not all(c in old or c.count(":") == 1 for c in design.columns):
        return None
    return np.array([old.get(c, 0.0) for c in design.columns])


def statsmodels_fit(design: Design):  # type: ignore[no-untyped-def]
    """The same model through statsmodels' GLM (Poisson family, log link): standard errors, summary."""
    import warnings

    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    with warnings.catch_warnings():
        # a saturated model (e.g. two lists) fits every cell exactly and has no residual degrees of freedom:
        # statsmodels warns of "perfect prediction" and divides by zero for the (unused) scale; the
        # coefficients and standard errors are unaffected
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        return sm.GLM(design.counts, design.X, family=sm.families.Poisson()).fit()


# ---------------------------------------------------------------------- existence and identifiability
@dataclass(frozen=True)
class Check:
    """Whether the maximum likelihood estimate of a model exists and is identifiable on the data."""

    exists: bool
    identifiable: bool
    margin: float  # the LP optimum: the smallest cell a positive table with the same margins can have

    @property
    def ok(self) -> bool:
        return self.exists and self.identifiable


def check_model(design: Design) -> Check:
    """Fienberg-Rinaldo linear program plus a rank test, on the cells the model is fitted on."""
    X, y = design.X, design.counts
    n_cells, n_par = X.shape
    rank = int(np.linalg.matrix_rank(X))
    identifiable = rank == n_par
    if np.all(y > 0):
        return Check(True, identifiable, float(y.min()))
    # maximise s subject to X'x = X'y, x_c >= s for every cell, 0 <= s <= 1 (variables: x, s)
    c = np.zeros(n_cells + 1)
    c[-1] = -1.0
    a_eq = np.hstack([X.T, np.zeros((n_par, 1))])
    b_eq = X.T @ y
    a_ub = np.hstack([-np.eye(n_cells), np.ones((n_cells, 1))])
    b_ub = np.zeros(n_cells)
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                  bounds=[(0, None)] * n_cells + [(0, 1)], method="highs")
    margin = float(-res.fun) if res.status == 0 else 0.0
    return Check(margin > 1e-7, identifiable, margin)


def count_triangles(h: CaptureHistories) -> int:
    """Triples of lists that all overlap pairwise; none means the all-pairs model is not identifiable."""
    ov = h.pair_overlaps()
    return sum(1 for a, b, c in itertools.combinations(range(h.m), 3)
               if ov[(a, b)] and ov[(a, c)] and ov[(b, c)])

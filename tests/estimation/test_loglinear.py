"""The log-linear fit agrees with statsmodels; the existence check finds the SparseMSE failure cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from palermo.estimation.histories import CaptureHistories
from palermo.estimation.loglinear import build_design, check_model, count_triangles, fit_model, statsmodels_fit
from tests.conftest import EXTERNAL

MSE = EXTERNAL / "mse-multiple-lists"

# The shape of SparseMSE's Artificial_3 (Chan, Silverman & Vincent, Table 2: 4 rows, 3 lists): C shares nobody
# with A or B. (A search over all 4-cell tables finds this the only shape with the documented outcomes.)
ARTIFICIAL_3 = "A,B,C,count\n1,0,0,10\n0,1,0,15\n0,0,1,20\n1,1,0,5\n"


@pytest.mark.parametrize(("name", "pairs"), [("UKdat", [(0, 1), (2, 5)]), ("NewOrl", [(3, 4)]), ("Western", [(0, 4)]),
                                             ("Ned", [(2, 5), (3, 5)])])
def test_newton_fit_matches_statsmodels_glm(name: str, pairs: list[tuple[int, int]]) -> None:
    h = CaptureHistories.from_csv(MSE / f"{name}.csv")
    fit = fit_model(h, pairs)
    glm = statsmodels_fit(fit.design)
    assert fit.converged
    assert np.allclose(fit.beta, glm.params, rtol=1e-6, atol=1e-6)
    assert math.isclose(fit.aic(), glm.aic, rel_tol=1e-9)
    assert math.isclose(fit.deviance, glm.deviance, rel_tol=1e-6, abs_tol=1e-6)


def test_artificial_3_reproduces_the_sparsemse_check_outcomes() -> None:
    # documented in SparseMSE: all three pairs -> not identifiable; AB (alone or with one other) -> MLE does
    # not exist; main effects, AC, BC, or AC+BC -> both tests pass
    h = CaptureHistories.from_csv_text(ARTIFICIAL_3)
    ab, ac, bc = (0, 1), (0, 2), (1, 2)
    assert not check_model(build_design(h, [ab, ac, bc])).identifiable
    for pairs in ([ab], [ab, ac], [ab, bc]):
        assert not check_model(build_design(h, pairs)).exists, pairs
    for pairs in ([], [ac], [bc], [ac, bc]):
        assert check_model(build_design(h, pairs)).ok, pairs
    assert count_triangles(h) == 0


def test_a_pair_that_shares_nobody_leaves_its_cells_out() -> None:
    h = CaptureHistories.from_csv_text(ARTIFICIAL_3)
    design = build_design(h, [(0, 2)])
    assert design.empty_pairs == ((0, 2),)
    assert not any(p[0] and p[2] for p in design.patterns)
    assert fit_model(h, [(0, 2)]).n_params == 5  # intercept, 3 mains, and the AC term fitted at minus infinity

"""Profile-likelihood and Wald intervals agree where the likelihood is near-normal; both contain the estimate."""

from __future__ import annotations

import math

from palermo.estimation.histories import CaptureHistories
from palermo.estimation.intervals import profile_interval, wald_interval
from palermo.estimation.selection import stepwise
from tests.conftest import EXTERNAL


def test_profile_and_wald_agree_on_the_large_uk_table() -> None:
    h = CaptureHistories.from_csv(EXTERNAL / "mse-multiple-lists" / "UKdat_5.csv")
    fit = stepwise(h, "pvalue").fit
    p, w = profile_interval(fit, h.observed), wald_interval(fit, h.observed)
    total = h.observed + fit.dark_figure
    assert p.lower < total < p.upper and w.lower < total < w.upper
    assert math.isclose(p.lower, w.lower, rel_tol=0.01) and math.isclose(p.upper, w.upper, rel_tol=0.01)


def test_profile_interval_is_asymmetric_on_a_small_table() -> None:
    # few people: the likelihood of the dark figure is skewed, so the interval reaches further up than down
    h = CaptureHistories.from_csv_text("A,B,C,count\n1,0,0,20\n0,1,0,15\n0,0,1,12\n1,1,0,3\n0,1,1,2\n1,0,1,2\n")
    fit = stepwise(h, "bic").fit
    p = profile_interval(fit, h.observed)
    total = h.observed + fit.dark_figure
    assert (p.upper - total) > 1.5 * (total - p.lower)
    narrower = profile_interval(fit, h.observed, confidence=0.8)
    assert p.lower < narrower.lower < total < narrower.upper < p.upper

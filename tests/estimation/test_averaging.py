"""BIC-weighted model averaging: proper weights, an estimate among the models', and coverage on simulations."""

from __future__ import annotations

import numpy as np

from palermo.estimation import CaptureHistories, estimate_population
from palermo.estimation.averaging import average_models
from palermo.estimation.selection import stepwise
from palermo.estimation.simulate import Scenario, simulate
from tests.conftest import EXTERNAL

MSE = EXTERNAL / "mse-multiple-lists"


def test_weights_and_estimate_on_the_uk_table() -> None:
    h = CaptureHistories.from_csv(MSE / "UKdat.csv")
    avg = average_models(h)
    weights = [m.weight for m in avg.models]
    assert abs(sum(weights) - 1) < 1e-9 and weights == sorted(weights, reverse=True)
    assert len(avg.models) == 2 ** len(avg.candidates)
    totals = [m.total for m in avg.models]
    assert min(totals) <= avg.estimate <= max(totals)
    assert avg.lower < avg.estimate < avg.upper
    assert 10_000 <= avg.estimate <= 13_000  # inside the published Home Office range


def test_averaging_finds_better_models_than_a_stepwise_path() -> None:
    # On Ned_5 BIC's forward search stops at a model with an estimate of about 121,500; the search over all
    # combinations of AIC's candidates finds models with a lower BIC and totals below 50,000.
    h = CaptureHistories.from_csv(MSE / "Ned_5.csv")
    path = stepwise(h, "bic").fit
    avg = average_models(h)
    assert avg.models[0].fit.bic(h.observed) < path.bic(h.observed)
    assert avg.models[0].total < 0.5 * (h.observed + path.dark_figure)


def test_average_criterion_reports_the_models() -> None:
    r = estimate_population(CaptureHistories.from_csv(MSE / "Western.csv"), criterion="average")
    d = r.to_dict()
    assert d["criterion"] == "average" and d["model_average"]["models"] == 16
    assert d["interval_method"].startswith("BIC-weighted average over 16 models")
    assert any("averaged interval" in w for w in r.warnings)


def test_averaged_interval_covers_the_true_size_in_most_simulated_populations() -> None:
    scenario = Scenario(2000, {"NGO": 0.12, "POLICE": 0.18, "LABOUR": 0.08, "HEALTH": 0.1},
                        {("NGO", "POLICE"): 1.0, ("LABOUR", "HEALTH"): -0.6})
    rng = np.random.default_rng(21)
    covered = 0
    for _ in range(30):
        h, _ = simulate(scenario, rng)
        r = estimate_population(h, criterion="average")
        covered += r.lower <= scenario.size <= r.upper
    assert covered >= 26

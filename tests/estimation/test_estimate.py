"""End to end: known answers, the real data sets beside their published figures, simulated coverage, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from palermo.errors import ValidationError
from palermo.estimation import CaptureHistories, estimate_population
from palermo.estimation.simulate import Scenario, simulate
from tests.conftest import EXTERNAL

MSE = EXTERNAL / "mse-multiple-lists"


def test_two_lists_give_the_lincoln_petersen_estimate() -> None:
    h = CaptureHistories.from_csv_text("A,B,count\n1,0,60\n0,1,80\n1,1,20\n")
    r = estimate_population(h)
    assert math.isclose(r.dark_figure, 60 * 80 / 20, rel_tol=1e-8)
    assert math.isclose(r.estimate, 400, rel_tol=1e-8)
    assert r.terms == []
    assert r.lower < 400 < r.upper
    assert any("only two lists" in w for w in r.warnings)


@pytest.mark.parametrize("name", ["UKdat", "UKdat_5", "Ned", "Ned_5", "NewOrl", "NewOrl_5", "Western"])
@pytest.mark.parametrize("criterion", ["aic", "bic", "pvalue", "average"])
def test_every_real_data_set_runs_end_to_end(name: str, criterion: str) -> None:
    h = CaptureHistories.from_csv(MSE / f"{name}.csv")
    r = estimate_population(h, criterion=criterion)
    assert r.observed == h.observed
    assert r.lower <= r.estimate <= r.upper
    assert r.estimate > r.observed
    d = r.to_dict()
    assert d["method"] == "MSE" and d["lists"] == list(h.lists) and d["model_terms"] == r.terms


@pytest.mark.parametrize("name", ["UKdat", "UKdat_5"])
def test_uk_stepwise_estimate_lies_in_the_published_home_office_range(name: str) -> None:
    # Home Office (Silverman 2014): "between 10 thousand and 13 thousand" potential victims in 2013, from a
    # stepwise MSE on these lists; the p-value rule is the published stepwise method (SparseMSE).
    r = estimate_population(CaptureHistories.from_csv(MSE / f"{name}.csv"), criterion="pvalue")
    assert 10_000 <= r.estimate <= 13_000
    assert 9_500 <= r.lower and r.upper <= 14_000


def test_netherlands_estimate_is_about_five_times_the_registered_number() -> None:
    # Dutch National Rapporteur and UNODC (2017): estimated victims "about five times" the registered ones.
    h = CaptureHistories.from_csv(MSE / "Ned.csv")
    r = estimate_population(h, criterion="bic")
    assert 4.0 <= r.estimate / r.observed <= 6.5


def test_merge_option_reproduces_the_five_list_uk_result() -> None:
    six = estimate_population(CaptureHistories.from_csv(MSE / "UKdat.csv"), merge=[["PF", "NCA"]], criterion="pvalue")
    five = estimate_population(CaptureHistories.from_csv(MSE / "UKdat_5.csv"), criterion="pvalue")
    assert six.lists == ["LA", "NG", "PFNCA", "GO", "GP"]
    assert math.isclose(six.estimate, five.estimate, rel_tol=1e-9)
    assert any("merged PF + NCA" in w for w in six.warnings)


SCENARIO = Scenario(2000, {"NGO": 0.12, "POLICE": 0.18, "LABOUR": 0.08, "HEALTH": 0.1},
                    {("NGO", "POLICE"): 1.0, ("LABOUR", "HEALTH"): -0.6})


def test_profile_interval_covers_the_true_size_in_most_simulated_populations() -> None:
    rng = np.random.default_rng(7)
    covered, chosen = 0, []
    for _ in range(60):
        h, _hidden = simulate(SCENARIO, rng)
        r = estimate_population(h, criterion="bic")
        covered += r.lower <= SCENARIO.size <= r.upper
        chosen.append(tuple(r.terms))
    assert covered / 60 >= 0.85  # measured 0.93 over 100 repetitions (docs/estimation.md)
    # the planted positive dependence is found in most repetitions
    assert sum("NGO:POLICE" in t for t in chosen) >= 50


def test_bootstrap_interval_covers_the_true_size_in_most_simulated_populations() -> None:
    rng = np.random.default_rng(11)
    covered = 0
    for k in range(8):
        h, _ = simulate(SCENARIO, rng)
        r = estimate_population(h, criterion="bic", bootstrap=40, seed=k)
        assert r.bootstrap is not None and r.bootstrap.details["replicates"] == 40
        covered += r.lower <= SCENARIO.size <= r.upper
    assert covered >= 6


def test_bootstrap_is_reproducible_with_a_seed() -> None:
    h = CaptureHistories.from_csv(MSE / "Western.csv")
    a = estimate_population(h, bootstrap=30, seed=5)
    b = estimate_population(h, bootstrap=30, seed=5)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert a.interval_method.startswith("parametric bootstrap")


def test_ignoring_a_real_dependence_biases_the_estimate() -> None:
    # the planted NGO-police dependence makes the independence model underestimate; the chosen model does not
    rng = np.random.default_rng(3)
    h, _ = simulate(SCENARIO, rng)
    chosen = estimate_population(h, criterion="bic")
    independent = estimate_population(h, terms=["LABOUR:HEALTH"])
    assert "NGO:POLICE" in chosen.terms
    assert abs(chosen.estimate - 2000) < abs(independent.estimate - 2000)


def test_lists_that_share_nobody_make_the_estimate_impossible_with_advice() -> None:
    h = CaptureHistories.from_csv_text("A,B,count\n1,0,40\n0,1,30\n")
    with pytest.raises(ValidationError) as info:
        estimate_population(h)
    assert "no model is identifiable" in str(info.value)
    assert "list A shares nobody" in str(info.value)


def test_a_fixed_model_that_does_not_exist_says_which_term_to_drop() -> None:
    h = CaptureHistories.from_csv_text("A,B,C,count\n1,0,0,10\n0,1,0,15\n0,0,1,20\n1,1,0,5\n")
    with pytest.raises(ValidationError) as info:
        estimate_population(h, terms=["A:B"])
    assert "does not exist" in info.value.message
    assert "drop the interaction A:B" in str(info.value)


def test_fixed_model_with_an_unknown_list_is_refused() -> None:
    h = CaptureHistories.from_csv(MSE / "Western.csv")
    with pytest.raises(ValidationError) as info:
        estimate_population(h, terms=["A:Q"])
    assert "A:Q" in str(info.value)


def test_a_list_holding_everyone_leaves_too_few_lists() -> None:
    h = CaptureHistories.from_csv_text("A,B,count\n1,1,10\n0,1,5\n")
    with pytest.raises(ValidationError) as info:
        estimate_population(h)
    assert "fewer than two lists remain" in str(info.value)
    assert "everybody observed is on it" in str(info.value)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"criterion": "cp"}, "unknown criterion"),
    ({"confidence": 1.5}, "confidence must be"),
    ({"bootstrap": -1}, "bootstrap replicates"),
    ({"criterion": "pvalue", "pthresh": 7.0}, "p-value threshold"),
    ({"criterion": "pvalue", "pthresh": 0.0}, "p-value threshold"),
    ({"pthresh": -1.0}, "p-value threshold"),
])
def test_bad_options_are_refused(kwargs: dict[str, object], expected: str) -> None:
    h = CaptureHistories.from_csv(MSE / "Western.csv")
    with pytest.raises(ValidationError) as info:
        estimate_population(h, **kwargs)  # type: ignore[arg-type]
    assert expected in str(info.value)


@pytest.mark.parametrize(("name", "pthresh", "terms", "published"), [
    ("NewOrl", 0.02, ["D:E"], 1184), ("NewOrl", 0.01, [], 997), ("NewOrl_5", 0.02, [], 1034), ("Western", 0.02, ["A:E"], 2483)])
def test_published_sparse_estimates_are_reproduced(name: str, pthresh: float, terms: list[str], published: int) -> None:
    """Chan, Silverman & Vincent (JASA 2021, §4.1-4.2): the stepwise p-value method's model and estimate."""
    r = estimate_population(CaptureHistories.from_csv(MSE / f"{name}.csv"), criterion="pvalue", pthresh=pthresh)
    assert r.terms == terms
    assert round(r.estimate) == published


@pytest.mark.parametrize(("name", "published"), [("UKdat", 12350), ("UKdat_5", 12262)])
def test_published_bic_estimates_for_the_uk_are_reproduced(name: str, published: int) -> None:
    """Silverman, Chan & Vincent (Statistics and Computing 2024, Table 6): BIC downhill search, order 2."""
    r = estimate_population(CaptureHistories.from_csv(MSE / f"{name}.csv"), criterion="bic")
    assert round(r.estimate) == published

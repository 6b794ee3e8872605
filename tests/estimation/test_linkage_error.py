"""Estimates that carry linkage error: on synthetic cases with known truth (calibrated link
probabilities), the interval that draws link sets covers the true number where the naive one, which
takes links as certain, does not; reviewed hits (probability 1 or 0) remove that uncertainty."""

from __future__ import annotations

import pytest

from palermo.errors import ValidationError
from palermo.estimation.linkage_error import estimate_with_linkage_error, one_to_one, simulate_case


def test_the_wider_interval_covers_the_truth_where_the_naive_one_does_not() -> None:
    naive = wide = 0
    missed_then_covered = 0
    estimates, naive_estimates = [], []
    for seed in range(10):
        case = simulate_case(seed=seed)
        r = estimate_with_linkage_error(case.records, case.candidates, draws=30, seed=seed)
        n_ok = r.naive_lower <= case.true_total <= r.naive_upper
        w_ok = r.lower <= case.true_total <= r.upper
        naive += n_ok
        wide += w_ok
        missed_then_covered += (not n_ok) and w_ok
        estimates.append(r.estimate)
        naive_estimates.append(r.naive_estimate)
        assert r.upper - r.lower > r.naive_upper - r.naive_lower  # linkage error widens it
        assert 0 < r.between_share < 1
    assert wide >= 9 and wide > naive and missed_then_covered >= 2  # nominal 95%: 9 or 10 of 10
    # drawing partitions removes most of the bias of links taken as certain (merged people)
    bias, naive_bias = abs(sum(estimates) / 10 - 2000), abs(sum(naive_estimates) / 10 - 2000)
    assert bias < naive_bias / 3 and bias < 40


def test_reviewed_links_carry_no_linkage_error() -> None:
    case = simulate_case(seed=3)
    certain = [(a, ra, b, rb, 1.0 if ra == rb else 0.0) for a, ra, b, rb, _p in case.candidates]  # every hit reviewed
    r = estimate_with_linkage_error(case.records, certain, draws=5, seed=1)
    assert r.between_share == 0.0 and r.links_mean == r.links_naive
    assert r.estimate == pytest.approx(r.naive_estimate, rel=1e-9)


def test_one_to_one_keeps_the_most_probable_link() -> None:
    links = one_to_one([("A", 1, "B", 7, 0.6), ("A", 1, "B", 8, 0.9), ("A", 2, "B", 7, 0.5)])
    assert links == [("A", 1, "B", 8), ("A", 2, "B", 7)]


def test_bad_input_is_refused_with_every_reason() -> None:
    with pytest.raises(ValidationError) as err:
        estimate_with_linkage_error({"A": [1]}, [("A", 1, "B", 2, 1.5)], draws=1)
    text = str(err.value)
    assert "probability 1.5" in text and "at least two lists" in text and "draws must be between 2" in text


def test_cli_estimate_from_encoded_lists(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from palermo.cli import app
    from palermo.demo.linkage import DEMO_SECRET
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.schema import DEFAULT_SCHEMA
    from palermo.linkage.synthetic import agency_lists

    lists, truth = agency_lists({"A": 150, "B": 150, "C": 150}, overlap=0.3, noise=0.3, seed=8)
    paths = []
    for name, rows in lists.items():
        ds = Encoder(DEFAULT_SCHEMA, DEMO_SECRET).encode(rows, label=name)
        ds.write(tmp_path / f"{name}.parquet")
        paths.append(str(tmp_path / f"{name}.parquet"))
    out = CliRunner().invoke(app, ["link", "estimate", *paths, "--draws", "20", "--json"])
    assert out.exit_code == 0, out.output
    r = json.loads(out.stdout)
    observed = len(set(truth.values()))
    # the variances are combined on the log scale (Rubin's rules), so it is there that linkage error widens
    assert r["upper"] / r["lower"] >= r["naive_upper"] / r["naive_lower"] and r["lower"] >= observed * 0.5
    assert r["links_naive"] > 0 and r["draws"] == 20
    bad = CliRunner().invoke(app, ["link", "estimate", *paths, "--floor", "0.7"])
    assert bad.exit_code == 1 and "below 0.5" in " ".join(bad.output.split())

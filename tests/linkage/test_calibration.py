"""Calibration is reproducible: the same schema gives the same weights and threshold in every run."""

from __future__ import annotations

from palermo.linkage import calibration
from palermo.linkage.schema import DEFAULT_SCHEMA


def test_the_same_schema_calibrates_to_the_same_threshold_every_time() -> None:
    first = calibration.calibrate(DEFAULT_SCHEMA, n=1500)
    calibration._calibrate.cache_clear()  # recompute from scratch, as a fresh process would
    again = calibration.calibrate(DEFAULT_SCHEMA, n=1500)
    assert again is not first
    assert (again.threshold, again.precision, again.recall, again.pairs) == (first.threshold, first.precision,
                                                                             first.recall, first.pairs)
    assert 0.5 < first.precision <= 1 and 0.3 < first.recall <= 1  # a usable operating point, not a degenerate one


def test_the_threshold_rises_with_the_prior_odds_and_never_falls() -> None:
    cal = calibration.calibrate(DEFAULT_SCHEMA, n=1500)
    same_prior = cal.matches / cal.pairs
    found_same = round(same_prior * 100_000 * cal.recall)  # matches found at the calibration's own prior
    assert abs(cal.threshold_for(100_000, found_same) - cal.threshold) < 0.05
    sparser = cal.threshold_for(100_000, max(1, found_same // 8))  # 8x more candidates per true match
    assert abs(sparser - (cal.threshold + 3)) < 0.05  # log2(8) bits more evidence needed
    assert cal.threshold_for(100_000, found_same * 8) == cal.threshold  # denser lists never lower it
    assert cal.threshold_for(0, 0) == cal.threshold

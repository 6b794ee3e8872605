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

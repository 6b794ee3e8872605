"""The country-profile line for an estimate beside the identified count."""

from __future__ import annotations

import math

import pytest

from palermo.estimation import CaptureHistories, estimate_population
from palermo.estimation.source import identified_and_estimated_text, result_text, source_notes
from tests.conftest import EXTERNAL


@pytest.mark.parametrize(("identified", "lower", "upper", "expected"), [
    (2744, 10_001.4, 13_182.2, "2,744 identified; estimated total 10,000 – 14,000"),
    (185, 742.3, 2_139.9, "185 identified; estimated total 740 – 2,200"),
    (12, 14.2, 35.1, "12 identified; estimated total 14 – 36"),
    (None, 9_950, 12_010, "estimated total 9,900 – 13,000"),
    (5, 7, math.inf, "5 identified; estimated total 7 – unbounded"),
])
def test_profile_line(identified: int | None, lower: float, upper: float, expected: str) -> None:
    assert identified_and_estimated_text(identified, lower, upper) == expected


def test_result_text_and_notes_name_the_lists_and_method() -> None:
    r = estimate_population(CaptureHistories.from_csv(EXTERNAL / "mse-multiple-lists" / "UKdat.csv"), criterion="pvalue")
    assert result_text(r).startswith("2,744 identified; estimated total ")
    notes = source_notes(r)
    assert "LA, NG, PF, GO, GP, NCA" in notes and "Poisson log-linear" in notes and "pvalue" in notes

"""The country-profile line for an estimate beside the identified count."""

from __future__ import annotations

import math

import pytest

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.estimation import CaptureHistories, estimate_population
from palermo.estimation.source import country_estimate_text, identified_and_estimated_text, record_estimate, result_text, source_notes
from tests.conftest import EXTERNAL


@pytest.mark.parametrize(("identified", "lower", "upper", "expected"), [
    (2744, 10_001.4, 13_182.2, "2,744 identified; estimated total 10,000 – 14,000"),
    (185, 742.3, 2_139.9, "185 identified; estimated total 740 – 2,200"),
    (12, 14.2, 35.1, "12 identified; estimated total 14 – 36"),
    (None, 9_950, 12_010, "estimated total 9,900 – 13,000"),
    (5, 7, math.inf, "5 identified; estimated total 7 or more (no upper bound)"),
])
def test_profile_line(identified: int | None, lower: float, upper: float, expected: str) -> None:
    assert identified_and_estimated_text(identified, lower, upper) == expected


def test_result_text_and_notes_name_the_lists_and_method() -> None:
    r = estimate_population(CaptureHistories.from_csv(EXTERNAL / "mse-multiple-lists" / "UKdat.csv"), criterion="pvalue")
    assert result_text(r).startswith("2,744 identified; estimated total ")
    notes = source_notes(r)
    assert "LA, NG, PF, GO, GP, NCA" in notes and "Poisson log-linear" in notes and "pvalue" in notes


def test_estimate_enters_statistics_as_its_own_source_beside_the_identified_count(db: Database,
                                                                                  system: Principal) -> None:
    from palermo.auth import accounts
    from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
    from palermo.statistics.query import find_observations

    r = estimate_population(CaptureHistories.from_csv(EXTERNAL / "mse-multiple-lists" / "UKdat.csv"), criterion="pvalue")
    with db.session() as s:
        org = accounts.create_organisation(s, system, name="Home Office", short_name="HO", org_type="ministry",
                                           country="GBR")
        analyst = Principal(None, "analyst", org.id, frozenset({"analyst"}))
        record_observations(s, analyst, SourceSpec(key="nca-2013", name="NCA strategic assessment", source_type="police",
                                                   stage="identified", counting_unit="persons",
                                                   legal_definition="national"),
                            [ObservationSpec(indicator="victims", country="GBR", period="2013", value=2744)])
        for _ in range(2):  # recording again replaces the estimate, it does not add a second one
            src = record_estimate(s, analyst, r, key="uk-mse-2013", name="UK MSE 2013", country="GBR", period="2013",
                                  coverage="UK; six lists of the 2013 strategic assessment")
        assert (src.source_type, src.stage, src.method) == ("estimate", "estimated", "MSE")
        assert "LA, NG, PF, GO, GP, NCA" in src.notes
        views = find_observations(s, analyst, country="GBR", indicator="victims", period="2013")
        assert sorted((v.stage, v.source_type) for v in views) == [("estimated", "estimate"), ("identified", "police")]
        text = country_estimate_text(s, analyst, "GBR")
        assert text == "2,744 identified; estimated total 10,000 – 14,000"

"""The four scenarios give their expected conclusions in three languages; properties hold; bad input is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.errors import ValidationError
from palermo.identification import rules
from palermo.identification.catalogue import load_catalogue
from palermo.identification.screening import screen

SCENARIOS = Path(__file__).parents[2] / "src" / "palermo" / "identification" / "data" / "scenarios"
EXPECTED = {k: v for k, v in json.loads((SCENARIOS / "expected.json").read_text()).items() if not k.startswith("_")}
LABELS = {"en": {"both": "both trafficking and smuggling indicated"},
          "es": {"both": "indicios de trata y de tráfico ilícito de migrantes"},
          "fr": {"both": "traite et trafic illicite de migrants indiqués"},
          "ar": {"both": "مؤشرات على الاتجار بالبشر وتهريب المهاجرين معًا"}}
CAT = load_catalogue()
LEVEL = {rules.NOT_INDICATED: 0, rules.POSSIBLE: 1, rules.INDICATED: 2}


@pytest.mark.parametrize("lang", ["en", "es", "fr", "ar"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenarios(name: str, lang: str) -> None:
    result = screen(json.loads((SCENARIOS / f"{name}.json").read_text()), lang=lang)
    assert result.conclusion == EXPECTED[name]["conclusion"]
    assert {r.key: {"level": r.level, "positive": [d.number for d in r.dimensions if d.positive]}
            for r in result.lists} == EXPECTED[name]["lists"]
    assert result.explanation and result.next_steps
    if result.conclusion == "both":
        assert result.conclusion_label == LABELS[lang]["both"]
    if lang != "en":
        english = screen(json.loads((SCENARIOS / f"{name}.json").read_text()), lang="en")
        assert result.explanation != english.explanation  # really translated, not English passed through


def test_minor_needs_no_means_and_child_protection_comes_first() -> None:
    result = screen(json.loads((SCENARIOS / "minor-debt-bondage.json").read_text()))
    assert result.age_group == "child" and result.trafficking_level == rules.INDICATED
    assert any("child protection" in s.lower() for s in result.next_steps)
    child_list = result.lists[0]
    assert not any(d.positive for d in child_list.dimensions if d.number in (1, 2, 3))  # no means, still indicated


def test_protection_is_offered_whatever_the_label() -> None:
    result = screen(json.loads((SCENARIOS / "smuggled-adult.json").read_text()))
    assert any("whatever the label" in s for s in result.next_steps)


@pytest.mark.parametrize("case, fields", [
    ({"observed": []}, {"age"}),
    ({"age": 30, "observed": [{"indicator": "XX-NOPE"}]}, {"observed[1].indicator"}),
    ({"age": 15, "child": False}, {"child"}),
    ({"age": 30, "name": "John"}, {"name"}),
    ({"age": "old"}, {"age"}),
    ({"age": 30, "observed": [{"indicator": "DOCS"}]}, {"observed[1].phase"}),  # recruitment or destination?
    ({"age": 30, "observed": [{"indicator": "EX-HOURS", "phase": "destination"}]}, {"observed[1].phase"}),
    ({"age": 30, "observed": [{"indicator": "DOCS", "phase": "destination"}, {"indicator": "DOCS", "phase": "destination"}]},
     {"observed[2].indicator"}),
])
def test_bad_input_lists_every_problem(case: dict, fields: set[str]) -> None:
    with pytest.raises(ValidationError) as info:
        screen(case)
    assert {p.field for p in info.value.problems} >= fields


IDS = sorted(CAT.indicators)
OBSERVATIONS = [(i, phase) for i in IDS for phase in CAT.phases(i)]


def _obs(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"indicator": i, "phase": ph} for i, ph in pairs]


cases = st.fixed_dictionaries({
    "age": st.integers(0, 90),
    "observed": st.lists(st.sampled_from(OBSERVATIONS), unique=True, max_size=12).map(_obs),
    "journey": st.fixed_dictionaries({}, optional={"irregular_crossing": st.booleans(), "paid_for_crossing": st.booleans(),
                                                   "crossed_border": st.just(True)}),
})


@settings(max_examples=60, deadline=None)
@given(cases, st.sampled_from(OBSERVATIONS))
def test_adding_an_indicator_never_lowers_the_assessment(case: dict, extra: tuple[str, str]) -> None:
    before = screen(case)
    pairs = {(o["indicator"], o["phase"]) for o in case["observed"]} | {extra}
    after = screen({**case, "observed": _obs(sorted(pairs))})
    assert LEVEL[after.trafficking_level] >= LEVEL[before.trafficking_level]
    for a, b in zip(before.lists, after.lists):
        assert LEVEL[b.level] >= LEVEL[a.level]
        for da, db in zip(a.dimensions, b.dimensions):
            assert db.positive or not da.positive  # a positive dimension stays positive


@settings(max_examples=40, deadline=None)
@given(cases)
def test_same_input_same_output(case: dict) -> None:
    assert screen(case).to_dict() == screen(case).to_dict()


@settings(max_examples=40, deadline=None)
@given(cases, st.sampled_from(["deceptive_recruitment", "coercive_recruitment", "vulnerability_recruitment", "exploitation",
                               "coercion_destination", "vulnerability_destination"]))
def test_removing_a_dimensions_indicators_makes_it_negative(case: dict, dimension: str) -> None:
    result = screen(case)
    for lst in result.lists:
        in_dim = {(i.id, i.phase) for d in lst.dimensions if d.key == dimension for i in d.indicators}
        reduced = screen({**case, "observed": [o for o in case["observed"] if (o["indicator"], o["phase"]) not in in_dim]})
        dim = next(d for d in reduced.list_result(lst.key).dimensions if d.key == dimension)
        assert not dim.positive


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(OBSERVATIONS), unique=True, max_size=12))
def test_children_need_no_means(observed: list[tuple[str, str]]) -> None:
    result = screen({"age": 12, "observed": _obs(observed)})
    for lst in result.lists:
        exploitation = next(d for d in lst.dimensions if d.key == "exploitation")
        if exploitation.positive:
            assert lst.level == rules.INDICATED


def test_one_indicator_counts_in_the_dimension_of_its_phase() -> None:
    """Document confiscation is medium in coercive recruitment and strong in coercion at destination."""
    both = screen({"age": 30, "observed": [{"indicator": "DOCS", "phase": "recruitment"},
                                           {"indicator": "DOCS", "phase": "destination"}]})
    dims = {d.key: d for d in both.list_result("adult_labour").dimensions}
    assert (dims["coercive_recruitment"].medium, dims["coercive_recruitment"].strong) == (1, 0)
    assert (dims["coercion_destination"].strong, dims["coercion_destination"].medium) == (1, 0)


# The same facts in the ids of catalogue 2026.1, which had one dimension per indicator.
IN_2026_1 = {("THREAT", "recruitment"): "CR-THREAT", ("DOCS", "recruitment"): "CR-DOCS", ("EX-HOURS", "exploitation"): "EX-HOURS",
             ("EX-PAY", "exploitation"): "EX-NOPAY", ("DOCS", "destination"): "CD-DOCS", ("CONFINE", "destination"): "CD-CONFINE",
             ("DR-JOB", "recruitment"): "DR-JOB", ("DR-WAGES", "recruitment"): "DR-PAY", ("DENOUNCE", "destination"): "CD-DENOUNCE",
             ("WITHHOLD", "destination"): "CD-WAGES", ("CONFINE", "recruitment"): "CR-CONFINE", ("DEBT", "recruitment"): "CR-DEBT",
             ("DEBT", "destination"): "CD-DEBT", ("VD-DEPENDENCY", "destination"): "VD-DEPEND"}


@pytest.mark.parametrize("name", ["threats-at-recruitment", "denunciation-and-wages-at-destination",
                                  "confinement-and-debt-at-recruitment"])
def test_corrected_strengths_no_longer_overstate(name: str) -> None:
    """2026.1 overstated these strengths and concluded trafficking indicated; the lists' strengths do not."""
    from palermo.identification.catalogue import catalogue_version

    case = json.loads((SCENARIOS / f"{name}.json").read_text())
    now = screen(case)
    assert now.conclusion == "possible_trafficking" and now.catalogue_version == "2026.2"
    old = catalogue_version("2026.1")
    old_case = {**case, "observed": [{"indicator": IN_2026_1[(o.indicator, o.phase)]} for o in now.case.observed]}
    assert screen(old_case, catalogue=old).conclusion == "trafficking_indicated"

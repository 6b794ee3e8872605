"""Capture histories: reading the real SparseMSE tables, validation of bad input, merging and dropping lists."""

from __future__ import annotations

import pytest

from palermo.errors import ValidationError
from palermo.estimation.histories import CaptureHistories
from tests.conftest import EXTERNAL

MSE = EXTERNAL / "mse-multiple-lists"

# (file, lists, count column, people) as documented in SOURCE.md
REAL = [
    ("UKdat", ("LA", "NG", "PF", "GO", "GP", "NCA"), 2744),
    ("UKdat_5", ("LA", "NG", "PFNCA", "GO", "GP"), 2744),
    ("Ned", ("I", "K", "O", "P", "R", "Z"), 8234),
    ("Ned_5", ("IO", "K", "P", "R", "Z"), 8234),
    ("NewOrl", ("A", "B", "C", "D", "E", "F", "G", "H"), 185),
    ("NewOrl_5", ("A", "BEFG", "C", "D", "H"), 185),
    ("Western", ("A", "B", "C", "D", "E"), 345),
]


@pytest.mark.parametrize(("name", "lists", "people"), REAL)
def test_reads_the_real_tables(name: str, lists: tuple[str, ...], people: int) -> None:
    h = CaptureHistories.from_csv(MSE / f"{name}.csv")
    assert h.lists == lists
    assert h.observed == people


def test_merging_uk_police_and_nca_gives_the_published_five_list_table() -> None:
    six = CaptureHistories.from_csv(MSE / "UKdat.csv").merge(["PF", "NCA"], "PFNCA")
    five = CaptureHistories.from_csv(MSE / "UKdat_5.csv")
    assert six.lists == five.lists
    assert dict(six.counts) == dict(five.counts)
    assert "merged PF + NCA into PFNCA" in str(six.changes[0])


def test_pair_overlaps_and_list_totals() -> None:
    h = CaptureHistories.from_csv_text("A,B,C,count\n1,0,0,10\n1,1,0,4\n0,1,1,3\n1,1,1,2\n")
    assert h.list_totals() == {"A": 16, "B": 9, "C": 5}
    assert h.pair_overlaps() == {(0, 1): 6, (0, 2): 2, (1, 2): 5}


def test_duplicate_rows_are_added_and_zero_rows_kept_out() -> None:
    h = CaptureHistories.from_csv_text("A,B,n\n1,0,3\n1,0,2\n0,1,0\n1,1,1\n")
    assert dict(h.counts) == {(1, 0): 5, (1, 1): 1}


@pytest.mark.parametrize(("text", "expected"), [
    ("A,B,count\n1,2,5\n", "must be 0 (not on the list) or 1"),
    ("A,B,count\n1,0,-3\n", "cannot be negative"),
    ("A,B,count\n0,0,7\n1,0,3\n", "all-zero row"),
    ("A,count\n1,5\n", "at least two lists"),
    ("A,B,count\n1,0,2.5\n", "whole number"),
    ("A,B,C\n1,0,1\n", "no count column"),
    ("A,B,count\n1,0\n", "expected 3 columns"),
    ("", "empty"),
    ("A,B,count\n", "no people"),
])
def test_bad_input_gets_a_clear_message(text: str, expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        CaptureHistories.from_csv_text(text)
    assert expected in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        CaptureHistories.from_csv_text("A,B,count\n1,x,1\n1,0,-1\n0,0,4\n1,1,3\n")
    lines = sorted(p.line for p in info.value.problems if p.line)
    assert lines == [2, 3, 4]
    assert info.value.problems[0].value == "x"


def test_from_overlap_uses_the_hub_shape() -> None:
    h = CaptureHistories.from_overlap({("NGO",): 5, ("NGO", "POLICE"): 2, ("POLICE",): 7}, lists=["POLICE", "NGO"])
    assert h.lists == ("POLICE", "NGO")
    assert dict(h.counts) == {(0, 1): 5, (1, 1): 2, (1, 0): 7}


def test_uninformative_lists_are_merged_or_dropped_with_a_reason() -> None:
    # B duplicates A exactly; D is empty; E holds everybody observed
    h = CaptureHistories.from_rows(
        ["A", "B", "C", "D", "E"],
        [((1, 1, 0, 0, 1), 4), ((0, 0, 1, 0, 1), 6), ((1, 1, 1, 0, 1), 2)])
    clean = h.without_uninformative_lists()
    assert clean.lists == ("A=B", "C")
    reasons = " | ".join(str(c) for c in clean.changes)
    assert "dropped D: nobody observed is on it" in reasons
    assert "merged A + B into A=B: the two lists hold exactly the same people" in reasons
    assert "dropped E: everybody observed is on it" in reasons
    assert clean.observed == 12


def test_csv_round_trip() -> None:
    h = CaptureHistories.from_csv(MSE / "Western.csv")
    assert CaptureHistories.from_csv_text(h.to_csv_text()) == h

"""Partitions drawn jointly per group of candidate links: a lone pair is linked with its probability, a
person is never made of records the matcher did not propose together, a triangle of sure links is one
person, and the Gibbs sampler for large groups draws from the same distribution as the enumeration."""

from __future__ import annotations

import numpy as np
import pytest

from palermo.errors import ValidationError
from palermo.estimation import link_partitions as lp


def _cell(draws: lp.PartitionDraws, *lists: str) -> np.ndarray:
    mask = sum(1 << draws.lists.index(n) for n in lists)
    return draws.tables[:, mask - 1]


def test_lone_pairs_are_linked_with_their_probability() -> None:
    records = {"A": [1, 2, 3], "B": [1, 2, 3]}
    probs = [0.2, 0.5, 0.9]
    draws = lp.draw_partitions(records, [("A", i, "B", i, p) for i, p in zip((1, 2, 3), probs)], 4000,
                               np.random.default_rng(1))
    together = _cell(draws, "A", "B")
    assert together.mean() == pytest.approx(sum(probs), abs=4 * np.sqrt(sum(p * (1 - p) for p in probs) / 4000))
    assert np.all(draws.tables.sum(1) == 6 - together)  # people = records - links


def test_a_person_is_only_made_of_records_proposed_together() -> None:
    # A:1 ~ B:1 and B:1 ~ C:1 are likely, A:1 ~ C:1 was not proposed: linking both links transitively
    # (as independent draws do) would make one person on all three lists in 81% of the draws
    records = {"A": [1], "B": [1], "C": [1]}
    draws = lp.draw_partitions(records, [("A", 1, "B", 1, 0.9), ("B", 1, "C", 1, 0.9)], 2000, np.random.default_rng(2))
    assert np.all(_cell(draws, "A", "B", "C") == 0)
    assert np.all(_cell(draws, "A", "B") + _cell(draws, "B", "C") <= 1)  # B:1 is one person's record


def test_a_triangle_of_likely_links_is_mostly_one_person_and_keeps_the_expected_links() -> None:
    records = {"A": [1], "B": [1], "C": [1]}
    draws = lp.draw_partitions(records, [("A", 1, "B", 1, 0.9), ("A", 1, "C", 1, 0.9), ("B", 1, "C", 1, 0.9)],
                               4000, np.random.default_rng(3))
    # each pair's expected links are the matcher's 0.9 (the tilt keeps them); one person needs two merges
    assert draws.links.mean() == pytest.approx(2.7, abs=0.05)
    assert _cell(draws, "A", "B", "C").mean() > 0.8


def test_gibbs_sweeps_draw_what_the_enumeration_gives() -> None:
    records = {"A": [1, 2], "B": [1, 2], "C": [1]}
    candidates = [("A", 1, "B", 1, 0.8), ("A", 1, "B", 2, 0.5), ("A", 2, "B", 1, 0.4), ("A", 2, "B", 2, 0.7),
                  ("A", 1, "C", 1, 0.6), ("B", 1, "C", 1, 0.6), ("B", 2, "C", 1, 0.3)]
    g = lp._Graph(records, candidates)
    (group,) = g.groups()
    parts = lp._enumerate(g, group)
    assert parts is not None and len(parts) > 10
    logw = np.array([sum(g.weight(p) for p in part) for part in parts])
    w = np.exp(logw - logw.max())
    exact = (w / w.sum()) @ np.array([lp._summary(g, part, 7)[0] for part in parts])
    tables, _ = lp._gibbs(g, group, 6000, np.random.default_rng(4), 7, {})
    se = tables.std(0) / np.sqrt(6000)
    assert np.all(np.abs(tables.mean(0) - exact) <= 5 * se + 0.01)


def test_candidates_that_do_not_fit_the_lists_are_refused_with_each_reason() -> None:
    with pytest.raises(ValidationError) as err:
        lp.draw_partitions({"A": [1, 2], "B": [1]}, [("A", 1, "A", 2, 0.5), ("A", 9, "B", 1, 0.5)], 2,
                           np.random.default_rng(0))
    text = str(err.value)
    assert "A:1 ~ A:2 joins two records of the same list" in text and "A:9 ~ B:1 names a record that is not on the lists" in text

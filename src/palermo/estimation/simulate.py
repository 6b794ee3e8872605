"""Simulated populations of known size with known dependencies between lists.

Used to test the estimator (does its interval cover the true size?), for the benchmark and for the
demo. Every person of a population of size ``N`` gets a capture history drawn from a log-linear
model: ``P(history) ∝ exp(Σ a_i h_i + Σ g_ij h_i h_j)``, where ``a_i`` is the log-odds of being on
list i for someone on no other list and ``g_ij`` the dependence between lists i and j (positive:
people on i are more likely to be on j, e.g. an NGO referring victims to the police).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from palermo.estimation.histories import CaptureHistories


@dataclass(frozen=True)
class Scenario:
    """A population: its size, the lists' capture rates and their pairwise dependencies."""

    size: int
    rates: Mapping[str, float]  # probability of being on the list for someone on no other list
    dependencies: Mapping[tuple[str, str], float]  # log odds ratios between pairs of lists

    def cell_probabilities(self) -> tuple[list[tuple[int, ...]], np.ndarray]:
        names = list(self.rates)
        logit = np.array([math.log(p / (1 - p)) for p in self.rates.values()])
        patterns = list(itertools.product((0, 1), repeat=len(names)))
        weights = []
        for pat in patterns:
            s = float(np.dot(logit, pat))
            for (a, b), g in self.dependencies.items():
                s += g * pat[names.index(a)] * pat[names.index(b)]
            weights.append(math.exp(s))
        w = np.array(weights)
        return patterns, w / w.sum()


def simulate(scenario: Scenario, rng: np.random.Generator) -> tuple[CaptureHistories, int]:
    """Draw one population; return the observed table and the number of people on no list."""
    patterns, prob = scenario.cell_probabilities()
    draw = rng.multinomial(scenario.size, prob)
    counts = {p: int(c) for p, c in zip(patterns, draw) if any(p) and c > 0}
    hidden = int(draw[patterns.index(tuple(0 for _ in scenario.rates))])
    return CaptureHistories(tuple(scenario.rates), counts), hidden


def simulate_people(scenario: Scenario, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """One capture history per person (including people on no list), for building synthetic lists."""
    patterns, prob = scenario.cell_probabilities()
    draw = rng.multinomial(scenario.size, prob)
    people: list[tuple[int, ...]] = []
    for p, c in zip(patterns, draw):
        people.extend([p] * int(c))
    order = rng.permutation(len(people))
    return [people[i] for i in order]

"""Any table either gives an estimate at least the number observed inside its interval, or a clear ValidationError."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.errors import ValidationError
from palermo.estimation import CaptureHistories, estimate_population


@st.composite
def tables(draw: st.DrawFn) -> CaptureHistories:
    m = draw(st.integers(2, 4))
    cells = [p for p in itertools.product((0, 1), repeat=m) if any(p)]
    counts = draw(st.lists(st.integers(0, 60), min_size=len(cells), max_size=len(cells)).filter(any))
    return CaptureHistories.from_rows([f"L{i}" for i in range(m)], list(zip(cells, counts)))


@given(h=tables(), criterion=st.sampled_from(["aic", "bic", "pvalue"]))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_estimate_or_clear_refusal(h: CaptureHistories, criterion: str) -> None:
    try:
        r = estimate_population(h, criterion=criterion)
    except ValidationError as exc:
        assert exc.problems or "lists" in exc.message
        return
    assert r.estimate >= r.observed
    assert r.lower <= r.estimate * (1 + 1e-9) and r.estimate <= r.upper * (1 + 1e-9)
    assert r.lower >= r.observed - 1e-9

"""What the web page and the API show for one table: the estimate, the protected overlap and its chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palermo.estimation.charts import upset_spec
from palermo.estimation.estimate import EstimateResult, estimate_population
from palermo.estimation.histories import CaptureHistories
from palermo.estimation.overlap import ProtectedCell, protect
from palermo.estimation.source import result_text


@dataclass(frozen=True)
class Analysis:
    histories: CaptureHistories
    result: EstimateResult
    cells: list[ProtectedCell]
    chart: dict[str, Any]
    text: str
    threshold: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.result.to_dict(), "text": self.text, "disclosure_threshold": self.threshold,
                "overlap": [c.to_dict() for c in self.cells]}


def analyse(histories: CaptureHistories, *, threshold: int, exact: bool = False, **options: Any) -> Analysis:
    """Estimate, and prepare the overlap for display: small cells suppressed unless ``exact``
    (the viewer owns the table)."""
    result = estimate_population(histories, **options)
    overlap = {tuple(n for n, b in zip(histories.lists, k) if b): c for k, c in histories.counts.items()}
    cells = protect(overlap, 1 if exact else threshold)
    return Analysis(histories, result, cells, upset_spec(histories.lists, cells, threshold), result_text(result),
                    threshold)

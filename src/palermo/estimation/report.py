"""What the web page and the API show for one table: the estimate, the protected overlap and its chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palermo.auth.permissions import NO_OBJECT, allowed
from palermo.auth.roles import Principal
from palermo.errors import ValidationError
from palermo.estimation.charts import upset_spec
from palermo.estimation.estimate import EstimateResult, estimate_population
from palermo.estimation.histories import CaptureHistories
from palermo.estimation.overlap import ProtectedCell, protect
from palermo.estimation.source import result_text
from palermo.messages import N_


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


# Interactive limits (a web page or an API call; the CLI runs without them): about a minute at most.
INTERACTIVE_MAX_BOOTSTRAP = 500
INTERACTIVE_BUDGET = 40_000  # (replicates + 1 [+ BCa jackknife refits]) x cells (x10 for averaging)


def work(histories: CaptureHistories, *, bootstrap: int = 0, bootstrap_method: str = "parametric",
         criterion: str = "bic") -> int:
    """The work an estimate takes, in model fits x cells: what an interactive budget is compared with."""
    jackknife = len(histories.counts) if bootstrap and bootstrap_method == "bca" else 0  # BCa refits
    return (bootstrap + 1 + jackknife) * 2 ** histories.m * (10 if criterion == "average" else 1)


def check_work(histories: CaptureHistories, *, budget: int | None, bootstrap: int = 0,
               bootstrap_method: str = "parametric", criterion: str = "bic") -> None:
    """Refuse up front an estimate that would keep an interactive worker busy for minutes."""
    if budget is None or work(histories, bootstrap=bootstrap, bootstrap_method=bootstrap_method,
                              criterion=criterion) <= budget:
        return
    jackknife = len(histories.counts) if bootstrap and bootstrap_method == "bca" else 0
    extra = f" and {jackknife} BCa jackknife refits" if jackknife else ""
    raise ValidationError(N_("this estimate is too much work for a web request ({m} lists, {bootstrap} bootstrap "
                             "replicates{extra}, criterion {criterion}); use fewer replicates, another criterion or "
                             "merged lists",
                             m=histories.m, bootstrap=bootstrap, extra=extra, criterion=criterion))


def analyse_for(principal: Principal, histories: CaptureHistories, *, threshold: int, owner: object = NO_OBJECT,
                budget: int | None = INTERACTIVE_BUDGET, **options: Any) -> Analysis:
    """The analysis as ``principal`` may see it: exact small cells only on its own organisation's table
    (rules table: ``estimation.exact_cells``; ``owner`` is the table's organisation, or NO_OBJECT for
    counts the principal sent itself), within the work ``budget``."""
    check_work(histories, budget=budget, bootstrap=options.get("bootstrap", 0),
               bootstrap_method=options.get("bootstrap_method", "parametric"), criterion=options.get("criterion", "bic"))
    exact = owner is NO_OBJECT or allowed(principal, "estimation.exact_cells", owner)
    return analyse(histories, threshold=threshold, exact=exact, **options)

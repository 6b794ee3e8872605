"""Multiple systems estimation: the hidden number of victims from the overlap of agencies' lists.

The core is plain Python (numpy, scipy, statsmodels): :class:`CaptureHistories` holds the counts by
combination of lists, :func:`estimate_population` chooses and fits a Poisson log-linear model and
returns an :class:`EstimateResult` with the method, model, lists, interval and warnings.
"""

from palermo.estimation.estimate import DEFAULT_CRITERION, EstimateResult, estimate_population
from palermo.estimation.histories import CaptureHistories, ListChange
from palermo.estimation.selection import CRITERIA

__all__ = ["CRITERIA", "DEFAULT_CRITERION", "CaptureHistories", "EstimateResult", "ListChange", "estimate_population"]

"""An estimate as a statistics source of its own, and the "N identified; estimated total L – U" line.

An MSE estimate is not a count: it enters the statistics as its own source (source type
``estimate``, stage ``estimated``, method ``MSE``, the lists used in the notes) through the public
API of statistics (``palermo.statistics.ingest.record_observations``), so it is never summed with the
recorded counts of the agencies whose lists it was built from. The country profile shows it beside
them with :func:`identified_and_estimated_text`.
"""

from __future__ import annotations

import math
from typing import Any

from palermo.auth.roles import Principal
from palermo.estimation.estimate import METHOD_LONG, EstimateResult
from palermo.messages import N_, Figure, Message

INDICATOR = "victims"
SOURCE_TYPE = "estimate"
STAGE = "estimated"


def _round_range(lower: float, upper: float) -> tuple[float, float]:
    """Round an interval outwards to two significant figures (10,000 – 13,000), the precision it deserves."""
    def r(x: float, up: bool) -> float:
        if math.isinf(x) or x <= 0:
            return x if math.isinf(x) else 0
        digits = max(int(math.floor(math.log10(x))) - 1, 0)
        step = 10 ** digits
        return (math.ceil(x / step) if up else math.floor(x / step)) * step

    return r(lower, False), r(upper, True)


def identified_and_estimated_text(identified: int | None, lower: float, upper: float) -> Message:
    """The country-profile line, e.g. ``"2,744 identified; estimated total 10,000 – 14,000"``: an ``N_``
    message whose figures a page writes as its language does (2.744 identificadas …).

    The interval is widened outwards to two significant figures; the point estimate is left out on
    purpose (the interval is the honest statement).
    """
    lo, hi = _round_range(lower, upper)
    low = Figure(int(lo))
    if identified is None:
        if math.isinf(hi):
            return N_("estimated total {lower} or more (no upper bound)", lower=low)
        return N_("estimated total {lower} – {upper}", lower=low, upper=Figure(int(hi)))
    if math.isinf(hi):
        return N_("{identified} identified; estimated total {lower} or more (no upper bound)",
                  identified=Figure(identified), lower=low)
    return N_("{identified} identified; estimated total {lower} – {upper}", identified=Figure(identified),
              lower=low, upper=Figure(int(hi)))


def result_text(result: EstimateResult) -> Message:
    return identified_and_estimated_text(result.observed, result.lower, result.upper)


def source_notes(result: EstimateResult) -> str:
    terms = ", ".join(result.terms) or "none"
    changes = "; ".join(str(c) for c in result.changes) or "none"
    return (f"{METHOD_LONG}. Lists used ({len(result.lists)}): {', '.join(result.lists)}. "
            f"Interactions: {terms}. Model choice: {result.criterion}. Observed on at least one list: "
            f"{result.observed}. {result.confidence:.0%} interval {result.lower:.0f}-{result.upper:.0f} "
            f"({result.interval_method}). List changes: {changes}.")


def record_estimate(session: Any, principal: Principal, result: EstimateResult, *, key: str, name: str, country: str,
                    period: str, coverage: str, owner_org_id: int | None = None,
                    legal_definition: str = "presumed and identified victims of trafficking in human beings, "
                                             "as recorded by the agencies whose lists were linked",
                    indicator: str = INDICATOR) -> Any:
    """Enter an estimate into the statistics as a source of type ``estimate`` (stage ``estimated``).

    The observation's value is the point estimate and ``lower``/``upper`` carry the interval; the flag
    ``estimated`` marks it. Returns the statistics ``Source``.
    """
    from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations

    spec = SourceSpec(
        key=key, name=name, source_type=SOURCE_TYPE, stage=STAGE, counting_unit="persons",
        legal_definition=legal_definition, coverage=coverage,
        owner_org_id=owner_org_id if owner_org_id is not None else principal.organisation_id,
        update_schedule="ad hoc", method="MSE", notes=source_notes(result))
    upper = None if math.isinf(result.upper) else round(result.upper)
    observation = ObservationSpec(
        indicator=indicator, country=country, period=period, sex="total", age_group="total",
        citizenship="total", exploitation="total", value=float(round(result.estimate)),
        flags={"estimated"}, lower=float(round(result.lower)), upper=None if upper is None else float(upper))
    return record_observations(session, principal, spec, [observation])


def country_estimate_text(session: Any, principal: Principal, country: str, period: str | None = None,
                          indicator: str = INDICATOR, threshold: int | None = None) -> str | None:
    """The profile line for a country from the statistics: the latest estimate beside the identified count.

    Reads through ``palermo.statistics.query.find_observations``; returns None when there is no
    estimate. The identified count is the largest national total of stage ``identified`` for the same
    period (never added to the estimate).
    """
    from palermo.statistics.disclosure import DEFAULT_THRESHOLD
    from palermo.statistics.query import find_observations

    limit = DEFAULT_THRESHOLD if threshold is None else threshold  # both reads under the reader's disclosure control
    estimates = [o for o in find_observations(session, principal, country=country, indicator=indicator,
                                              stage=STAGE, period=period, threshold=limit)
                 if getattr(o, "source_type", SOURCE_TYPE) == SOURCE_TYPE and getattr(o, "value", None) is not None]
    if not estimates:
        return None
    latest = max(estimates, key=lambda o: str(o.period))
    identified = [o for o in find_observations(session, principal, country=country, indicator=indicator,
                                               stage="identified", period=str(latest.period), threshold=limit)
                  if getattr(o, "value", None) is not None]
    counts = [o.value for o in identified if o.value is not None]
    count = int(max(counts)) if counts else None
    lower = latest.lower if latest.lower is not None else latest.value
    upper = latest.upper if latest.upper is not None else math.inf
    if lower is None:  # estimates are filtered on a value above: never reached
        return None
    return identified_and_estimated_text(count, float(lower), float(upper))

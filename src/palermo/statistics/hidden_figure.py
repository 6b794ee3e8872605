"""The hidden figure on a country profile: the latest estimate of the total number of victims (an MSE
estimate is a source of its own, stage ``estimated``) with its interval and method, beside the count of
victims identified in the same year. Both are read through the core read for the principal, so the
public profile shows them under the same disclosure rules as every other figure."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.statistics.models import Source
from palermo.statistics.query import find_observations

METHODS = {"MSE": "multiple systems estimation (capture-recapture over linked lists)"}


@dataclass(frozen=True)
class HiddenFigure:
    country: str
    period: str
    lower: float | None
    upper: float | None  # None: unbounded above
    estimate: float | None
    method: str
    method_notes: str
    source: str
    source_name: str
    identified: int | None  # the largest national total of identified victims that year, if the reader may see one
    identified_source: str | None
    text: str  # "2,744 identified; estimated total 10,000 – 14,000"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def hidden_figure(session: Session, principal: Principal, country: str, **read: Any) -> HiddenFigure | None:
    """The latest visible estimate for ``country`` with the identified count beside it; None without an
    estimate. ``read`` passes options (e.g. ``threshold``) to the core read."""
    from palermo.estimation.source import identified_and_estimated_text

    country = country.strip().upper()[:3]
    estimates = [o for o in find_observations(session, principal, country=country, indicator="victims", stage="estimated", **read)
                 if o.source_type == "estimate" and (o.value is not None or o.lower is not None)
                 and (o.sex, o.age_group, o.citizenship, o.exploitation) == ("total",) * 4]
    if not estimates:
        return None
    latest = max(estimates, key=lambda o: (o.period, o.source_key))
    identified = [o for o in find_observations(session, principal, country=country, indicator="victims", stage="identified",
                                               period=latest.period, **read)
                  if o.value is not None and (o.sex, o.age_group, o.citizenship, o.exploitation) == ("total",) * 4]
    best = max(identified, key=lambda o: o.value or 0) if identified else None
    method, notes = session.execute(select(Source.method, Source.notes).where(
        Source.key == latest.source_key, Source.vintage == latest.source_vintage)).one()
    lower = latest.lower if latest.lower is not None else latest.value
    upper = latest.upper
    count = int(best.value) if best and best.value is not None else None
    text = identified_and_estimated_text(count, float(lower or 0), math.inf if upper is None else float(upper))
    return HiddenFigure(country, latest.period, lower, upper, latest.value, METHODS.get(method or "", method or "estimate"),
                        (notes or "").split(". ")[0], latest.source_key, latest.source_name, count,
                        best.source_key if best else None, text)

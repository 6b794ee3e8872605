"""A country's profile: which year to show, the justice funnel against its reference, the share of women
and girls, and why the sources disagree — decided once here, so the web page, the API and the CLI agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth.roles import Principal
from palermo.statistics.charts import funnel_rows
from palermo.statistics.comparability import Concept, share
from palermo.statistics.disclosure import DEFAULT_THRESHOLD
from palermo.statistics.divergence import PairExplanation, explain
from palermo.statistics.query import ObservationView, find_observations

TOTALS = ("total",) * 4


@dataclass
class CountryProfile:
    country: str
    year: str
    years: list[str]
    reference: str | None  # the source the funnel compares others with (the first police count of victims)
    funnel: list[dict[str, Any]]
    shares: list[tuple[str, str]]  # (source, "n of N (x%)") of women and girls among victims
    pairs: list[PairExplanation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "year": self.year, "years": self.years, "reference": self.reference,
                "funnel": self.funnel, "shares": [{"source": k, "share": v} for k, v in self.shares],
                "pairs": [p.to_dict() for p in self.pairs]}


def default_year(obs: list[ObservationView]) -> str:
    """The most recent year that the most sources report on: where comparison is possible."""
    years = sorted({o.period for o in obs})
    if not years:
        return str(date.today().year - 1)
    by_year = {y: len({o.source_key for o in obs if o.period == y}) for y in years}
    return max(years, key=lambda y: (by_year[y], y))


def female_shares(obs: list[ObservationView]) -> list[tuple[str, str]]:
    """Women and girls among victims per source, from the cells the reader may see (a suppressed cell gives none)."""
    out = []
    for o in obs:
        if o.indicator != "victims" or (o.sex, o.age_group, o.citizenship, o.exploitation) != TOTALS:
            continue
        female = next((x for x in obs if x.source_key == o.source_key and x.indicator == "victims" and x.sex == "female"
                       and (x.age_group, x.citizenship, x.exploitation) == TOTALS[:3]), None)
        if female and female.value is not None and o.value:
            out.append((o.source_key, str(share(female.value, o.value))))
    return out


def country_profile(session: Session, principal: Principal, country: str, year: str | None = None, *,
                    threshold: int = DEFAULT_THRESHOLD) -> CountryProfile:
    """The profile of ``country`` for ``year`` (default: :func:`default_year`) as the principal may see it."""
    country = country.strip().upper()[:3]
    obs = find_observations(session, principal, country=country, threshold=threshold)
    chosen = str(year) if year else default_year(obs)
    this_year = [o for o in obs if o.period == chosen]
    police = next((o for o in this_year if o.source_type == "police" and o.indicator == "victims"), None)
    return CountryProfile(
        country, chosen, sorted({o.period for o in obs}), police.source_key if police else None,
        funnel_rows(this_year, Concept.of(police) if police else None), female_shares(this_year),
        explain(session, principal, country=country, year=chosen, threshold=threshold))

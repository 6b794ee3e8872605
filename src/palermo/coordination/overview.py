"""One call that gathers what the analyses need: initiatives, statistics-based need and context."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.cache import VersionedCache
from palermo.coordination import analysis, results
from palermo.coordination.context import CountryContext, load_context
from palermo.coordination.initiatives import is_active, list_initiatives
from palermo.coordination.models import Initiative
from palermo.statistics.disclosure import DEFAULT_THRESHOLD

log = logging.getLogger(__name__)


@dataclass
class Overview:
    initiatives: list[Initiative]
    needs: list[analysis.Need]
    context: dict[str, CountryContext] = field(default_factory=dict)
    on: date | None = None
    principal: Principal = field(default_factory=Principal.system)  # the reader: decides which counts are shown
    threshold: int = 5
    _computed: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def matrix(self) -> list[dict[str, Any]]:
        return analysis.matrix(self.initiatives, self.on)

    def overlaps(self) -> list[analysis.Overlap]:
        return self._once("overlaps", lambda: analysis.overlaps(self.initiatives, self.on))

    def gaps(self) -> list[analysis.Gap]:
        return self._once("gaps", lambda: analysis.gaps(self.initiatives, self.needs, self.context, self.on))

    def _once(self, name: str, compute: Any) -> Any:
        """Each analysis computed once per overview (the page and its suggestions both use them)."""
        if name not in self._computed:
            self._computed[name] = compute()
        return self._computed[name]

    def suggestions(self) -> list[dict[str, Any]]:
        return analysis.suggestions(self.overlaps())

    def active_by_country(self) -> dict[str, int]:
        """How many distinct initiatives are under way in each country (one with two themes counts once)."""
        return analysis.active_by_country(self.initiatives, self.on)

    def reached_by_country(self) -> dict[str, float]:
        """People reached as a percentage of people targeted, per country, over the initiatives under way
        there that report both (an initiative in several countries counts in each)."""
        sums: dict[str, list[float]] = {}
        for i in self.initiatives:
            h = results.headline_for(self.principal, i, self.threshold)
            under_way = is_active(i, self.on) if self.on else i.status != "cancelled"  # as analysis counts them
            if not (under_way and h and h.people and h.target and h.actual is not None):
                continue
            for c in i.countries:
                t = sums.setdefault(c, [0.0, 0.0])
                t[0], t[1] = t[0] + h.actual, t[1] + h.target
        return {c: round(100 * a / t) for c, (a, t) in sorted(sums.items()) if t}

    def gaps_by_country(self) -> dict[str, int]:
        return dict(Counter(g.country for g in self.gaps()))


def needs_from_statistics(session: Session, principal: Principal, threshold: int | None = None) -> list[analysis.Need]:
    """Recorded victims per country, read through the statistics module's query under the reader's disclosure control."""
    from palermo.statistics.query import find_observations

    limit = DEFAULT_THRESHOLD if threshold is None else threshold
    return analysis.needs_from_observations(find_observations(session, principal, threshold=limit))


_CACHE = VersionedCache(size=32, ttl=60.0)


def overview(session: Session, principal: Principal, *, on: date | None = None,
             context_dir: Path | None = None, threshold: int | None = None) -> Overview:
    """The map on a date (today by default: what is under way now), cached per reader (organisation and
    roles: they decide which counts are shown), day and data version (the page is read far more than written)."""
    on = on or date.today()
    key = (str(session.get_bind().engine.url), principal.organisation_id, principal.roles, principal.is_system,
           principal.is_anonymous, on, context_dir, threshold, audit.head_seq(session))
    return _CACHE.get(key, lambda: _overview(session, principal, on, context_dir, threshold))


def _overview(session: Session, principal: Principal, on: date, context_dir: Path | None,
              threshold: int | None = None) -> Overview:
    initiatives = list_initiatives(session)
    recorded = needs_from_statistics(session, principal, threshold)
    # Context is shown for the countries the map is about: where initiatives work or statistics show need.
    focus = {c for i in initiatives for c in i.countries} | {n.country for n in recorded}
    ctx = {cc: c for cc, c in load_context(context_dir).items() if cc in focus}
    return Overview(initiatives, recorded + analysis.needs_from_context(ctx), ctx, on, principal,
                    DEFAULT_THRESHOLD if threshold is None else threshold)

"""The data explorer: filter rows a reader may see by country, indicator, year, source and breakdown, sort
them and cut them into pages. It works on rows already read for the reader (protected where the reader
may not see true values), so a filter can never undo disclosure control: protection was decided on whole
tables before any filter applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from palermo.errors import Problem, ValidationError
from palermo.listing import whole_number
from palermo.messages import N_, joined

Row = dict[str, Any]
BREAKDOWNS = ("total", "sex", "age_group", "citizenship", "exploitation")
DIMS = BREAKDOWNS[1:]
SORTS = ("country", "indicator", "period", "source", "stage", "value", "sex", "age_group", "citizenship", "exploitation")
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class ExplorerQuery:
    """What the reader asked for; empty filters mean any."""

    country: str | None = None
    indicator: str | None = None
    year: str | None = None
    source: str | None = None
    breakdown: str | None = None  # "total" (national totals only) or the one dimension broken down
    sort: str = "country"
    descending: bool = False
    page: int = 1
    per_page: int = 50
    public: bool = False  # the public view asked for by a reader who could see true values

    @classmethod
    def parse(cls, params: dict[str, str | None]) -> ExplorerQuery:
        """From request parameters; every problem reported at once, with what works instead."""
        problems: list[Problem] = []

        def text(name: str, size: int) -> str | None:
            v = (params.get(name) or "").strip()
            if len(v) > size:
                problems.append(Problem(N_("{name} is at most {size} characters", name=name, size=size), field=name, value=v[:40]))
            return v or None

        country, indicator, year, source = text("country", 3), text("indicator", 40), text("year", 10), text("source", 120)
        breakdown = text("breakdown", 20)
        if breakdown and breakdown not in BREAKDOWNS:
            problems.append(Problem(N_("breakdown unknown; use one of {breakdowns}", breakdowns=', '.join(BREAKDOWNS)),
                                    field="breakdown", value=breakdown))
        sort = text("sort", 20) or "country"
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in SORTS:
            problems.append(Problem(N_("cannot sort by this; use one of {sorts} (a leading '-' sorts descending)",
                                       sorts=', '.join(SORTS)),
                                    field="sort", value=sort))
        page = whole_number(params, "page", 1, 10**6, problems)
        per_page = whole_number(params, "per_page", 50, MAX_PER_PAGE, problems)
        public = (params.get("public") or "").strip().lower()
        if public not in ("", "true", "false", "1", "0"):
            problems.append(Problem(N_("public is true or false"), field="public", value=public[:20]))
        if problems:
            raise ValidationError(N_("the data filter is invalid: {problems}",
                                     problems=joined(p.text for p in problems)), problems)
        return cls(country.upper() if country else None, indicator, year, source, breakdown, sort, descending, page, per_page,
                   public in ("true", "1"))

    def params(self, **change: Any) -> dict[str, str]:
        """The query as URL parameters (for links to other pages and sorts), without empty ones."""
        values = {"country": self.country, "indicator": self.indicator, "year": self.year, "source": self.source,
                  "breakdown": self.breakdown, "sort": ("-" if self.descending else "") + self.sort,
                  "page": self.page, "per_page": self.per_page, "public": "true" if self.public else None} | change
        return {k: str(v) for k, v in values.items() if v not in (None, "") and not (k == "sort" and v == "country")}


@dataclass
class ExplorerPage:
    rows: list[Row]
    total: int
    page: int
    pages: int
    facets: dict[str, list[str]] = field(default_factory=dict)
    query: ExplorerQuery = field(default_factory=ExplorerQuery)  # for page links that keep the selection


def _breakdown(r: Row) -> str:
    broken = [d for d in DIMS if r[d] != "total"]
    return "total" if not broken else broken[0] if len(broken) == 1 else "cross"


def explore(rows: list[Row], q: ExplorerQuery) -> ExplorerPage:
    """One page of the rows matching ``q``, sorted, with the values each filter offers (facets)."""
    facets = {"country": sorted({r["country"] for r in rows}), "indicator": sorted({r["indicator"] for r in rows}),
              "year": sorted({r["period"] for r in rows}, reverse=True), "source": sorted({r["source"] for r in rows})}
    wanted = [(k, v) for k, v in (("country", q.country), ("indicator", q.indicator), ("period", q.year),
                                  ("source", q.source)) if v]
    hits = [r for r in rows if all(r[k] == v for k, v in wanted) and (not q.breakdown or _breakdown(r) == q.breakdown)]
    if q.sort == "value":  # unknown and suppressed values sort after every number, whichever the direction
        known = sorted((r for r in hits if r["value"] is not None), key=lambda r: r["value"], reverse=q.descending)
        hits = known + [r for r in hits if r["value"] is None]
    else:
        hits.sort(key=lambda r: (str(r[q.sort]), r["country"], r["period"], r["source"]), reverse=q.descending)
    pages = max(1, -(-len(hits) // q.per_page))
    page = min(q.page, pages)
    start = (page - 1) * q.per_page
    return ExplorerPage(hits[start:start + q.per_page], len(hits), page, pages, facets, q)

"""Lists that scale: what a reader asked of a long list (search, filters, a sort on a whitelisted key, a
page) and one page of it, counted and cut in the database.

Each list declares a :class:`ListSpec` (its sort keys and filters); :meth:`ListSpec.parse` turns request
parameters into a :class:`ListQuery` or a :class:`~palermo.errors.ValidationError` naming every bad
parameter and what works instead. The core list functions apply the query to a statement that already
holds only what the principal may see, so a count is always a count of visible rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, SQLColumnExpression, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from palermo.errors import Problem, ValidationError
from palermo.messages import N_, joined

T = TypeVar("T")
# a column or SQL expression a list sorts or searches on
Column = SQLColumnExpression[Any]
MAX_SEARCH = 100


def whole_number(params: Mapping[str, str | None], name: str, default: int, top: int, problems: list[Problem]) -> int:
    """A page or page size from request parameters: the default when absent, a problem when not 1..top."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        problems.append(Problem(N_("{name} must be a whole number from 1 to {top:,}", name=name, top=top), field=name, value=raw[:20]))
        return default
    return int(raw)


@dataclass(frozen=True)
class ListQuery:
    """One reader's view of a list; empty search and filters mean everything."""

    spec: ListSpec
    sort: str
    descending: bool
    page: int = 1
    per_page: int = 50
    search: str | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    kept: Mapping[str, str] = field(default_factory=dict)  # the page's other parameters, carried by every link

    def params(self, **change: Any) -> dict[str, str]:
        """The query as URL parameters (for page and sort links), without empty or default ones.

        ``sort="score"`` in ``change`` sorts by that key in its natural direction; ``sort="-score"`` descending.
        """
        values: dict[str, Any] = {**self.kept, "q": self.search, **self.filters,
                                  "sort": ("-" if self.descending else "") + self.sort,
                                  "page": self.page, "per_page": self.per_page} | change
        if values.get("sort") == self.spec.default_sort:
            values["sort"] = None
        if str(values.get("per_page")) == str(self.spec.per_page):
            values["per_page"] = None
        if str(values.get("page")) == "1":
            values["page"] = None
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def sorted_by(self, key: str) -> dict[str, str]:
        """Parameters of the link on a column heading: first page, by ``key``; again reverses the direction."""
        if key == self.sort:
            return self.params(sort=("" if self.descending else "-") + key, page=1)
        return self.params(sort=("-" if key in self.spec.descending_first else "") + key, page=1)

    def aria_sort(self, key: str) -> str:
        """The heading's ``aria-sort``: ascending, descending, or none when the list is sorted otherwise."""
        return "none" if key != self.sort else "descending" if self.descending else "ascending"

    def at(self, page: int) -> ListQuery:
        return replace(self, page=page)


@dataclass(frozen=True)
class ListSpec:
    """What one list offers: sort keys, a default sort (``-key`` for descending), filters and their values."""

    name: str  # in messages: "the list of hits"
    sorts: tuple[str, ...]
    default_sort: str
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    texts: Mapping[str, int] = field(default_factory=dict)  # free-text filters and their longest value
    keep: tuple[str, ...] = ()  # parameters of the page (validated by it) that page and sort links keep
    descending_first: tuple[str, ...] = ()  # keys a first click sorts descending (scores, dates)
    per_page: int = 50
    max_per_page: int = 200

    def parse(self, params: Mapping[str, str | None]) -> ListQuery:
        """A query from request parameters; every bad parameter reported at once, with what works instead."""
        problems: list[Problem] = []

        search = (params.get("q") or "").strip()
        if len(search) > MAX_SEARCH:
            problems.append(Problem(N_("a search is at most {max_search} characters", max_search=MAX_SEARCH), field="q", value=search[:40]))
        raw_sort = (params.get("sort") or "").strip() or self.default_sort
        sort = raw_sort.removeprefix("-")
        if sort not in self.sorts:
            problems.append(Problem(N_("cannot sort by this; use one of {sorts} (a leading '-' sorts descending)",
                                       sorts=', '.join(self.sorts)), field="sort", value=raw_sort[:40]))
            raw_sort = self.default_sort
        chosen: dict[str, str] = {}
        for name, values in self.filters.items():
            v = (params.get(name) or "").strip()
            if v and v not in values:
                problems.append(Problem(N_("{name} unknown; use one of {values} (or leave it empty for all)",
                                           name=name, values=', '.join(values)),
                                        field=name, value=v[:40]))
            elif v:
                chosen[name] = v
        for name, size in self.texts.items():
            v = (params.get(name) or "").strip()
            if len(v) > size:
                problems.append(Problem(N_("{name} is at most {size} characters", name=name, size=size), field=name, value=v[:40]))
            elif v:
                chosen[name] = v
        page = whole_number(params, "page", 1, 10**6, problems)
        per_page = whole_number(params, "per_page", self.per_page, self.max_per_page, problems)
        if problems:
            raise ValidationError(N_("{name} cannot be shown so: {problems}",
                                     name=self.name, problems=joined(p.text for p in problems)), problems)
        kept = {k: v[:40] for k in self.keep if (v := (params.get(k) or "").strip())}
        return ListQuery(self, raw_sort.removeprefix("-"), raw_sort.startswith("-"), page, per_page,
                         search[:MAX_SEARCH] or None, chosen, kept)

    def default(self) -> ListQuery:
        return self.parse({})

    @property
    def filter_names(self) -> tuple[str, ...]:
        return (*self.filters, *self.texts)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with the count of everything the query matched (of what the reader may see)."""

    items: list[T]
    total: int
    page: int
    pages: int
    query: ListQuery

    @property
    def first(self) -> int:
        """Position of the first item shown (1-based; 0 on an empty list)."""
        return 0 if not self.items else (self.page - 1) * self.query.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def map(self, fn: Callable[[list[T]], list[Any]]) -> Page[Any]:
        """The same page with its items turned into views (e.g. rows into what a side may see of them)."""
        return Page(fn(self.items), self.total, self.page, self.pages, self.query)


def window(total: int, query: ListQuery) -> tuple[int, int, int]:
    """``(page, pages, offset)``: a page past the end shows the last page, never an empty one."""
    pages = max(1, -(-total // query.per_page))
    page = min(query.page, pages)
    return page, pages, (page - 1) * query.per_page


def contains_any(search: str | None, columns: Sequence[Column]) -> ColumnElement[bool] | None:
    """A case-insensitive "contains" over several columns (the same on SQLite and PostgreSQL); None: no search."""
    if not search:
        return None
    needle = search.lower()
    return or_(*(func.lower(c).contains(needle, autoescape=True) for c in columns))


def fetch_page(session: Session, stmt: Select[Any], query: ListQuery, order: Mapping[str, Column],
               tiebreak: Sequence[Column], *, scalars: bool = True) -> Page[Any]:
    """Count ``stmt``'s rows, sort them on the query's whitelisted key (unknown values last in either
    direction, then ``tiebreak`` for a stable order) and read one page.

    ``stmt`` must already be restricted to what the reader may see: the total is a count of its rows.
    """
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    page, pages, offset = window(total, query)
    key = order[query.sort]
    ordered = stmt.order_by((key.desc() if query.descending else key.asc()).nulls_last(), *tiebreak)
    result = session.execute(ordered.limit(query.per_page).offset(offset))
    items = list(result.scalars()) if scalars else list(result.all())
    return Page(items, total, page, pages, query)


def page_of(items: Sequence[T], query: ListQuery, keys: Mapping[str, Callable[[T], Any]]) -> Page[T]:
    """The same for a list the core has already built in memory (e.g. rows after disclosure control):
    sorted on the whitelisted key, ``None`` last whichever the direction."""
    key = keys[query.sort]
    known = sorted((i for i in items if key(i) is not None), key=key, reverse=query.descending)
    ordered = known + [i for i in items if key(i) is None]
    page, pages, offset = window(len(ordered), query)
    return Page(ordered[offset:offset + query.per_page], len(ordered), page, pages, query)

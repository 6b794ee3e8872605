"""The shared list query (palermo.listing): whitelisted sorts, filters and page numbers parsed from request
parameters with every problem reported at once, links that keep the reader's choices, and pages cut in the
database with unknown values last in either direction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from palermo.auth import accounts
from palermo.auth.models import Organisation
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import ValidationError
from palermo.listing import ListSpec, fetch_page, page_of

SPEC = ListSpec("the list of things", sorts=("name", "score"), default_sort="-score", descending_first=("score",),
                filters={"status": ("open", "closed")}, texts={"action": 10}, keep=("on",), per_page=20, max_per_page=50)


@pytest.mark.parametrize("params, fields", [
    ({"sort": "password_hash"}, ["sort"]),
    ({"sort": "-name; drop table"}, ["sort"]),
    ({"status": "secret"}, ["status"]),
    ({"page": "0"}, ["page"]),
    ({"page": "two"}, ["page"]),
    ({"per_page": "51"}, ["per_page"]),
    ({"q": "x" * 101}, ["q"]),
    ({"action": "a" * 11}, ["action"]),
    ({"sort": "bogus", "status": "x", "page": "-1"}, ["sort", "status", "page"]),  # every problem at once
])
def test_bad_parameters_are_refused_with_what_works_instead(params: dict[str, str], fields: list[str]) -> None:
    with pytest.raises(ValidationError) as err:
        SPEC.parse(params)
    assert [p.field for p in err.value.problems] == fields
    assert err.value.message.startswith("the list of things cannot be shown so")
    if "sort" in fields:
        assert "use one of name, score" in err.value.message


def test_a_query_keeps_the_readers_choices_in_its_links() -> None:
    q = SPEC.parse({"q": "ab", "status": "open", "action": "x.", "on": "2026-01-01", "sort": "name", "page": "3",
                    "ignored": "1"})
    assert (q.search, q.sort, q.descending, q.page, dict(q.filters), dict(q.kept)) == (
        "ab", "name", False, 3, {"status": "open", "action": "x."}, {"on": "2026-01-01"})
    assert q.params(page=4) == {"on": "2026-01-01", "q": "ab", "status": "open", "action": "x.", "sort": "name",
                                "page": "4"}
    # a heading link starts at page 1; on the sorted column it reverses the direction
    assert q.sorted_by("name") == {"on": "2026-01-01", "q": "ab", "status": "open", "action": "x.", "sort": "-name"}
    assert "sort" not in q.sorted_by("score") and "page" not in q.sorted_by("score")  # -score: the default, descending
    assert (q.aria_sort("name"), q.aria_sort("score")) == ("ascending", "none")
    default = SPEC.parse({})
    assert default.params() == {} and (default.sort, default.descending, default.per_page) == ("score", True, 20)


def test_in_memory_pages_put_unknown_values_last_both_ways() -> None:
    items = [{"n": 3}, {"n": None}, {"n": 1}, {"n": 2}]
    keys = {"name": lambda i: i["n"], "score": lambda i: i["n"]}
    up = page_of(items, SPEC.parse({"sort": "name", "per_page": "3"}), keys)
    down = page_of(items, SPEC.parse({"sort": "-name", "per_page": "3", "page": "2"}), keys)
    assert [i["n"] for i in up.items] == [1, 2, 3] and (up.total, up.pages, up.first, up.last) == (4, 2, 1, 3)
    assert [i["n"] for i in down.items] == [None] and (down.page, down.first, down.last) == (2, 4, 4)
    # a page past the end shows the last page rather than an empty one
    assert page_of(items, SPEC.parse({"page": "9", "per_page": "3"}), keys).page == 2


def test_database_pages_count_and_sort_in_sql(db: Database) -> None:
    system = Principal.system()
    with db.session() as s:
        for i, country in enumerate(["NLD", None, "ITA", "ESP", None]):
            accounts.create_organisation(s, system, name=f"Org {i}", short_name=f"O{i}", org_type="police", country=country)
    spec = ListSpec("organisations", sorts=("country", "name"), default_sort="country", per_page=2)
    order = {"country": Organisation.country, "name": Organisation.name}
    with db.session() as s:
        seen = []
        for page in (1, 2, 3):
            p = fetch_page(s, select(Organisation), spec.parse({"page": str(page)}), order, [Organisation.id])
            assert (p.total, p.pages) == (5, 3)
            seen += [o.country for o in p.items]
        assert seen == ["ESP", "ITA", "NLD", None, None]  # unknown last, on SQLite and PostgreSQL alike
        p = fetch_page(s, select(Organisation), spec.parse({"sort": "-country"}), order, [Organisation.id])
        assert [o.country for o in p.items] == ["NLD", "ITA"]
        narrowed = select(Organisation).where(Organisation.country == "NLD")
        assert fetch_page(s, narrowed, spec.default(), order, [Organisation.id]).total == 1

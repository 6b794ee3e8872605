"""The hit list in pages (linkage.hits.hits_page): the demo's Europol analyst had 108 hits on one page with no
search, sort or "already requested" marker. Pages are cut, searched and filtered in the database and count
only the organisation's own hits."""

from __future__ import annotations

from sqlalchemy import select

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.exchange.requests import answer_request, file_request
from palermo.linkage.hits import HIT_LIST, hits_for, hits_page
from palermo.linkage.models import LinkHit


def _who(s, username: str) -> Principal:  # type: ignore[no-untyped-def]
    return accounts.principal_for(accounts.get_user(s, username))


def test_pages_of_hits_cover_every_hit_once_best_first(demo_db: Database) -> None:
    with demo_db.session(write=False) as s:
        europol = _who(s, "europol.analyst")
        every = hits_for(s, europol)
        assert len(every) > 50  # the demo's long list
        seen = []
        first = hits_page(s, europol, HIT_LIST.parse({"per_page": "25"}))
        assert (first.total, first.pages, len(first.items)) == (len(every), -(-len(every) // 25), 25)
        for n in range(1, first.pages + 1):
            seen += hits_page(s, europol, HIT_LIST.parse({"per_page": "25", "page": str(n)})).items
        assert [h.reference for h in seen] == [h.reference for h in every]  # the same order as the whole list
        assert [h.score for h in seen] == sorted((h.score for h in every), reverse=True)
        by_agency = hits_page(s, europol, HIT_LIST.parse({"sort": "agency", "per_page": "200"})).items
        assert [h.other_agency for h in by_agency] == sorted(h.other_agency for h in every)


def test_search_and_filters_count_only_the_organisations_own_hits(demo_db: Database) -> None:
    with demo_db.session(write=False) as s:
        europol, es = _who(s, "europol.analyst"), _who(s, "es.officer")
        mine = hits_for(s, europol)
        agency = mine[0].other_agency
        found = hits_page(s, europol, HIT_LIST.parse({"q": agency.lower(), "per_page": "200"}))
        assert found.total == sum(h.other_agency == agency for h in mine) > 0
        record = mine[-1].my_record
        assert [h.reference for h in hits_page(s, europol, HIT_LIST.parse({"q": record})).items] == [
            h.reference for h in mine if record in h.my_record]
        # another organisation's hit is not found by its reference, and not counted
        theirs = s.execute(select(LinkHit.reference).where(LinkHit.org_a_id != europol.organisation_id,
                                                           LinkHit.org_b_id != europol.organisation_id)).scalars().first()
        assert theirs is not None
        assert hits_page(s, europol, HIT_LIST.parse({"q": theirs})).total == 0
        assert hits_page(s, es, HIT_LIST.default()).total == len(hits_for(s, es)) < s.query(LinkHit).count()
        # a search with LIKE wildcards matches them literally
        assert hits_page(s, europol, HIT_LIST.parse({"q": "%"})).total == 0


def test_the_follow_up_filter_finds_hits_already_requested_answered_or_refused(demo_db: Database) -> None:
    with demo_db.session() as s:
        officer = _who(s, "es.officer")
        hits = [h for h in hits_for(s, officer) if h.may_request and h.other_agency == "EUROPOL"][:2]
        assert len(hits) == 2
        filed = [file_request(s, officer, owner_org_id=accounts.get_organisation(s, "EUROPOL").id,
                              category=h.category, purpose="investigation", justification="case ES-9",
                              case_reference="ES-9", data_wanted="identity", match_reference=h.reference)
                 for h in hits]
        answer_request(s, _who(s, "europol.owner"), filed[1].reference, decision="refuse", reason="not necessary")
    with demo_db.session(write=False) as s:
        officer = _who(s, "es.officer")

        def refs(follow_up: str) -> set[str]:
            return {h.reference for h in hits_page(s, officer, HIT_LIST.parse({"follow_up": follow_up,
                                                                               "per_page": "200"})).items}
        assert refs("requested") == {hits[0].reference}
        assert refs("refused") == {hits[1].reference}
        assert refs("answered") == set()
        everything = {h.reference for h in hits_for(s, officer)}
        assert refs("none") == everything - {hits[0].reference, hits[1].reference}
        rows = {h.reference: h for h in hits_page(s, officer, HIT_LIST.parse({"per_page": "200"})).items}
        assert (rows[hits[0].reference].request_status, rows[hits[1].reference].request_status) == ("requested", "refused")

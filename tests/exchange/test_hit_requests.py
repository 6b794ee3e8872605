"""Requests follow hits: only a holder of a hit may cite it, to the hit's other party, for the kind of record
matched, once at a time; refusals store nothing and are audited; the hit shows its follow-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.errors import Conflict, NotFound, PalermoError, PermissionDenied, ValidationError
from palermo.exchange.models import ExchangeRequest
from palermo.exchange.requests import answer_request, file_request
from palermo.linkage.hits import hits_for
from palermo.linkage.models import LinkUpload
from tests.conftest import make_settings
from tests.web_helpers import client_for, csrf, login

JUSTIFICATION = "Suspect Jan de Vries seen at Schiphol with two minors"  # must never reach the audit trail


def _who(s: Any, user: str) -> Principal:
    return accounts.principal_for(accounts.get_user(s, user))


def _org(s: Any, short: str) -> int:
    return accounts.get_organisation(s, short).id


def _nl_hit(db: Database, other: str = "EUROPOL") -> str:
    with db.session(write=False) as s:
        return next(h.reference for h in hits_for(s, _who(s, "nl.officer")) if h.other_agency == other and h.request_status is None)


def _requests(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(ExchangeRequest)).scalar_one())


def _refusals(db: Database) -> list[AuditEntry]:
    with db.session(write=False) as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == "exchange.request.refused")
                              .order_by(AuditEntry.seq)).scalars())


def _file(db: Database, user: str, owner: str, match: str | None, *, category: str = "personal_data_suspects",
          purpose: str = "investigation") -> str:
    """File in a unit of work of its own, as every face does: a refusal ends it and rolls it back."""
    with db.session() as s:
        return file_request(s, _who(s, user), owner_org_id=_org(s, owner), category=category, purpose=purpose,
                            justification=JUSTIFICATION, case_reference="NL-2026-77", data_wanted="identity",
                            match_reference=match).reference


def test_a_request_cannot_cite_another_organisations_hit(demo_db: Database, tmp_path: Path) -> None:
    """The reported defect: uk.owner filed `/exchange/requests/new?owner=EUROPOL&match=<a hit of NL-POL>` and
    through `POST /api/v1/exchange/requests` with `match_reference`, and Europol's data owner saw it as a hit
    follow-up. Now both faces refuse it as an unknown hit, store nothing and audit the attempt."""
    hit = _nl_hit(demo_db)
    before, refusals = _requests(demo_db), len(_refusals(demo_db))
    client = client_for(make_settings(tmp_path, demo_db), demo_db)
    login(client, "uk.owner", DEMO_PASSWORD)
    page = client.get(f"/exchange/requests/new?owner=EUROPOL&match={hit}")
    assert page.status_code == 404 and 'id="request-form"' not in page.text
    r = client.post("/exchange/requests", data={"csrf_token": csrf(client), "owner": "EUROPOL", "match": hit,
                                                "category": "personal_data_suspects", "purpose": "investigation",
                                                "justification": JUSTIFICATION, "case_reference": "UK-1",
                                                "data_wanted": "identity"})
    assert r.status_code == 404 and hit in r.text and "for your organisation" in r.text
    with demo_db.session() as s:
        token = accounts.issue_token(s, Principal.system(), accounts.get_user(s, "uk.owner"), "t").token
    r = client.post("/api/v1/exchange/requests", headers={"Authorization": f"Bearer {token}"},
                    json={"owner": "EUROPOL", "category": "personal_data_suspects", "purpose": "investigation",
                          "justification": JUSTIFICATION, "case_reference": "UK-2", "data_wanted": "identity",
                          "match_reference": hit})
    assert r.status_code == 404 and "no hit" in r.json()["message"]
    assert _requests(demo_db) == before
    with demo_db.session(write=False) as s:
        cited = s.execute(select(ExchangeRequest).where(ExchangeRequest.match_reference == hit)).scalars().all()
        uk = _org(s, "UK-NCA")
    assert cited == []  # Europol's data owner has nothing to see
    new = _refusals(demo_db)[refusals:]
    assert len(new) == 2 and {e.organisation_id for e in new} == {uk}
    for e in new:
        details = json.loads(e.details)
        assert details["refusal"] == "hit held by other organisations" and details["match"] == hit
        assert details["reason"].startswith(f"no hit '{hit}' for your organisation")
        assert e.object_id == hit and JUSTIFICATION not in e.details and "UK-1" not in e.details


def _withdrawn_hit(db: Database) -> str:
    """A hit of NL-POL with the Labour Authority whose upload the Labour Authority withdrew."""
    from palermo.linkage.hits import find_hit
    from palermo.linkage.lifecycle import withdraw

    ref = _nl_hit(db, "NL-LA")
    with db.session() as s:
        hit = find_hit(s, ref)
        assert hit is not None
        upload = hit.upload_b_id if hit.org_b_id == _org(s, "NL-LA") else hit.upload_a_id
        withdraw(s, _who(s, "nl.inspector"), s.get(LinkUpload, upload).reference)
    return ref


# (case, requester, owner, hit: None/"nl"/"unknown"/"withdrawn", category, purpose, error, message, audited reason)
BAD = [
    ("unknown hit", "nl.officer", "EUROPOL", "unknown", "personal_data_suspects", "investigation", NotFound,
     "no hit 'hit-0000000000000000' for your organisation", "unknown hit"),
    ("foreign hit", "it.owner", "EUROPOL", "nl", "personal_data_suspects", "investigation", NotFound,
     "for your organisation", "hit held by other organisations"),
    ("withdrawn hit", "nl.officer", "NL-LA", "withdrawn", "personal_data_victims", "investigation", Conflict,
     "is withdrawn", "hit no longer open"),
    ("owner not the other party", "nl.officer", "NL-OM", "nl", "personal_data_suspects", "investigation", ValidationError,
     "a request citing it goes to EUROPOL, not to NL-OM", "owner is not the hit's other party"),
    ("category not of the hit", "nl.officer", "EUROPOL", "nl", "personal_data_victims", "investigation", ValidationError,
     "matched a record of personal data of suspects", "category does not follow the hit"),
    ("purpose not covered", "nl.officer", "EUROPOL", "nl", "personal_data_suspects", "research", PermissionDenied,
     "EU-OPS-NL does not cover the purpose research", "no agreement allows it"),
    ("category not covered", "nl.officer", "MTX", None, "personal_data_suspects", "investigation", PermissionDenied,
     "NL-MTX-HNH does not cover personal data of suspects", "no agreement allows it"),
    ("unknown purpose", "nl.officer", "EUROPOL", "nl", "personal_data_suspects", "curiosity", ValidationError,
     "unknown purpose", "unknown category or purpose"),
    ("role may not file", "viewer", "EUROPOL", None, "personal_data_suspects", "investigation", PermissionDenied,
     "may not file follow-up requests", "role may not file requests"),
]


@pytest.mark.parametrize("case, user, owner, hit, category, purpose, error, message, reason", BAD, ids=[b[0] for b in BAD])
def test_bad_requests_are_refused_with_the_reason_stored_nowhere_and_audited(
        demo_db: Database, case: str, user: str, owner: str, hit: str | None, category: str, purpose: str,
        error: type[PalermoError], message: str, reason: str) -> None:
    match = {"nl": lambda: _nl_hit(demo_db), "withdrawn": lambda: _withdrawn_hit(demo_db),
             "unknown": lambda: "hit-0000000000000000", None: lambda: None}[hit]()
    before, refusals = _requests(demo_db), len(_refusals(demo_db))
    with pytest.raises(error, match=message):
        _file(demo_db, user, owner, match, category=category, purpose=purpose)
    assert _requests(demo_db) == before
    new = _refusals(demo_db)[refusals:]
    assert len(new) == 1, case
    details = json.loads(new[0].details)
    assert details["refusal"].startswith(reason) and details["owner"] == owner and details["match"] == match
    assert message.split("'")[0] in details["reason"]  # the message the requester read
    assert new[0].legal_basis is None and JUSTIFICATION not in new[0].details and "NL-2026-77" not in new[0].details


def test_a_hit_shows_its_request_and_allows_one_open_request_at_a_time(demo_db: Database) -> None:
    hit = _nl_hit(demo_db)
    ref = _file(demo_db, "nl.officer", "EUROPOL", hit)
    with demo_db.session(write=False) as s:
        mine = next(h for h in hits_for(s, _who(s, "nl.officer")) if h.reference == hit)
        theirs = next(h for h in hits_for(s, _who(s, "europol.owner")) if h.reference == hit)
    assert (mine.request_status, mine.request_reference, mine.may_request) == ("requested", ref, False)
    assert (theirs.incoming_status, theirs.incoming_reference, theirs.request_status) == ("requested", ref, None)
    with pytest.raises(Conflict, match=f"request {ref} citing hit {hit} is still open"):
        _file(demo_db, "nl.analyst", "EUROPOL", hit)
    with demo_db.session() as s:
        answer_request(s, _who(s, "europol.owner"), ref, decision="refuse", reason="not enough grounds given")
    with demo_db.session(write=False) as s:
        mine = next(h for h in hits_for(s, _who(s, "nl.officer")) if h.reference == hit)
    assert (mine.request_status, mine.may_request) == ("refused", True)
    again = _file(demo_db, "nl.officer", "EUROPOL", hit)
    with demo_db.session() as s:
        answer_request(s, _who(s, "europol.owner"), again, decision="partly_approve", released="identity only")
    with demo_db.session(write=False) as s:
        mine = next(h for h in hits_for(s, _who(s, "nl.officer")) if h.reference == hit)
    assert (mine.request_status, mine.request_reference) == ("answered", again)


def test_the_database_holds_one_open_request_per_hit_and_requester(demo_db: Database) -> None:
    """Two filings racing past the check meet the partial unique index: the second is refused, not stored."""
    hit = _nl_hit(demo_db)
    ref = _file(demo_db, "nl.officer", "EUROPOL", hit)
    with pytest.raises(Conflict, match="nothing of this operation was stored"):
        with demo_db.session() as s:
            first = s.execute(select(ExchangeRequest).where(ExchangeRequest.reference == ref)).scalar_one()
            s.add(ExchangeRequest(reference="req-race", requester_org_id=first.requester_org_id,
                                  owner_org_id=first.owner_org_id, category=first.category, purpose=first.purpose,
                                  justification="j", case_reference="c", data_wanted="d", match_reference=hit,
                                  agreement_id=first.agreement_id, status="pending", created_by="x",
                                  deadline=first.deadline, handling_codes=[]))
            s.flush()
    with demo_db.session() as s:  # a closed request does not hold the place
        first = s.execute(select(ExchangeRequest).where(ExchangeRequest.reference == ref)).scalar_one()
        first.status = "refused"
        s.add(ExchangeRequest(reference="req-after", requester_org_id=first.requester_org_id,
                              owner_org_id=first.owner_org_id, category=first.category, purpose=first.purpose,
                              justification="j", case_reference="c", data_wanted="d", match_reference=hit,
                              agreement_id=first.agreement_id, status="pending", created_by="x",
                              deadline=first.deadline, handling_codes=[]))


def test_the_demo_follows_a_hit_up_with_a_request(demo_db: Database) -> None:
    with demo_db.session(write=False) as s:
        followed = [h for h in hits_for(s, _who(s, "nl.officer")) if h.request_status]
        europol = {h.reference: h for h in hits_for(s, _who(s, "europol.owner"))}
    assert len(followed) == 1 and followed[0].request_status == "requested" and followed[0].other_agency == "EUROPOL"
    assert europol[followed[0].reference].incoming_status == "requested"


def test_no_data_is_released_on_a_hit_that_ended(demo_db: Database) -> None:
    """A request filed while its hit was open, whose hit then ended with its upload, can only be refused."""
    from palermo.linkage.hits import find_hit
    from palermo.linkage.lifecycle import withdraw

    hit = _nl_hit(demo_db)
    ref = _file(demo_db, "nl.officer", "EUROPOL", hit)
    with demo_db.session() as s:
        row = find_hit(s, hit)
        assert row is not None
        upload = row.upload_b_id if row.org_b_id == _org(s, "EUROPOL") else row.upload_a_id
        withdraw(s, _who(s, "europol.analyst"), s.get(LinkUpload, upload).reference)
    with demo_db.session(write=False) as s:
        mine = next(h for h in hits_for(s, _who(s, "nl.officer")) if h.reference == hit)
    assert mine.status == "withdrawn" and mine.request_status == "requested" and not mine.may_request
    with pytest.raises(Conflict, match="is withdrawn; refuse the request"):
        with demo_db.session() as s:
            answer_request(s, _who(s, "europol.owner"), ref, decision="approve", released="identity")
    with demo_db.session() as s:
        assert answer_request(s, _who(s, "europol.owner"), ref, decision="refuse", reason="hit ended").status == "refused"

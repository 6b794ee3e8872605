"""The hidden-figure estimate from the hub's own live uploads, with the interval that carries linkage
error beside the naive one: core rules on both backends, then the API and the web page on the demo hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from palermo.auth import accounts
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.errors import PermissionDenied, ValidationError
from palermo.linkage.hidden_figure import estimable_uploads, estimate_from_uploads
from palermo.linkage.models import LinkHit, LinkUpload
from palermo.linkage.review import review_hit
from tests.conftest import make_settings
from tests.linkage.test_entity_overlap import LISTS, _hub, _submit
from tests.web_helpers import client_for, csrf, login


def test_estimate_from_live_uploads_with_reviewed_hits_as_certain(db: Database) -> None:
    who = _hub(db)
    with db.session() as s:
        ids = [_submit(s, who[n], n) for n in ("F", "P", "L")]
    with db.session() as s:
        before = estimate_from_uploads(s, who["hub"], ids, draws=20)
        hits = list(s.execute(select(LinkHit).where(LinkHit.status == "open").order_by(LinkHit.id)).scalars())
        for h in hits[:3]:
            review_hit(s, who["F"] if h.org_a_id == who["F"].organisation_id else who["P"], h.reference, verdict="confirmed")
        for h in hits[3:5]:
            review_hit(s, who["L"] if who["L"].organisation_id in (h.org_a_id, h.org_b_id) else who["P"], h.reference,
                       verdict="rejected")
    with db.session() as s:
        after = estimate_from_uploads(s, who["hub"], ids, draws=20)
    assert before.records == after.records == sum(len(LISTS[n]) for n in ("F", "P", "L"))
    assert before.candidates >= len(hits)  # the hits and the links below their cut
    r = before.result
    assert r.naive_lower <= r.naive_estimate <= r.naive_upper and r.lower <= r.estimate <= r.upper
    # at least the people seen: the 170 on the lists (give or take the matcher's error)
    assert r.naive_estimate >= 165 and r.estimate >= 165
    assert (after.reviewed_confirmed, after.reviewed_rejected) == (3, 2)
    # a rejected hit is no link in any draw, nor among the links taken as certain
    assert after.result.links_naive == r.links_naive - 2 and after.candidates == before.candidates - 2
    with db.session(write=False) as s:
        assert [e.action for e in s.execute(select(AuditEntry).where(AuditEntry.action == "link.estimate")).scalars()] == \
            ["link.estimate", "link.estimate"]


def test_only_the_hub_operator_estimates_and_only_from_lists_compared(db: Database) -> None:
    who = _hub(db)
    with db.session() as s:
        f, p, x = _submit(s, who["F"], "F"), _submit(s, who["P"], "P"), _submit(s, who["X"], "L")
    for principal, ids, error, text in (
            (who["F"], [f, p], PermissionDenied, "needs role admin or analyst, has officer"),
            (Principal(None, "f.analyst", who["F"].organisation_id, frozenset({"analyst"})), [f, p], PermissionDenied,
             "only the organisation that runs the hub may"),
            (who["hub"], [f, x], ValidationError, "were never compared: no agreement allowed comparing them"),
            (who["hub"], [f, p], ValidationError, "the floor 0.7 must be above 0 and below 0.5")):
        with pytest.raises(error, match=text), db.session() as s:  # type: ignore[call-overload]
            estimate_from_uploads(s, principal, ids, draws=5, floor=0.7 if "floor" in text else 0.05)
    with db.session(write=False) as s:
        refused = list(s.execute(select(AuditEntry).where(AuditEntry.action == "link.estimate_refused")).scalars())
        assert len(refused) == 4
        assert {u.id for u in estimable_uploads(s, who["hub"])} == {f, p, x}
        with pytest.raises(PermissionDenied):
            estimable_uploads(s, who["F"])


def _demo_victim_lists(db: Database) -> list[int]:
    with db.session(write=False) as s:
        return [u.id for u in s.execute(select(LinkUpload).where(
            LinkUpload.label.in_(["NGO", "POLICE", "LABOUR_INSPECTION"]), LinkUpload.status == "live")).scalars()]


def test_api_and_web_page_give_both_intervals_to_the_operator(sqlite_demo_db: Database, tmp_path: Path) -> None:
    ids = _demo_victim_lists(sqlite_demo_db)
    assert len(ids) == 3
    with sqlite_demo_db.session() as s:
        tokens = {u: accounts.issue_token(s, Principal.system(), accounts.get_user(s, u), "t").token
                  for u in ("hub.admin", "nl.officer")}
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    r = c.post("/api/v1/linkage/estimate", json={"uploads": ids, "draws": 10},
               headers={"Authorization": f"Bearer {tokens['hub.admin']}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lists"] == ["NGO", "POLICE", "LABOUR_INSPECTION"] or sorted(body["lists"]) == sorted(
        ["NGO", "POLICE", "LABOUR_INSPECTION"])
    assert body["lower"] <= body["estimate"] <= body["upper"] and body["naive_lower"] <= body["naive_upper"]
    assert body["records"] > 1000 and body["draws"] == 10
    refused = c.post("/api/v1/linkage/estimate", json={"uploads": ids, "draws": 10},
                     headers={"Authorization": f"Bearer {tokens['nl.officer']}"})
    assert refused.status_code == 403
    bad = c.post("/api/v1/linkage/estimate", json={"uploads": ids, "draws": 1},
                 headers={"Authorization": f"Bearer {tokens['hub.admin']}"})
    assert bad.status_code in (400, 422)
    login(c, "hub.admin", DEMO_PASSWORD)
    assert 'href="/linkage/estimate"' in c.get("/linkage").text
    page = c.get("/linkage/estimate")
    assert page.status_code == 200 and "LABOUR_INSPECTION" in page.text
    shown = c.post("/linkage/estimate", data={"upload": [str(i) for i in ids], "draws": "10", "csrf_token": csrf(c)})
    assert shown.status_code == 200
    assert "Carrying linkage error" in shown.text and "Links taken as certain" in shown.text

"""Hit review: both parties give verdicts, the hub measures precision per schema and per agreement from
them beside the model's own estimate; refusals (unknown verdict, someone else's hit, a role that may not
review) change nothing and are audited."""

from __future__ import annotations

import io
import random

import pytest
from sqlalchemy import func, select

from palermo.auth import accounts, audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo.linkage import DEMO_SECRET
from palermo.errors import NotFound, PermissionDenied, ValidationError
from palermo.linkage.encoding import Encoder
from palermo.linkage.hits import hits_for
from palermo.linkage.hub import submit
from palermo.linkage.models import LinkHit, LinkHitReview
from palermo.linkage.review import outcome, precision_report, review_hit, review_states
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists
from palermo.settings import Settings

LISTS, TRUTH = agency_lists({"A": 150, "B": 150}, overlap=0.3, noise=0.3, seed=11)


def _bytes(agency: str) -> bytes:
    ds = Encoder(DEFAULT_SCHEMA, DEMO_SECRET).encode(LISTS[agency], label=agency)
    ds.meta["hub"] = "palermo-hub"
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return buf.getvalue()


def _who(s, user):  # type: ignore[no-untyped-def]
    return accounts.principal_for(accounts.get_user(s, user))


@pytest.mark.parametrize("verdicts, expected", [([], None), (["unsure"], "unsure"), (["confirmed", "unsure"], "confirmed"),
                                                (["rejected"], "rejected"), (["confirmed", "rejected"], "disputed"),
                                                (["confirmed", "confirmed"], "confirmed")])
def test_outcome_of_two_verdicts(verdicts: list[str], expected: str | None) -> None:
    assert outcome(verdicts) == expected


def test_verdicts_of_both_sides_measure_precision(demo_db: Database) -> None:
    with demo_db.session() as s:
        submit(s, _who(s, "es.officer"), _bytes("A"), label="A", purpose="investigation", list_kind="suspects", settings=Settings())
        b = submit(s, _who(s, "europol.analyst"), _bytes("B"), label="B", purpose="investigation", list_kind="suspects",
                   settings=Settings())
        hits = [h for h in b.hits if h.record_b.startswith("A-")]
        refs = {h.reference: (h.record_a, h.record_b, h.score) for h in hits}
    assert len(refs) >= 20
    # Each side reviews after its follow-up; the truth decides (a synthetic list knows who is who).
    truth_of = {ref: TRUTH[("B", ra)] == TRUTH[("A", rb)] for ref, (ra, rb, _) in refs.items()}
    rng = random.Random(3)
    given: dict[str, list[str]] = {}
    for ref, same in sorted(truth_of.items()):
        eu = "confirmed" if same else "rejected"
        es = rng.choice(["unsure", eu, eu, "rejected" if same else "confirmed"])  # Spain sometimes disagrees
        given[ref] = [eu, es]
        with demo_db.session() as s:
            review_hit(s, _who(s, "europol.analyst"), ref, verdict=eu, note="checked the file")
            review_hit(s, _who(s, "es.officer"), ref, verdict=es)
    with demo_db.session(write=False) as s:
        report = precision_report(s, _who(s, "europol.analyst"))
        states = review_states(s, _who(s, "es.officer"), list(refs))
        all_eu = [h for h in s.execute(select(LinkHit).where((LinkHit.org_a_id == b.upload.organisation_id) |
                                                              (LinkHit.org_b_id == b.upload.organisation_id))).scalars()]
    outcomes = {ref: outcome(v) for ref, v in given.items()}
    definite = [r for r, o in outcomes.items() if o in ("confirmed", "rejected")]
    agreement = next(p for p in report if p.group == "agreement" and p.key == hits[0].agreement)
    in_group = [h for h in all_eu if h.agreement == hits[0].agreement]
    assert agreement.hits == len(in_group) and agreement.reviewed == len(refs)
    assert agreement.confirmed == sum(o == "confirmed" for o in outcomes.values())
    assert agreement.disputed == sum(o == "disputed" for o in outcomes.values()) > 0
    assert agreement.measured == pytest.approx(agreement.confirmed / len(definite))
    assert agreement.low <= agreement.measured <= agreement.high  # type: ignore[operator]
    assert agreement.model == pytest.approx(sum(refs[r][2] for r in definite) / len(definite))
    schema = [p for p in report if p.group == "schema"]
    assert sum(p.hits for p in schema) == len(all_eu)
    # the other side sees its own verdict and note, and Europol's verdict but not Europol's note
    some = sorted(refs)[0]
    assert states[some].mine == given[some][1] and states[some].theirs == given[some][0] and states[some].my_note == ""
    with demo_db.session(write=False) as s:
        assert review_states(s, _who(s, "europol.analyst"), [some])[some].my_note == "checked the file"
        # an agency that is party to none of these hits sees no figure about them
        nl = precision_report(s, _who(s, "nl.officer"))
        assert all(p.key != hits[0].agreement or p.reviewed == 0 for p in nl if p.group == "agreement")
        assert sum(p.reviewed for p in nl) == 0


def test_refused_reviews_change_nothing_and_are_audited(demo_db: Database) -> None:
    with demo_db.session(write=False) as s:
        europol_hit = next(h for h in hits_for(s, _who(s, "europol.analyst")) if h.other_agency == "ES-POL")
        before = (s.execute(select(func.count()).select_from(LinkHitReview)).scalar(),
                  s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "link.hit.review_refused")).scalar())
    cases = [("europol.analyst", "maybe", ValidationError, "verdict 'maybe' unknown; use one of confirmed, rejected, unsure"),
             ("nl.officer", "confirmed", NotFound, "only the two parties of a hit may review it"),  # not a party
             ("nl.admin", "confirmed", PermissionDenied, "needs role analyst or data_owner or officer")]
    for user, verdict, error, message in cases:
        with pytest.raises(error, match=message), demo_db.session() as s:
            review_hit(s, _who(s, user), europol_hit.reference, verdict=verdict)
    with pytest.raises(NotFound), demo_db.session() as s:
        review_hit(s, _who(s, "europol.analyst"), "hit-doesnotexist", verdict="confirmed")
    with demo_db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(LinkHitReview)).scalar() == before[0]
        refused = s.execute(select(AuditEntry).where(AuditEntry.action == "link.hit.review_refused")).scalars().all()
        assert len(refused) == before[1] + 4
        assert {e.actor for e in refused} >= {"europol.analyst", "nl.officer", "nl.admin"}
        audit.verify(s, Principal.system())
    # a second verdict of the same side replaces the first; the trail keeps both
    with demo_db.session() as s:
        review_hit(s, _who(s, "europol.analyst"), europol_hit.reference, verdict="unsure")
    with demo_db.session() as s:
        review_hit(s, _who(s, "europol.analyst"), europol_hit.reference, verdict="rejected", note="different father's name")
    with demo_db.session(write=False) as s:
        rows = s.execute(select(LinkHitReview)).scalars().all()
        assert [(r.verdict, r.note) for r in rows] == [("rejected", "different father's name")]
        trail = s.execute(select(AuditEntry).where(AuditEntry.action == "link.hit.review", AuditEntry.object_id == europol_hit.reference)
                          .order_by(AuditEntry.seq)).scalars().all()
        assert ['"previous":null' in trail[0].details, '"previous":"unsure"' in trail[1].details] == [True, True]

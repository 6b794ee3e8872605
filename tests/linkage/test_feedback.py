"""Reviewed verdicts refine the weights: after the follow-ups reject hits between people who share an
identity document but not a name, such pairs no longer hit, the ones found again nor new ones, while the
confirmed hits stay; only the verdicts between the two organisations compared count."""

from __future__ import annotations

import io
import random
from datetime import date

import numpy as np

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.exchange.agreements import AgreementSpec, save_agreements
from palermo.linkage import feedback
from palermo.linkage.encoding import Encoder
from palermo.linkage.fellegi_sunter import LEVELS
from palermo.linkage.hub import submit
from palermo.linkage.models import LinkHit
from palermo.linkage.review import review_hit
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import noisy_record, people
from palermo.settings import Settings

SECRET = b"two-agencies-shared-secret-32byt"
_P = people(420, random.Random(5))
_RNG = random.Random(6)
A = [noisy_record(_P[i], f"A-{i}", _RNG, 0.1) for i in range(150)]
B = [noisy_record(_P[i], f"B-{i}", _RNG, 0.1) for i in range(75, 225)]


def _same_papers(k: int, source: dict[str, str]) -> dict[str, str]:
    """Another person (another name) with the identity data of ``source``: a shared or forged document."""
    r = noisy_record(_P[300 + k], f"B-x{k}", _RNG, 0.0)
    for col in ("document_number", "date_of_birth", "sex", "country_of_birth", "nationality"):
        r[col] = source[col]
    return r


SOURCES = [a for a in A[:75] if a["document_number"] and a["date_of_birth"]]
FAKES = [_same_papers(k, s) for k, s in enumerate(SOURCES[:24])]


def _setup(db: Database) -> dict[str, Principal]:
    system = Principal.system()
    with db.session() as s:
        orgs = {n: accounts.create_organisation(s, system, name=f"Agency {n}", short_name=n, org_type="police",
                                                country="NLD") for n in ("A", "B", "C")}
        save_agreements(s, system, [AgreementSpec(f"HNH-{x}{y}", "hit/no-hit", "operational", "in_force", [x, y],
                                                  ["hit_no_hit"], ["investigation"], date(2020, 1, 1), None, ["H0"],
                                                  {}, 365, "") for x, y in (("A", "B"), ("A", "C"))])
    return {n: Principal(None, f"{n.lower()}.officer", o.id, frozenset({"officer"})) for n, o in orgs.items()}


def _submit(s, who: Principal, rows: list[dict[str, str]], label: str) -> list[LinkHit]:  # type: ignore[no-untyped-def]
    ds = Encoder(DEFAULT_SCHEMA, SECRET).encode(rows, label=label)
    ds.meta["hub"] = Settings().hub_name
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return submit(s, who, buf.getvalue(), label=label, purpose="investigation", list_kind="suspects",
                  settings=Settings()).hits


def _pairs(hits: list[LinkHit]) -> dict[tuple[str, str], LinkHit]:
    return {(h.record_a, h.record_b) if h.record_a.startswith("A") else (h.record_b, h.record_a): h for h in hits}


def test_rejected_hits_lower_the_weights_of_their_pattern_and_such_pairs_stop_hitting(db: Database) -> None:
    who = _setup(db)
    first_fakes, later_fakes = FAKES[:16], FAKES[16:]
    with db.session() as s:
        _submit(s, who["A"], A, "list A")
        first = _pairs(_submit(s, who["B"], B + first_fakes, "list B"))
        fake_hits = [h for (ra, rb), h in first.items() if rb.startswith("B-x")]
        true_hits = [h for (ra, rb), h in first.items() if ra[2:] == rb[2:]]
        # the model takes people with the same papers but another name for the same person
        assert len(fake_hits) == len(first_fakes) and min(h.score for h in fake_hits) > 0.99
        assert all(h.levels and h.levels["name"] <= 2 and h.levels["document"] == len(LEVELS) for h in fake_hits)
        for h in fake_hits:  # the follow-ups find other people
            review_hit(s, who["B"], h.reference, verdict="rejected")
        for h in true_hits[:12]:
            review_hit(s, who["A"], h.reference, verdict="confirmed")
        confirmed = {pair for pair, h in first.items() if h in true_hits[:12]}
    with db.session() as s:
        learnt = feedback.for_comparison(s, who["A"].organisation_id, who["B"].organisation_id, _digest(s))  # type: ignore[arg-type]
        assert learnt is not None and (learnt.confirmed, learnt.rejected) == (12, len(first_fakes))
        # the rejected pattern (every field but the name agrees) lost most of its odds, and the weights of
        # what it agrees and disagrees on fell a little, but not that of a name that agrees
        worst = min(learnt.of_levels(h.levels) for h in fake_hits)  # type: ignore[arg-type]
        assert worst < -8
        assert learnt.delta["name"][0] < -0.1 and learnt.delta["document"][len(LEVELS)] < -0.1
        assert learnt.delta["name"][len(LEVELS)] > learnt.delta["name"][0]
        # the same list again, with eight more people carrying others' papers (never reviewed)
        again = _pairs(_submit(s, who["B"], B + FAKES, "list B"))
    assert not [p for p in again if p[1].startswith("B-x")]  # neither the rejected pairs nor the new ones
    assert len(confirmed & set(again)) >= 11  # the confirmed hits are found again
    assert len([p for p in again if p[0][2:] == p[1][2:]]) >= len(true_hits) - 3
    with db.session() as s:  # agency C's comparison with A learns nothing from A and B's verdicts
        assert feedback.for_comparison(s, who["A"].organisation_id, who["C"].organisation_id, _digest(s)) is None  # type: ignore[arg-type]
        _submit(s, who["C"], B + later_fakes, "list C")
        c_hits = list(s.query(LinkHit).filter(LinkHit.org_a_id == who["C"].organisation_id))
    assert len([h for h in c_hits if h.record_a.startswith("B-x")]) == len(later_fakes)
    assert all(h.feedback == 0.0 for h in c_hits)


def _digest(s) -> str:  # type: ignore[no-untyped-def]
    from palermo.linkage.models import LinkUpload

    return s.query(LinkUpload).first().schema_digest  # type: ignore[no-any-return]


def test_the_fit_is_a_shrunken_update_of_the_model() -> None:
    top = len(LEVELS)
    rejected = [{"name": 0, "document": top}] * 3
    few = feedback.fit(rejected, np.array([6.0] * 3), np.array([False] * 3))
    many = feedback.fit(rejected * 10, np.array([6.0] * 30), np.array([False] * 30))
    # more verdicts move the weights further; agreeing verdicts (the model was right) move them little
    assert many.delta["name"][0] < few.delta["name"][0] < 0
    right = feedback.fit([{"name": top, "document": top}] * 30, np.array([6.0] * 30), np.array([True] * 30))
    assert 0 <= right.delta["name"][top] < 0.5
    # a pair of the reviewed pattern gets its field corrections and the pattern's; another pattern only
    # the field corrections (a missing value none)
    (code,) = few.pattern
    assert few.pattern[code] < -2
    assert abs(few.of_levels({"name": 0, "document": top})
               - (few.delta["name"][0] + few.delta["document"][top] + few.pattern[code])) < 1e-9
    assert abs(few.of_levels({"name": -1, "document": top}) - few.delta["document"][top]) < 1e-9

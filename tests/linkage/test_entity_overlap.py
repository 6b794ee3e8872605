"""The estimation's overlap tables come from the hub's entities: the open hits across every live upload,
rejected hits left out, each person counted once in the cell of all the lists it is on; lists that no
agreement let the hub compare are refused, not counted as if they shared nobody."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest

from palermo.auth import accounts
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import PermissionDenied, ValidationError
from palermo.estimation.overlap import overlap_from_identities, overlap_from_matches
from palermo.exchange.agreements import AgreementSpec, save_agreements
from palermo.linkage.encoding import Encoder
from palermo.linkage.hub import list_overlap, submit
from palermo.linkage.models import LinkHit
from palermo.linkage.review import review_hit
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import noisy_record, people
from palermo.settings import Settings

SECRET = b"referral-mechanism-shared-secret!"
# who is on which list, by person: 40 on all three, 20 on F and L only, 20 on F and P only, the rest on one
MEMBERS = {"F": [*range(80), *range(80, 110)], "P": [*range(40), *range(60, 80), *range(110, 140)],
           "L": [*range(60), *range(140, 170)]}
_PEOPLE = people(170, random.Random(77))
_RNG = random.Random(78)
LISTS = {n: [noisy_record(_PEOPLE[i], f"{n}-{i}", _RNG, 0.0) for i in ids] for n, ids in MEMBERS.items()}
TRUTH = {(n, f"{n}-{i}"): i for n, ids in MEMBERS.items() for i in ids}


def _hub(db: Database) -> dict[str, Principal]:
    """A hub operator and three agencies (F, P, L) that an agreement lets the hub compare; one more (X)
    without any agreement."""
    system = Principal.system()
    with db.session() as s:
        hub = accounts.create_organisation(s, system, name="Hub", short_name="HUB", org_type="international_organisation",
                                           is_operator=True)
        orgs = {n: accounts.create_organisation(s, system, name=f"Agency {n}", short_name=n, org_type="ngo", country="NLD")
                for n in ("F", "P", "L", "X")}
        save_agreements(s, system, [AgreementSpec("NRM", "referral mechanism", "data_sharing_protocol", "in_force",
                                                  ["F", "P", "L"], ["hit_no_hit"], ["victim_protection"],
                                                  date(2020, 1, 1), None, ["H0"], {}, 365, "")])
    who = {n: Principal(None, f"{n.lower()}.officer", o.id, frozenset({"officer"})) for n, o in orgs.items()}
    return {**who, "hub": Principal(None, "hub.admin", hub.id, frozenset({"admin"}), True)}


def _submit(s, who: Principal, agency: str, label: str | None = None) -> int:  # type: ignore[no-untyped-def]
    ds = Encoder(DEFAULT_SCHEMA, SECRET).encode(LISTS[agency], label=agency)
    ds.meta["hub"] = Settings().hub_name
    buf = io.BytesIO()
    ds.write(buf)  # type: ignore[arg-type]
    return submit(s, who, buf.getvalue(), label=label or f"nrm {agency} victims", purpose="victim_protection",
                  list_kind="victims", settings=Settings()).upload.id


def _truth(lists: tuple[str, ...]) -> dict[tuple[str, ...], int]:
    people = {n: [TRUTH[(n, r["record_id"])] for r in LISTS[n]] for n in lists}
    return {tuple(f"nrm {x} victims" for x in k): v for k, v in overlap_from_identities(people).items()}


def _hit(s, ids: dict[str, int], a: str, b: str, person: int) -> LinkHit:  # type: ignore[no-untyped-def]
    rec = {n: next(r["record_id"] for r in LISTS[n] if TRUTH[(n, r["record_id"])] == person) for n in (a, b)}
    for h in s.query(LinkHit).filter(LinkHit.status == "open"):
        ends = {(h.upload_a_id, h.record_a), (h.upload_b_id, h.record_b)}
        if ends == {(ids[a], rec[a]), (ids[b], rec[b])}:
            return h
    raise AssertionError(f"no open hit for person {person} between {a} and {b}")


def test_overlap_counts_entities_once_and_leaves_rejected_hits_out(db: Database) -> None:
    who = _hub(db)
    with db.session() as s:
        ids = {n: _submit(s, who[n], n) for n in ("F", "P", "L")}
    with db.session() as s:
        three = list_overlap(s, who["hub"], [ids["F"], ids["P"], ids["L"]])
    # every entity once, in the cell of all the lists it is on: the same table as joining the open hits
    # transitively (estimation's own union-find), and within one person of the truth (the matcher is not perfect)
    with db.session(write=False) as s:
        hits = [(h.upload_a_id, h.record_a, h.upload_b_id, h.record_b)
                for h in s.query(LinkHit).filter(LinkHit.status == "open")]
    label = {ids[n]: f"nrm {n} victims" for n in ids}
    joined = overlap_from_matches({label[ids[n]]: [r["record_id"] for r in LISTS[n]] for n in ids},
                                  [(label[a], ra, label[b], rb) for a, ra, b, rb in hits])
    assert three == joined
    truth = _truth(("F", "P", "L"))
    assert sum(abs(three.get(k, 0) - truth.get(k, 0)) for k in truth | three) <= 4
    assert abs(sum(three.values()) - 170) <= 2  # 170 people, not one per pair of linked records
    # two people whose F-L hit the Labour Authority will reject: one on all three lists (joined also
    # through the police's list), one on F and L only whose hits touch no police record
    neighbours: dict[tuple[int, str], set[int]] = {}
    for a, ra, b, rb in hits:
        neighbours.setdefault((a, ra), set()).add(b)
        neighbours.setdefault((b, rb), set()).add(a)
    on_all = next(i for i in range(40) if neighbours.get((ids["F"], f"F-{i}")) == {ids["P"], ids["L"]}
                  and neighbours.get((ids["L"], f"L-{i}")) == {ids["P"], ids["F"]})
    f_and_l_only = next(i for i in range(40, 60) if neighbours.get((ids["F"], f"F-{i}")) == {ids["L"]}
                        and neighbours.get((ids["L"], f"L-{i}")) == {ids["F"]})
    with db.session() as s:
        before = list_overlap(s, who["hub"], [ids["F"], ids["L"]])
    with db.session() as s:
        # the Labour Authority rejects both F-L hits: one person is still joined through the police's list
        # (an upload not counted in an F-L table), the other is two people from now on
        for person in (on_all, f_and_l_only):
            review_hit(s, who["L"], _hit(s, ids, "F", "L", person).reference, verdict="rejected")
    with db.session() as s:
        two = list_overlap(s, who["hub"], [ids["F"], ids["L"]])
    both = ("nrm F victims", "nrm L victims")
    assert two[both] == before[both] - 1
    assert two[("nrm F victims",)] == before[("nrm F victims",)] + 1
    assert two[("nrm L victims",)] == before[("nrm L victims",)] + 1


def test_lists_never_compared_are_refused_and_only_the_operator_counts(db: Database) -> None:
    who = _hub(db)
    with db.session() as s:
        f, p, x = _submit(s, who["F"], "F"), _submit(s, who["P"], "P"), _submit(s, who["X"], "L")
        f2 = _submit(s, who["F"], "L", label="another list of F")
    with db.session() as s, pytest.raises(ValidationError) as err:
        list_overlap(s, who["hub"], [f, p, x, f2])
    message = str(err.value)
    assert f"uploads {f} (nrm F victims) and {x} (nrm L victims) were never compared: no agreement allowed" in message
    assert f"uploads {f} (nrm F victims) and {f2} (another list of F) were never compared: the hub never compares one " \
           "organisation's lists with each other" in message
    assert f"uploads {f} (nrm F victims) and {p}" not in message
    with db.session() as s:
        with pytest.raises(PermissionDenied):
            list_overlap(s, who["F"], [f, p])
        # the two lists an agreement let the hub compare are counted (140 people, give or take the matcher's error)
        assert abs(sum(list_overlap(s, who["hub"], [f, p]).values()) - len(set(MEMBERS["F"]) | set(MEMBERS["P"]))) <= 2

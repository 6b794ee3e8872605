"""The audit chain detects any altered, removed or reordered row, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from palermo.auth import audit
from palermo.auth.models import AuditEntry
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import AuditChainBroken


def _fill(db: Database, n: int = 5) -> None:
    actor = Principal(1, "alice", 1, frozenset({"analyst"}))
    with db.session() as s:
        for i in range(n):
            audit.record(s, actor, "thing.read", "thing", i, legal_basis="Art. 6(1)(e) GDPR" if i % 2 else None,
                         details={"i": i})


def test_intact_chain_verifies(db: Database) -> None:
    _fill(db)
    with db.session(write=False) as s:
        result = audit.verify(s, Principal.system())
    assert result.entries == 5
    with db.session(write=False) as s:
        rows = list(s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 5))
    assert rows[1].legal_basis == "Art. 6(1)(e) GDPR"


def _tamper(db: Database, how: str) -> None:
    with db.session() as s:
        if how == "update":
            s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="mallory"))
        elif how == "delete":
            s.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        elif how == "delete_last":
            s.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
        elif how == "swap":
            a, b = (s.execute(select(AuditEntry).where(AuditEntry.seq == n)).scalar_one() for n in (2, 4))
            fields = ("at", "actor", "action", "object_type", "object_id", "legal_basis", "details", "prev_hash", "hash")
            va, vb = ({f: getattr(x, f) for f in fields} for x in (a, b))
            for f in fields:
                setattr(a, f, vb[f])
                setattr(b, f, va[f])
        elif how == "legal_basis":
            s.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(legal_basis=None))


@pytest.mark.parametrize("how, first_bad", [("update", 3), ("delete", 2), ("delete_last", 5), ("swap", 2),
                                            ("legal_basis", 4)])
def test_tampering_is_detected_and_named(db: Database, how: str, first_bad: int) -> None:
    _fill(db)
    _tamper(db, how)
    with db.session(write=False) as s, pytest.raises(AuditChainBroken) as info:
        audit.verify(s, Principal.system())
    assert info.value.seq == first_bad
    assert f"#{first_bad}" in info.value.message


def test_entries_are_scoped_to_the_organisation(db: Database) -> None:
    with db.session() as s:
        audit.record(s, Principal(1, "a", 1, frozenset({"analyst"})), "x", "t", 1)
        audit.record(s, Principal(2, "b", 2, frozenset({"analyst"})), "y", "t", 2)
    with db.session(write=False) as s:
        seen = audit.entries(s, Principal(1, "a", 1, frozenset({"analyst"})))
    assert [e.action for e in seen] == ["x"]


def _two_agencies(db: Database) -> tuple[Principal, Principal]:
    """Organisation 1 writes 2 entries, organisation 2 writes 7: what 1 may learn of the chain is its own 2."""
    ours, theirs = Principal(1, "a", 1, frozenset({"analyst"})), Principal(2, "b", 2, frozenset({"analyst"}))
    with db.session() as s:
        for i in range(2):
            audit.record(s, ours, "x.read", "t", i)
        for i in range(7):
            audit.record(s, theirs, "y.read", "t", i)
    return ours, theirs


def test_an_agency_verifies_the_whole_chain_but_counts_only_its_own_entries(db: Database) -> None:
    ours, theirs = _two_agencies(db)
    operator = Principal(9, "hub", 9, frozenset({"admin"}), is_operator=True)
    with db.session(write=False) as s:
        mine, other, whole = (audit.verify(s, p) for p in (ours, theirs, operator))
    assert (mine.entries, mine.whole_chain, mine.head_hash) == (2, False, None)
    assert (other.entries, other.whole_chain, other.head_hash) == (7, False, None)
    assert (whole.entries, whole.whole_chain) == (9, True) and whole.head_hash
    assert "9" not in mine.summary() and "2 entries" in mine.summary() and "intact" in mine.summary()
    assert "9 entries" in whole.summary()


def test_a_break_in_another_agencys_entries_is_reported_without_naming_it(db: Database) -> None:
    ours, theirs = _two_agencies(db)
    with db.session() as s:  # entry #6 is organisation 2's
        s.execute(update(AuditEntry).where(AuditEntry.seq == 6).values(action="y.deleted"))
    with db.session(write=False) as s:
        with pytest.raises(AuditChainBroken) as info:
            audit.verify(s, ours)
        assert info.value.seq is None and "#" not in info.value.message and "y." not in info.value.message
        with pytest.raises(AuditChainBroken) as own:  # its own organisation's entry is named to it, by its own number
            audit.verify(s, theirs)
        assert own.value.seq == 4 and "#4" in own.value.message and "#6" not in own.value.message
        with pytest.raises(AuditChainBroken) as whole:
            audit.verify(s, Principal.system())
        assert whole.value.seq == 6 and "#6" in whole.value.message


def test_a_removed_entry_is_named_only_to_those_who_see_the_whole_chain(db: Database) -> None:
    ours, _ = _two_agencies(db)
    with db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
    with db.session(write=False) as s:
        with pytest.raises(AuditChainBroken) as info:
            audit.verify(s, ours)
        assert info.value.seq is None and "#" not in info.value.message
        with pytest.raises(AuditChainBroken) as whole:
            audit.verify(s, Principal.system())
        assert whole.value.seq == 5


def test_an_agency_numbers_its_entries_among_its_own_without_the_others_gaps(db: Database) -> None:
    """Organisation 1 writes, organisation 2 writes 7 entries, organisation 1 writes again: 1 sees its
    entries numbered 1, 2, 3 (the chain's 1, 2, 10 would count 2's seven), and no hash (with the hash of
    its previous entry and the known fields, trying every seq would give the chain position back)."""
    ours, theirs = _two_agencies(db)
    with db.session() as s:
        audit.record(s, ours, "x.read", "t", "late")
    operator = Principal(9, "hub", 9, frozenset({"admin"}), is_operator=True)
    with db.session(write=False) as s:
        mine = audit.entries(s, ours)
        page = audit.entries_page(s, ours, audit.AUDIT_LIST.parse({"sort": "number"}))
        whole = audit.entries(s, operator)
    assert [e.number for e in mine] == [3, 2, 1] and {e.scope for e in mine} == {"organisation"}
    assert all(e.hash is None for e in mine)
    assert [e.number for e in page.items] == [1, 2, 3] and page.total == 3
    assert [e.number for e in whole] == list(range(10, 0, -1)) and all(e.hash for e in whole)
    assert {e.scope for e in whole} == {"chain"}


def test_a_renumbered_entry_breaks_the_chain(db: Database) -> None:
    """The organisation's numbers are not in the hash (older chains), so verification checks them itself."""
    ours, _ = _two_agencies(db)
    with db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(org_seq=5))
    with db.session(write=False) as s:
        with pytest.raises(AuditChainBroken) as whole:
            audit.verify(s, Principal.system())
        assert whole.value.seq == 2 and "renumbered" in whole.value.message
        with pytest.raises(AuditChainBroken) as own:
            audit.verify(s, ours)
        assert own.value.seq == 2 and "your organisation's audit entry #2" in own.value.message


def test_entries_without_an_organisation_are_numbered_among_themselves(db: Database) -> None:
    ours, _ = _two_agencies(db)
    with db.session() as s:
        for _ in range(2):
            audit.record(s, Principal.anonymous(), "request.refused", "route", "/x")
        audit.record(s, ours, "x.read", "t", "after")
    with db.session(write=False) as s:
        rows = {(e.organisation_id, e.org_seq) for e in s.execute(select(AuditEntry)).scalars()}
        audit.verify(s, Principal.system())
    assert {(None, 1), (None, 2), (1, 3)} <= rows


def test_the_head_digest_follows_every_write_without_counting_them(db: Database) -> None:
    with db.session(write=False) as s:
        before, length = audit.head_digest(s), audit.head_seq(s)
    _fill(db, 3)
    with db.session(write=False) as s:
        after = audit.head_digest(s)
        assert audit.head_seq(s) == length + 3
    assert before != after
    assert len(after) == 24 and all(c in "0123456789abcdef" for c in after)  # a digest, not the chain's length

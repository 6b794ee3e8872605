"""The registry: de-duplication of actors, validation with every problem reported, HXL and IATI both ways."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from palermo.auth.roles import Principal
from palermo.coordination.actors import add_actor, find_actor, list_actors, merge_actors, resolve_actor
from palermo.coordination.hxl import read_hxl, read_hxl_file, write_hxl
from palermo.coordination.iati import read_iati, write_iati
from palermo.coordination.initiatives import InitiativeSpec, is_overdue, list_initiatives, save_initiatives
from palermo.db import Database
from palermo.errors import Conflict, ImportRejected, PermissionDenied

DATA = Path(__file__).parents[1] / "data" / "coordination"
ANALYST = Principal(None, "analyst", None, frozenset({"analyst"}), False)


def test_same_body_under_several_names_is_one_actor(db: Database) -> None:
    with db.session() as s:
        a = resolve_actor(s, ANALYST, "International Organization for Migration", acronym="IOM", identifier="XM-DAC-47066")
        assert resolve_actor(s, ANALYST, "IOM").id == a.id
        assert resolve_actor(s, ANALYST, "International Organisation for Migration").id == a.id  # spelling
        assert resolve_actor(s, ANALYST, "Intl. Organization for Migration (IOM)", identifier="XM-DAC-47066").id == a.id
        assert resolve_actor(s, ANALYST, "International Labour Organization").id != a.id
        with pytest.raises(Conflict, match="duplicates 'International Organization for Migration'"):
            add_actor(s, ANALYST, "The International Organization for Migration")
    with db.session(write=False) as s:
        iom, _ = find_actor(s, "IOM")
        assert iom is not None and "International Organisation for Migration" in iom.aliases
        assert len(list_actors(s)) == 2


def test_merge_moves_references(db: Database) -> None:
    with db.session() as s:
        save_initiatives(s, ANALYST, [InitiativeSpec("M-1", "x", [("UN Office on Drugs", "implementing")],
                                                     themes=["legislation"], countries=["NGA"])])
        resolve_actor(s, ANALYST, "United Nations Office on Drugs and Crime", acronym="UNODC")
    with db.session() as s:
        merged = merge_actors(s, ANALYST, "UNODC", "UN Office on Drugs")
        assert "UN Office on Drugs" in merged.aliases
    with db.session(write=False) as s:
        [i] = list_initiatives(s)
        assert [p.actor.name for p in i.participants] == ["United Nations Office on Drugs and Crime"]


def test_bad_initiatives_are_all_reported_and_nothing_is_saved(db: Database) -> None:
    good = InitiativeSpec("G-1", "Good", [("IOM", "implementing")], themes=["awareness"], countries=["NER"])
    bad = InitiativeSpec("B-1", "Bad", [("IOM", "sponsor")], themes=["cooking"], countries=["Atlantis"],
                         start=date(2024, 1, 1), end=date(2023, 1, 1), budget=-5, status="ongoingish", line=7)
    with db.session() as s, pytest.raises(ImportRejected) as info:
        save_initiatives(s, ANALYST, [good, bad])
    fields = sorted(p.field for p in info.value.problems)
    assert fields == ["budget", "country", "currency", "date", "role", "status", "themes"]
    assert all(p.line == 7 for p in info.value.problems)
    with db.session(write=False) as s:
        assert list_initiatives(s) == []
    viewer = Principal(None, "v", None, frozenset({"viewer"}), False)
    with db.session() as s, pytest.raises(PermissionDenied):
        save_initiatives(s, viewer, [good])


def test_hxl_import_merges_rows_and_round_trips(db: Database, tmp_path: Path) -> None:
    specs = read_hxl_file(DATA / "3w.csv")
    assert [s.ref for s in specs] == ["T-1", "T-2"]
    assert specs[0].areas == ["Tripoli", "Misrata"] and specs[0].budget == 1_500_000
    assert specs[1].target_groups == ["women", "victims"] and specs[1].end is None
    with db.session() as s:
        save_initiatives(s, ANALYST, specs)
    out = tmp_path / "out.csv"
    with db.session(write=False) as s:
        items = list_initiatives(s)
        assert not any(is_overdue(i) for i in items)
        assert write_hxl(items, out) == 2
    again = read_hxl(out.read_text())
    for a, b in zip(sorted(specs, key=lambda x: x.ref), sorted(again, key=lambda x: x.ref)):
        assert (a.ref, a.title, sorted(a.themes), sorted(a.target_groups), a.countries, a.areas, a.start, a.end, a.budget,
                a.currency) == (b.ref, b.title, sorted(b.themes), sorted(b.target_groups), b.countries, b.areas, b.start,
                                b.end, b.budget, b.currency)
        assert sorted(a.participants) == sorted(b.participants)


def test_iati_round_trip(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        save_initiatives(s, ANALYST, read_hxl_file(DATA / "3w.csv"))
        resolve_actor(s, ANALYST, "IOM", identifier="XM-DAC-47066")
    out = tmp_path / "iati.xml"
    with db.session(write=False) as s:
        assert write_iati(list_initiatives(s), out) == 2
    text = out.read_text()
    assert '<recipient-country code="LY"' in text and 'role="4"' in text and 'ref="XM-DAC-47066"' in text
    specs = read_iati(out.read_bytes())
    t1 = next(x for x in specs if x.ref == "T-1")
    assert t1.countries == ["LBY"] and t1.themes == ["coastguard_training"]  # the P is implied by its sub-theme
    assert ("IOM", "implementing") in t1.participants and t1.budget == 1_500_000 and t1.start == date(2022, 1, 1)
    with db.session() as s:  # importing the export again changes nothing but the update stamp
        save_initiatives(s, ANALYST, specs)
    with db.session(write=False) as s:
        assert len(list_initiatives(s)) == 2


@pytest.mark.parametrize("text, reason", [
    ("a,b\n1,2\n", "no row of HXL hashtags"),
    ("#org,#country\nIOM,LBY\n", r"no #activity\+code"),
    ("#activity+code,#date+start,#value+budget\nX,2022-13-01,abc\n", "2 problem"),
])
def test_malformed_hxl_is_refused_clearly(text: str, reason: str) -> None:
    with pytest.raises(ImportRejected, match=reason):
        read_hxl(text)


@pytest.mark.parametrize("data, reason", [
    (b"<iati-activities><iati-activity>", "not well-formed"),
    (b"<activities/>", "expected <iati-activities>"),
    (b'<iati-activities><iati-activity><iati-identifier>X</iati-identifier><participating-org role="9"/>'
     b'<activity-status code="x"/></iati-activity></iati-activities>', "2 problem"),
])
def test_malformed_iati_is_refused_clearly(data: bytes, reason: str) -> None:
    with pytest.raises(ImportRejected, match=reason):
        read_iati(data)

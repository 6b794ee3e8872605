"""Catalogue validation in depth: every problem reported, import refusals, YAML line numbers, overlap sets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from palermo.errors import Conflict, ImportRejected, NotFound, ValidationError
from palermo.identification import catalogue as C

DATA = Path(__file__).resolve().parents[1] / "data" / "identification"


def test_packaged_catalogue_follows_the_ilo_structure() -> None:
    cat = C.load_catalogue()
    assert set(cat.lists) == {"adult_labour", "adult_sexual", "child_labour", "child_sexual"}
    assert [d.number for d in cat.dimensions.values()] == [1, 2, 3, 4, 5, 6]
    for lst in cat.lists:
        dims = {p.dimension for i in cat.in_list(lst) for p in i.in_list(lst)}
        assert dims == set(cat.dimensions), f"{lst} lacks indicators in some dimension"
    strengths = {p.strength for i in cat.indicators.values() for p in i.placements}
    assert strengths == {"strong", "medium", "weak"}


def test_every_indicator_has_a_handbook_source_with_wording() -> None:
    cat = C.load_catalogue()
    for iid in cat.indicators:
        sources = cat.sources(iid)
        assert sources, f"{iid} has no handbook"
        assert all(m.wording for _, m in sources)
    assert {"ilo-ec-2009", "unodc-indicators", "frontex-vega-2015", "es-cgpj-guide"} <= set(cat.handbooks)


def test_overlap_shared_unique_and_pairwise() -> None:
    cat = C.load_catalogue()
    ov = C.overlap(cat)
    assert "DOCS" in ov.shared  # ILO, UNODC and the Spanish guide all name withheld documents
    assert set(ov.matrix["DOCS"]) >= {"ilo-ec-2009", "unodc-indicators", "es-cgpj-guide"}
    assert ov.unique["es-cgpj-guide"] == []  # the juju oath is "under strong influence" (ILO/EC) since 2026.2
    for key, ids in ov.unique.items():
        assert all(ov.matrix[i] == [key] for i in ids)
    pw = ov.pairwise()
    assert pw["ilo-ec-2009"]["unodc-indicators"] == sum(
        1 for hs in ov.matrix.values() if "ilo-ec-2009" in hs and "unodc-indicators" in hs)


def test_bad_catalogue_reports_every_problem() -> None:
    data = yaml.safe_load(C.CATALOGUE_FILE.read_text())
    data["indicators"][0]["placements"] = {"AL": "nonsense/S", "XX": "exploitation/Q"}
    data["indicators"][1]["id"] = data["indicators"][2]["id"]
    with pytest.raises(ValidationError) as exc:
        C._parse_catalogue(data, "broken.yaml")
    reasons = " | ".join(p.reason for p in exc.value.problems)
    assert "unknown dimension 'nonsense'" in reasons
    assert "unknown list 'XX'" in reasons and "strength 'Q'" in reasons
    assert "duplicate indicator id" in reasons


def test_import_handbook_validates_and_is_loaded(tmp_path: Path) -> None:
    target = tmp_path / "handbooks"
    hb = C.import_handbook(DATA / "nl-nrm-guide.yaml", target)
    assert hb.key == "nl-nrm-guide" and len(hb.mappings) == 4
    cat = C.load_catalogue((target,))
    assert cat.handbooks["nl-nrm-guide"].origin == "imported"
    assert "nl-nrm-guide" in C.overlap(cat).matrix["DOCS"]
    with pytest.raises(Conflict):
        C.import_handbook(DATA / "nl-nrm-guide.yaml", target)
    assert C.import_handbook(DATA / "nl-nrm-guide.yaml", target, replace=True).key == "nl-nrm-guide"


def test_import_handbook_rejects_bad_file_listing_all_problems(tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as exc:
        C.import_handbook(DATA / "bad-handbook.yaml", tmp_path)
    fields = [p.field for p in exc.value.problems]
    assert "handbook.year" in fields and "handbook.key" in fields
    assert "mappings[2].indicator" in fields  # unknown id
    assert "mappings[3].wording" in fields  # empty wording
    assert not list(tmp_path.iterdir())  # nothing stored


def test_import_refuses_a_packaged_key(tmp_path: Path) -> None:
    path = tmp_path / "ilo.yaml"
    path.write_text(yaml.safe_dump({"handbook": {"key": "ilo-ec-2009", "title": "x", "publisher": "y", "year": 2009},
                                    "mappings": [{"indicator": "DOCS", "wording": "w", "reference": "r"}]}))
    with pytest.raises(Conflict):
        C.import_handbook(path, tmp_path / "out")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("handbook:\n  key: a\n  title: [unclosed\n")
    with pytest.raises(ValidationError) as exc:
        C.import_handbook(path, tmp_path / "out")
    assert exc.value.problems[0].line is not None


# The ILO/EC adult labour list: 67 placements, 10 / 10 / 16 / 9 / 15 / 7 by dimension.
def test_adult_labour_list_holds_the_ilo_ec_counts() -> None:
    cat = C.load_catalogue()
    assert cat.placements_in("adult_labour") == 67
    by_dim = {d.number: sum(1 for i in cat.indicators.values() for p in i.in_list("adult_labour") if p.dimension == d.key)
              for d in cat.dimensions.values()}
    assert by_dim == {1: 10, 2: 10, 3: 16, 4: 9, 5: 15, 6: 7}
    assert "weak" not in {p.strength for i in cat.indicators.values() for p in i.in_list("child_labour")}  # no weak tier


@pytest.mark.parametrize("iid, lst, phase, strength", [
    ("DOCS", "adult_labour", "recruitment", "medium"), ("DOCS", "adult_labour", "destination", "strong"),
    ("THREAT", "adult_labour", "recruitment", "medium"), ("CONFINE", "adult_labour", "recruitment", "medium"),
    ("DEBT", "adult_labour", "recruitment", "medium"), ("DEBT", "child_labour", "recruitment", "strong"),
    ("DENOUNCE", "adult_labour", "destination", "medium"), ("WITHHOLD", "adult_labour", "destination", "medium"),
    ("VIOLENCE", "adult_labour", "recruitment", "strong"), ("EXPOSE", "adult_labour", "destination", "weak"),
    ("DR-EDUCATION", "child_labour", "recruitment", "strong"), ("DR-EDUCATION", "adult_labour", "recruitment", "weak"),
    ("DOCS", "adult_sexual", "destination", "strong"),  # the same canonical indicator in the sexual list
])
def test_strengths_follow_the_lists(iid: str, lst: str, phase: str, strength: str) -> None:
    placement = C.load_catalogue().placement(iid, lst, phase)
    assert placement is not None and placement.strength == strength


def test_missing_items_are_in_the_catalogue() -> None:
    """Items the 2026.1 catalogue lacked (family reunification, the contract, beliefs, context, peers)."""
    cat = C.load_catalogue()
    for iid, phase in [("DR-FAMILY", "recruitment"), ("DR-CONTRACT", "recruitment"), ("VR-BELIEFS", "recruitment"),
                       ("VR-CONTEXT", "recruitment"), ("CD-PEERS", "destination")]:
        assert cat.placement(iid, "adult_labour", phase) is not None, iid
    assert C.load_catalogue().placement("VR-FALSE-LAW", "child_labour", "recruitment") is None  # not in the child list


def test_two_placements_in_one_phase_of_a_list_are_refused() -> None:
    data = yaml.safe_load(C.CATALOGUE_FILE.read_text())
    data["indicators"][0]["placements"]["AL"] = ["deceptive_recruitment/S", "coercive_recruitment/M"]
    with pytest.raises(ValidationError) as exc:
        C._parse_catalogue(data, "broken.yaml")
    assert "second placement in the recruitment phase" in exc.value.problems[0].reason


def test_previous_catalogue_version_is_kept_for_saved_screenings() -> None:
    old = C.catalogue_version("2026.1")
    assert old.version == "2026.1" and "CD-DOCS" in old.indicators
    assert C.catalogue_version(C.load_catalogue().version) is not old
    with pytest.raises(NotFound):
        C.catalogue_version("1999.9")

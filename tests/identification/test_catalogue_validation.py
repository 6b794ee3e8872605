"""Catalogue validation in depth: every problem reported, import refusals, YAML line numbers, overlap sets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from palermo.errors import Conflict, ImportRejected, ValidationError
from palermo.identification import catalogue as C

DATA = Path(__file__).resolve().parents[1] / "data" / "identification"


def test_packaged_catalogue_follows_the_ilo_structure() -> None:
    cat = C.load_catalogue()
    assert set(cat.lists) == {"adult_labour", "adult_sexual", "child_labour", "child_sexual"}
    assert [d.number for d in cat.dimensions.values()] == [1, 2, 3, 4, 5, 6]
    for lst in cat.lists:
        dims = {i.placements[lst].dimension for i in cat.in_list(lst)}
        assert dims == set(cat.dimensions), f"{lst} lacks indicators in some dimension"
    strengths = {p.strength for i in cat.indicators.values() for p in i.placements.values()}
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
    assert "CD-DOCS" in ov.shared  # ILO, UNODC and the Spanish guide all name withheld documents
    assert set(ov.matrix["CD-DOCS"]) >= {"ilo-ec-2009", "unodc-indicators", "es-cgpj-guide"}
    assert ov.unique["es-cgpj-guide"] == ["CD-RITUAL"]
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
    assert "nl-nrm-guide" in C.overlap(cat).matrix["CD-DOCS"]
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
                                    "mappings": [{"indicator": "CD-DOCS", "wording": "w", "reference": "r"}]}))
    with pytest.raises(Conflict):
        C.import_handbook(path, tmp_path / "out")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("handbook:\n  key: a\n  title: [unclosed\n")
    with pytest.raises(ValidationError) as exc:
        C.import_handbook(path, tmp_path / "out")
    assert exc.value.problems[0].line is not None

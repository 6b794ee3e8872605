"""The catalogue is validated on load; handbooks map in; their overlap is computed; the CLI shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from palermo.cli import app
from palermo.errors import Conflict, ValidationError
from palermo.identification.catalogue import import_handbook, load_catalogue, overlap

runner = CliRunner()


def test_catalogue_shape_and_sources() -> None:
    cat = load_catalogue()
    assert set(cat.lists) == {"adult_labour", "adult_sexual", "child_labour", "child_sexual"} and len(cat.dimensions) == 6
    assert {p.strength for i in cat.indicators.values() for p in i.placements} == {"strong", "medium", "weak"}
    assert any(h.key == "ilo-ec-2009" for h, _ in cat.sources("DR-JOB"))
    ov = overlap(cat)
    assert ov.shared and set(ov.unique) == set(cat.handbooks) and ov.pairwise()["ilo-ec-2009"]["ilo-ec-2009"] > 0


def test_import_handbook_valid_and_invalid(tmp_path: Path) -> None:
    good = tmp_path / "nrm.yaml"
    good.write_text(yaml.safe_dump({"handbook": {"key": "nl-nrm-guide", "title": "NRM guide", "publisher": "CoMensha",
                                                 "year": 2020, "language": "nl"},
                                    "mappings": [{"indicator": "DOCS", "wording": "Paspoort ingenomen", "reference": "p. 4"}]}))
    hb = import_handbook(good, tmp_path / "store")
    assert hb.key == "nl-nrm-guide"
    assert "nl-nrm-guide" in load_catalogue((tmp_path / "store",)).handbooks
    with pytest.raises(Conflict):
        import_handbook(good, tmp_path / "store")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"handbook": {"key": "x"}, "mappings": [{"indicator": "NOPE-1"}]}))
    with pytest.raises(ValidationError):
        import_handbook(bad, tmp_path / "store")


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path))
    r = runner.invoke(app, ["identify", "catalogue", "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["indicators"]) == len(load_catalogue().indicators)
    r = runner.invoke(app, ["identify", "handbooks", "--json"])
    assert r.exit_code == 0 and "shared" in json.loads(r.stdout)
    case = tmp_path / "c.json"
    case.write_text(json.dumps({"age": 30, "observed": ["XX-1"]}))
    r = runner.invoke(app, ["identify", "screen", str(case)])
    assert r.exit_code == 1 and "unknown indicator" in r.output
    scenario = Path(__file__).parents[2] / "src/palermo/identification/data/scenarios/agriculture-forced-labour.json"
    r = runner.invoke(app, ["identify", "screen", str(scenario), "--lang", "es", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["conclusion"] == "trafficking_indicated"

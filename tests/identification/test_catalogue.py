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


REFERENCE = Path(__file__).parents[3] / "shared" / "reference" / "ilo-ec-2009-labour-lists.md"


def test_what_the_sexual_lists_strengths_rest_on() -> None:
    """No source read here gives the sexual-exploitation lists' strengths: every placement there either
    carries the strength its labour list (same age, same dimension) gives the same indicator, or is one of
    the two items Palermo chose a strength for. The docs and the catalogue say exactly this."""
    cat = load_catalogue()
    basis = {(i.id, p.list, p.dimension): cat.strength_basis(i.id, p) for i in cat.indicators.values() for p in i.placements}
    assert {b for (_, lst, _), b in basis.items() if lst.endswith("_labour")} == {"ilo-ec-2009"}
    own = sorted({(iid, lst) for (iid, lst, _), b in basis.items() if b == "palermo"})
    assert own == [("SX-NOCHOICE", "adult_sexual"), ("SX-NOCHOICE", "child_sexual"),
                   ("SX-PROSTITUTION", "adult_sexual"), ("SX-PROSTITUTION", "child_sexual")]
    for key in ("adult_sexual", "child_sexual"):
        assert "none from the brochure" in cat.lists[key].strength_source
    data = cat.to_dict()
    docs = next(i for i in data["indicators"] if i["id"] == "DOCS")
    assert {(p["list"], p["basis"]) for p in docs["placements"]} >= {("adult_labour", "ilo-ec-2009"),
                                                                     ("adult_sexual", "labour-counterpart")}


def test_the_adapted_sexual_items_of_the_reference_are_ilo_ec_items() -> None:
    """The reference names three items the sexual-exploitation lists adapt; each is mapped to the ILO/EC
    handbook (so none is called Palermo's own), and only SX-PROSTITUTION is unmapped there."""
    text = " ".join(REFERENCE.read_text(encoding="utf-8").split())
    for phrase in ("forced tasks or clients", "no choice of clients", "threats to expose the activity"):
        assert phrase in text, phrase  # the reference still says so
    ilo = {m.indicator: m for m in load_catalogue().handbooks["ilo-ec-2009"].mappings}
    assert "sexual" in ilo["CD-TASKS"].reference and "expose the activity" in ilo["EXPOSE"].wording
    assert ilo["SX-NOCHOICE"].wording == "No choice of clients"
    sexual_only = {i.id for i in load_catalogue().indicators.values() if set(i.lists) <= {"adult_sexual", "child_sexual"}}
    assert sexual_only - set(ilo) == {"SX-PROSTITUTION"}

"""The DSD is published: `stats export --format sdmx-structure` writes code lists, concept scheme, DSD and
dataflow, and sdmx1 reads Palermo's data files against that file alone (no Palermo code needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sdmx
from typer.testing import CliRunner

from palermo.cli import app
from palermo.db import Database
from palermo.statistics.models import Observation, Source

DATA = Path(__file__).parents[1] / "data" / "statistics"
runner = CliRunner()


@pytest.fixture
def env(sqlite_demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_demo_db.url)
    return sqlite_demo_db


@pytest.mark.parametrize("fmt", ["sdmx-ml", "sdmx-csv"])
def test_a_file_export_reads_back_against_the_exported_dsd(env: Database, tmp_path: Path, fmt: str) -> None:
    dsd_file, data_file = tmp_path / "dsd.xml", tmp_path / ("nld.xml" if fmt == "sdmx-ml" else "nld.csv")
    r = runner.invoke(app, ["stats", "export", "--format", "sdmx-structure", "-o", str(dsd_file)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["stats", "export", "--format", fmt, "--country", "NLD", "-o", str(data_file)])
    assert r.exit_code == 0, r.output

    structures = sdmx.read_sdmx(dsd_file)
    dsd = structures.structure["PALERMO_THB"]
    assert structures.dataflow["THB"].structure is dsd
    msg = sdmx.read_sdmx(data_file, structure=dsd)
    obs = msg.data[0].obs

    with env.session(write=False) as s:
        latest = {}
        for src in s.query(Source).all():
            if src.key not in latest or src.vintage > latest[src.key].vintage:
                latest[src.key] = src
        stored = {(o.source.key, o.indicator.upper(), o.period, o.sex.upper(), o.age_group.upper(), o.citizenship.upper(),
                   o.exploitation.upper()): o for o in s.query(Observation).filter(Observation.country == "NLD")
                  if o.source_id == latest[o.source.key].id}
    assert len(obs) == len(stored) > 10
    for o in obs:
        key = {k: v.value for k, v in o.key.values.items()}
        # Every code is in the code list its dimension is enumerated by: the DSD really describes the file.
        for dim in dsd.dimensions:
            rep = dim.local_representation
            if rep is not None and rep.enumerated is not None:
                assert key[dim.id] in rep.enumerated, (dim.id, key[dim.id])
        db = stored[(key["SOURCE"], key["INDICATOR"], key["TIME_PERIOD"], key["SEX"], key["AGE"], key["CITIZENSHIP"],
                     key["EXPLOITATION"])]
        value = None if o.value in (None, "") else float(o.value)
        assert value == db.value  # internal export: the stored figure, unknown stays unknown
        attrs = {k: str(v.value) for k, v in o.attached_attribute.items()}
        assert set(filter(None, attrs.get("PALERMO_FLAGS", "").split(";"))) == db.flag_set
        if db.lower is not None:
            assert (float(attrs["LOWER_BOUND"]), float(attrs["UPPER_BOUND"])) == (db.lower, db.upper)


def test_the_structure_names_every_code_and_concept(env: Database, tmp_path: Path) -> None:
    out = tmp_path / "dsd.xml"
    assert runner.invoke(app, ["stats", "export", "--format", "sdmx-structure", "--public", "-o", str(out)]).exit_code == 0
    msg = sdmx.read_sdmx(out)
    assert set(msg.codelist) == {"CL_SOURCE", "CL_INDICATOR", "CL_STAGE", "CL_AREA", "CL_SEX", "CL_AGE", "CL_CITIZENSHIP",
                                 "CL_EXPLOITATION", "CL_OBS_STATUS", "CL_CONF_STATUS"}
    assert str(msg.codelist["CL_EXPLOITATION"]["ORGANS"].name) == "Removal of organs"
    assert str(msg.codelist["CL_OBS_STATUS"]["Q"].name) == "Missing value; suppressed"
    assert msg.codelist["CL_AREA"]["XKX"] and len(msg.codelist["CL_AREA"]) > 240
    r = runner.invoke(app, ["stats", "sources", "--json"])
    public = {s["key"] for s in json.loads(r.stdout) if s["public"]}
    assert {c.id for c in msg.codelist["CL_SOURCE"]} == public  # --public: internal sources are not named
    dsd = msg.structure["PALERMO_THB"]
    for component in [*dsd.dimensions, *dsd.attributes, *dsd.measures]:
        assert component.concept_identity in msg.concept_scheme["CS_PALERMO"]

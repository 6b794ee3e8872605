"""`palermo stats …` end to end: import, export, explain, stale, sources; errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli import app
from palermo.db import Database

DATA = Path(__file__).parents[1] / "data" / "statistics"
runner = CliRunner()


@pytest.fixture
def env(sqlite_demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_demo_db.url)
    return sqlite_demo_db


def test_import_explain_export_stale(env: Database, tmp_path: Path) -> None:
    r = runner.invoke(app, ["stats", "import", str(DATA / "crim_thb_vict.tsv"), "--format", "eurostat", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["observations"] == 18  # 6 country rows x 3 years; the EU aggregate is skipped
    r = runner.invoke(app, ["stats", "explain", "--country", "NLD", "--year", "2022", "--json"])
    pairs = json.loads(r.stdout)
    assert r.exit_code == 0 and {p["verdict"] for p in pairs} >= {"both", "different data"}
    r = runner.invoke(app, ["stats", "stale", "--json"])
    assert r.exit_code == 0 and [s["key"] for s in json.loads(r.stdout)] == ["es-ngo-assisted"]
    out = tmp_path / "public.csv"
    r = runner.invoke(app, ["stats", "export", "--format", "csv", "--public", "--country", "NLD", "-o", str(out)])
    assert r.exit_code == 0 and "suppressed" in out.read_text()
    r = runner.invoke(app, ["stats", "sources", "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)) >= 12


def test_cli_errors_are_one_clear_line(env: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("nonsense\n")
    r = runner.invoke(app, ["stats", "import", str(bad), "--format", "eurostat"])
    assert r.exit_code == 1 and "not a Eurostat TSV" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["stats", "import", str(bad), "--format", "csv"])
    assert r.exit_code == 1 and "mapping file is needed" in r.output
    r = runner.invoke(app, ["stats", "export", "--format", "xls", "-o", str(tmp_path / "x")])
    assert r.exit_code == 1 and "unknown" in r.output


@pytest.mark.parametrize("fmt", ["sdmx-ml", "sdmx-csv"])
def test_sdmx_export_then_import_through_the_cli(env: Database, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / ("nld.xml" if fmt == "sdmx-ml" else "nld.csv")
    r = runner.invoke(app, ["stats", "export", "--format", fmt, "--country", "NLD", "--indicator", "victims", "-o", str(out)])
    assert r.exit_code == 0, r.output
    mapping = tmp_path / "source.yaml"
    mapping.write_text("source: {key: nld-reimport, name: NLD re-import, source_type: national_rapporteur, stage: detected,\n"
                       "         counting_unit: persons, legal_definition: national}\ncolumns: {}\n")
    r = runner.invoke(app, ["stats", "import", str(out), "--format", "sdmx", "--mapping", str(mapping), "--json"])
    assert r.exit_code == 0, r.output
    exported = out.read_text()
    report = json.loads(r.stdout)
    assert report["observations"] > 10 and report["source_key"] == "nld-reimport"
    assert ("<" in exported[:5]) == (fmt == "sdmx-ml")

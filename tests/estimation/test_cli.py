"""`palermo stats estimate`: prints estimate, interval, model and warnings; --json; bad files exit 1 with a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli import app
from palermo.db import Database
from tests.conftest import EXTERNAL

runner = CliRunner()
MSE = EXTERNAL / "mse-multiple-lists"


def test_help_is_there() -> None:
    result = runner.invoke(app, ["stats", "estimate", "--help"])
    assert result.exit_code == 0
    assert "--criterion" in result.output and "--bootstrap" in result.output
    assert "--bootstrap-method" in result.output


def test_prints_estimate_interval_model_and_warnings() -> None:
    result = runner.invoke(app, ["stats", "estimate", str(MSE / "UKdat.csv"), "--criterion", "pvalue"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Estimated total:" in out and "95% interval" in out
    assert "Model: main effects + PF:NCA" in out
    assert "Warning:" in out and "share nobody" in out


def test_json_output_with_bootstrap_and_merge() -> None:
    result = runner.invoke(app, ["stats", "estimate", str(MSE / "UKdat.csv"), "--merge", "PF+NCA", "--bootstrap", "20",
                                 "--criterion", "bic", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["lists"] == ["LA", "NG", "PFNCA", "GO", "GP"]
    assert data["bootstrap"]["replicates"] == 20
    assert data["lower"] < data["estimate"] < data["upper"]
    assert data["criterion"] == "bic" and data["method"] == "MSE"


def test_bad_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B,count\n1,2,5\n0,0,3\n")
    result = runner.invoke(app, ["stats", "estimate", str(bad)])
    assert result.exit_code == 1
    assert "must be 0 (not on the list) or 1" in result.output
    assert "all-zero row" in result.output


def test_lists_and_estimates_the_demo_hub_overlap(sqlite_demo_db: Database, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALERMO_DATABASE_URL", sqlite_demo_db.url)
    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path / "data"))
    listed = runner.invoke(app, ["stats", "estimate", "--tables", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    demo = next(r for r in rows if r["country"] == "NLD")
    assert demo["lists"] == ["LABOUR_INSPECTION", "NGO", "POLICE"]
    result = runner.invoke(app, ["stats", "estimate", "--table", demo["reference"]])
    assert result.exit_code == 0, result.output
    assert "Estimated total:" in result.output and "NGO" in result.output


def test_neither_file_nor_table_is_refused() -> None:
    result = runner.invoke(app, ["stats", "estimate"])
    assert result.exit_code == 1 and "either a CSV file" in result.output


def test_bca_bootstrap_method() -> None:
    result = runner.invoke(app, ["stats", "estimate", str(MSE / "Western.csv"), "--criterion", "pvalue",
                                 "--bootstrap", "30", "--bootstrap-method", "bca", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["interval_method"].startswith("BCa bootstrap")
    assert data["bootstrap"]["replicates"] == 30 and "acceleration" in data["bootstrap"] and "z0" in data["bootstrap"]
    assert data["lower"] < data["estimate"] < data["upper"]
    printed = runner.invoke(app, ["stats", "estimate", str(MSE / "Western.csv"), "--criterion", "pvalue",
                                  "--bootstrap", "30", "--bootstrap-method", "BCa"])
    assert printed.exit_code == 0, printed.output
    assert "BCa bootstrap (multinomial resampling" in " ".join(printed.output.split())  # rich wraps lines


def test_bad_bootstrap_method_is_one_clear_error() -> None:
    result = runner.invoke(app, ["stats", "estimate", str(MSE / "Western.csv"), "--bootstrap", "30",
                                 "--bootstrap-method", "jackknife"])
    assert result.exit_code == 1
    assert "unknown bootstrap method 'jackknife'; use one of parametric, bca" in result.output
    result = runner.invoke(app, ["stats", "estimate", str(MSE / "Western.csv"), "--bootstrap-method", "bca"])
    assert result.exit_code == 1 and "needs replicates" in result.output and "--bootstrap 200" in result.output

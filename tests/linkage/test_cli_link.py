"""`palermo link …` on small synthetic files: keygen, encode, match, dedupe, and clear errors."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from palermo.cli import app
from palermo.linkage.synthetic import agency_lists, write_csv

runner = CliRunner()


def test_keygen_encode_match(tmp_path: Path) -> None:
    lists, truth = agency_lists({"A": 80, "B": 80}, overlap=0.3, noise=0.05, seed=21)
    for k in lists:
        write_csv(lists[k], str(tmp_path / f"{k}.csv"))
    key = tmp_path / "agency.key"
    assert runner.invoke(app, ["link", "keygen", "-o", str(key)]).exit_code == 0
    assert key.stat().st_mode & 0o077 == 0
    r = runner.invoke(app, ["link", "keygen", "-o", str(key)])
    assert r.exit_code == 1 and "refusing to overwrite" in r.output
    for k in lists:
        r = runner.invoke(app, ["link", "encode", str(tmp_path / f"{k}.csv"), "--secret-file", str(key),
                                "-o", str(tmp_path / f"{k}.parquet")])
        assert r.exit_code == 0, r.output
    out = tmp_path / "m.csv"
    r = runner.invoke(app, ["link", "match", str(tmp_path / "A.parquet"), str(tmp_path / "B.parquet"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open()))
    pairs = {(row["record_a"], row["record_b"]) for row in rows}
    true = {(ra, rb) for (ag, ra), p in truth.items() if ag == "A" for (bg, rb), q in truth.items() if bg == "B" and p == q}
    assert len(pairs & true) >= 0.8 * len(true) and len(pairs & true) >= 0.9 * len(pairs)


def test_bad_input(tmp_path: Path) -> None:
    short = tmp_path / "short.key"
    short.write_text("abc")
    f = tmp_path / "p.csv"
    f.write_text("record_id,first_name\n1,Ana\n")
    r = runner.invoke(app, ["link", "encode", str(f), "--secret-file", str(short), "-o", str(tmp_path / "x.parquet")])
    assert r.exit_code == 1 and "at least 32" in r.output
    good = tmp_path / "good.key"
    good.write_text("k" * 40)
    r = runner.invoke(app, ["link", "encode", str(f), "--secret-file", str(good), "-o", str(tmp_path / "x.parquet")])
    assert r.exit_code == 1 and "lacks the column(s)" in r.output and "last_name" in r.output
    r = runner.invoke(app, ["link", "match", str(f), str(f), "-o", str(tmp_path / "m.csv")])
    assert r.exit_code == 1 and "not a Parquet file of encodings" in r.output
    r = runner.invoke(app, ["link", "dedupe", str(f)])
    assert r.exit_code == 1 and "dedupe needs" in r.output


def test_dedupe_reads_a_european_spreadsheets_csv_as_its_utf8_twin(tmp_path: Path) -> None:
    """`link dedupe` read a ';' Windows-1252 file (Excel's "CSV" on a Western European Windows) as one column
    and refused it: "lacks column(s) record_id, first_name, …"."""
    import json

    lists, _ = agency_lists({"A": 120, "B": 120}, overlap=0.4, noise=0.05, seed=5)
    rows = lists["A"] + lists["B"]
    rows[0]["last_name"] = "Müller"
    write_csv(rows, str(tmp_path / "twin.csv"))
    text = (tmp_path / "twin.csv").read_text(encoding="utf-8")
    with (tmp_path / "saved.csv").open("w", encoding="cp1252", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(csv.reader(text.splitlines()))
    reports = []
    for name in ("twin", "saved"):
        r = runner.invoke(app, ["link", "dedupe", str(tmp_path / f"{name}.csv"), "--json"])
        assert r.exit_code == 0, r.output
        reports.append(json.loads(r.stdout))
    assert reports[1] == reports[0] and reports[0]["records"] == 240 and reports[0]["duplicates"] > 0

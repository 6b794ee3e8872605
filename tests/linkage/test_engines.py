"""One test body, both engines: identical matches from the in-process engine and from Spark (local mode)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from palermo.linkage.encoding import Encoder
from palermo.linkage.engine import LocalEngine, match
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists, true_pairs

# pyspark 4.x warns that it does not fully support pandas 3; the engine's results are checked below.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

LISTS, TRUTH = agency_lists({"A": 150, "B": 150, "C": 100}, overlap=0.3, noise=0.15, seed=12)
ENC = Encoder(DEFAULT_SCHEMA, b"s" * 40)
DATASETS = [ENC.encode(LISTS[k], label=k) for k in ("A", "B", "C")]


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[object]:
    from palermo.linkage.spark_engine import SparkEngine

    engine = SparkEngine()
    yield engine
    engine.spark.stop()


@pytest.fixture(params=[pytest.param("local"), pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> object:
    return LocalEngine() if request.param == "local" else request.getfixturevalue("spark_engine")


def test_engines_give_the_same_matches(engine: object) -> None:
    reference = match(DATASETS, engine=LocalEngine())
    got = match(DATASETS, engine=engine)  # type: ignore[arg-type]
    assert [(m.list_a, m.record_a, m.list_b, m.record_b, m.probability) for m in got] == \
        [(m.list_a, m.record_a, m.list_b, m.record_b, m.probability) for m in reference]
    found = {(m.record_a, m.record_b) for m in got if (m.list_a, m.list_b) == ("A", "B")}
    truth = true_pairs(TRUTH, "A", "B")
    assert len(found & truth) / len(truth) > 0.6 and len(found & truth) / max(1, len(found)) > 0.9
    assert {(m.list_a, m.list_b) for m in got} == {("A", "B"), ("A", "C"), ("B", "C")}  # three lists at once


def test_oversized_blocks_are_skipped_alike_by_both_engines(engine: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key value shared by too many records on both sides proposes no pairs, on either backend."""
    import polars as pl

    from palermo.linkage import engine as local_engine
    from palermo.linkage import spark_engine

    a, b = DATASETS[0], DATASETS[1]
    uncapped = set(zip(*(x.tolist() for x in local_engine.candidate_pairs(a, b, max_block_pairs=0))))
    monkeypatch.setattr(local_engine, "MAX_BLOCK_PAIRS", 1)
    monkeypatch.setattr(spark_engine, "MAX_BLOCK_PAIRS", 1)
    ia, ib, _ = engine.pair_levels(a, b)  # type: ignore[attr-defined]
    capped = set(zip(ia.tolist(), ib.tolist()))
    expected = set()  # by hand: per key, the values held by exactly one record on each side
    for spec in a.schema.blocking:
        left = pl.DataFrame({"k": a.blocks[spec.name], "i": range(len(a))}).drop_nulls("k")
        right = pl.DataFrame({"k": b.blocks[spec.name], "j": range(len(b))}).drop_nulls("k")
        single = (left.group_by("k").len().filter(pl.col("len") == 1).select("k")
                  .join(right.group_by("k").len().filter(pl.col("len") == 1).select("k"), on="k"))
        expected |= set(left.join(single, on="k").join(right, on="k").select("i", "j").iter_rows())
    assert capped == expected and capped < uncapped


def test_oversized_blocks_are_searched_alike_by_both_engines(engine: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a rescue floor, a block over the cap proposes its pairs weighed above the floor, on either backend."""
    from palermo.linkage import engine as local_engine
    from palermo.linkage import spark_engine
    from palermo.linkage.calibration import calibrate

    a, b = DATASETS[0], DATASETS[1]
    monkeypatch.setattr(local_engine, "MAX_BLOCK_PAIRS", 1)
    monkeypatch.setattr(spark_engine, "MAX_BLOCK_PAIRS", 1)
    cal = calibrate(DEFAULT_SCHEMA)
    rescue = (cal.model, cal.threshold - 8)
    ia, ib, lv = engine.pair_levels(a, b, rescue=rescue)  # type: ignore[attr-defined]
    ja, jb, lw = LocalEngine().pair_levels(a, b, rescue=rescue)
    capped = set(zip(*(x.tolist() for x in local_engine.candidate_pairs(a, b))))
    assert ia.tolist() == ja.tolist() and ib.tolist() == jb.tolist()
    assert all(lv[f].tolist() == lw[f].tolist() for f in lw)
    assert set(zip(ia.tolist(), ib.tolist())) > capped  # the search added pairs the cap had dropped

"""The Spark engine: the same candidate pairs and per-field Dice as :class:`LocalEngine`, computed on
Spark, for lists that outgrow one machine. Candidate pairs come from a Spark join on the keyed blocking
keys; the per-field Dice of each partition of pairs is computed in Spark executors (mapInPandas with
numpy popcounts) and cut into agreement levels; results come back sorted, so matches are identical to the in-process engine."""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from palermo.errors import ConfigurationError
from palermo.linkage.encoding import EncodedDataset
from palermo.linkage.engine import MAX_BLOCK_PAIRS, RESCUE_BLOCK_PAIRS, Rescue, all_pairs_candidates, rescued_pairs
from palermo.linkage.fellegi_sunter import levels
from palermo.linkage.similarity import dice
from palermo.messages import N_


def _spark() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigurationError(N_("the Spark engine needs pyspark: pip install 'palermo[spark]'")) from None
    # Executors must run the same Python (with numpy, pandas and palermo) as the driver.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (SparkSession.builder.master("local[2]").appName("palermo-linkage")
            .config("spark.pyspark.python", sys.executable).config("spark.pyspark.driver.python", sys.executable)
            .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g").getOrCreate())


class SparkEngine:
    name = "spark"

    def __init__(self, spark: Any = None) -> None:
        self.spark = spark or _spark()

    def pair_levels(self, a: EncodedDataset, b: EncodedDataset, rescue: Rescue | None = None
                    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        import pandas as pd
        import polars as pl
        from pyspark.sql import functions as F

        spark = self.spark
        if a.schema.blocking:
            frames = []
            for spec in a.schema.blocking:
                ka = spark.createDataFrame(pd.DataFrame({"ia": np.arange(len(a)), "k": list(a.blocks[spec.name])}).dropna())
                kb = spark.createDataFrame(pd.DataFrame({"ib": np.arange(len(b)), "k": list(b.blocks[spec.name])}).dropna())
                if MAX_BLOCK_PAIRS:  # the same cap as the local engine: identical candidate pairs
                    sizes = (ka.groupBy("k").count().withColumnRenamed("count", "na")
                             .join(kb.groupBy("k").count().withColumnRenamed("count", "nb"), "k")
                             .where(F.col("na") * F.col("nb") <= MAX_BLOCK_PAIRS).select("k"))
                    ka = ka.join(sizes, "k", "left_semi")
                frames.append(ka.join(kb, "k").select("ia", "ib"))
                if MAX_BLOCK_PAIRS and rescue is not None:
                    # the oversized blocks' likely pairs, from the same compiled search as the local engine's
                    left = pl.DataFrame({"k": a.blocks[spec.name], "i": np.arange(len(a), dtype=np.int64)}).drop_nulls("k")
                    right = pl.DataFrame({"k": b.blocks[spec.name], "j": np.arange(len(b), dtype=np.int64)}).drop_nulls("k")
                    pairs_in = (pl.col("len") * pl.col("len_b"))
                    big = (left.group_by("k").len().join(right.group_by("k").len(), on="k", suffix="_b")
                           .filter((pairs_in > MAX_BLOCK_PAIRS) & (pairs_in <= RESCUE_BLOCK_PAIRS)))
                    for found in rescued_pairs(a, b, left, right, big, rescue):
                        codes = found["pair"].to_numpy()
                        frames.append(spark.createDataFrame(pd.DataFrame({"ia": codes // len(b), "ib": codes % len(b)})))
            pairs = frames[0]
            for f in frames[1:]:
                pairs = pairs.unionByName(f)
            pairs = pairs.distinct()
        else:
            # No blocking (a clkhash schema): the tiled all-pairs kernel proposes the pairs above the
            # similarity floor, as in the local engine; never a cross join of n x m rows.
            ia, ib = all_pairs_candidates(a, b)
            pairs = spark.createDataFrame(pd.DataFrame({"ia": ia, "ib": ib}))
        fields = [f.name for f in a.schema.fields]
        fa = spark.sparkContext.broadcast({f: a.filters[f] for f in fields})
        fb = spark.sparkContext.broadcast({f: b.filters[f] for f in fields})
        pa_ = spark.sparkContext.broadcast({f: a.present[f] for f in fields})
        pb_ = spark.sparkContext.broadcast({f: b.present[f] for f in fields})

        def score(batches: Any) -> Any:
            for pdf in batches:
                x, y = pdf["ia"].to_numpy(), pdf["ib"].to_numpy()
                out = {"ia": x, "ib": y}
                for f in fields:
                    sims = dice(fa.value[f][x], fb.value[f][y])
                    sims[~(pa_.value[f][x] & pb_.value[f][y])] = np.nan
                    out[f] = sims.astype("float64")
                yield pd.DataFrame(out)

        schema = "ia long, ib long, " + ", ".join(f"`{f}` double" for f in fields)
        result = pairs.select(F.col("ia").cast("long"), F.col("ib").cast("long")).mapInPandas(score, schema)
        pdf = result.toPandas().sort_values(["ia", "ib"], kind="mergesort")
        ia, ib = pdf["ia"].to_numpy(np.int64), pdf["ib"].to_numpy(np.int64)
        return ia, ib, {f: levels(pdf[f].to_numpy(np.float32)) for f in fields}

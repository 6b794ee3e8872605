"""Plaintext deduplication inside one agency with Splink (DuckDB backend): the same person under two
spellings in the agency's own file. Runs locally; nothing leaves the agency."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from palermo.errors import ValidationError
from palermo.linkage.files import read_table
from palermo.linkage.normalise import name_tokens, parse_date
from palermo.messages import N_

NEEDED = ["record_id", "first_name", "last_name", "date_of_birth"]


@dataclass
class DedupeReport:
    records: int
    pairs: int
    clusters: int
    duplicates: int  # records that share a cluster with another record
    examples: list[list[str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        lines = [f"{self.records:,} records; {self.pairs:,} pairs above the threshold; {self.clusters:,} persons; "
                 f"{self.duplicates:,} records belong to a person recorded more than once"]
        lines += [f"  same person: {', '.join(ex)}" for ex in self.examples[:10]]
        return "\n".join(lines)


def _prepare(path: Path) -> pl.DataFrame:
    df = read_table(path)
    missing = [c for c in NEEDED if c not in df.columns]
    if missing:
        raise ValidationError(N_("{path} lacks column(s) {missing}; dedupe needs {needed}",
                                 path=path, missing=', '.join(missing), needed=', '.join(NEEDED)))

    def norm_name(v: str | None) -> str | None:
        t = name_tokens(v)
        return " ".join(t) if t else None

    def norm_date(v: str | None) -> str | None:
        try:
            d = parse_date(v)
        except ValueError:
            return None
        return d.isoformat() if d else None

    return df.select(
        pl.col("record_id").alias("unique_id"),
        pl.col("first_name").map_elements(norm_name, return_dtype=pl.String).alias("first_name"),
        pl.col("last_name").map_elements(norm_name, return_dtype=pl.String).alias("surname"),
        pl.col("date_of_birth").map_elements(norm_date, return_dtype=pl.String).alias("dob"),
        *([pl.col("nationality")] if "nationality" in df.columns else []),
    )


def dedupe_file(path: Path, *, threshold: float = 0.9, output: Path | None = None) -> DedupeReport:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    df = _prepare(path).to_pandas()
    comparisons: list[Any] = [cl.NameComparison("first_name"), cl.NameComparison("surname"),
                   cl.DateOfBirthComparison("dob", input_is_string=True)]
    if "nationality" in df.columns:
        comparisons.append(cl.ExactMatch("nationality"))
    settings = SettingsCreator(
        link_type="dedupe_only", comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on("surname"), block_on("first_name"), block_on("dob")],
        retain_intermediate_calculation_columns=False)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([block_on("first_name", "surname", "dob")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e5)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    pairs = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, threshold).as_pandas_dataframe()
    n_pairs = len(pairs.as_pandas_dataframe())
    sizes = clusters.groupby("cluster_id")["unique_id"].apply(list)
    multi = [sorted(map(str, ids)) for ids in sizes if len(ids) > 1]
    if output:
        clusters[["cluster_id", "unique_id"]].rename(columns={"unique_id": "record_id"}).to_csv(output, index=False)
    return DedupeReport(len(df), n_pairs, int(sizes.shape[0]), sum(len(m) for m in multi), multi[:20])

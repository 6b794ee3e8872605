"""Incremental matching at the hub: a new upload of 10,000 records against 1,000,000 live records, as
one live upload or as ten uploads of 100,000 (ten agencies), then the same through the hub itself
(`hub.submit` on SQLite: the live encodings read from the database, matched, hits and audit stored),
beside Splink's incremental linkage of the same people in plaintext (`predict_between` the 1,000,000
records and the new ones, Splink 5's API for it; the model trained beforehand and not timed).

    .venv/bin/python benchmarks/linkage_incremental.py [--new 10000] [--live 1000000] [--uploads 10] [--work DIR]

Target (issue: hub over time): under 10 s on the 2-core machine. Lists: Palermo's synthetic generator,
10% of the new list's people on the live lists, noise 0.3, default schema. ``--work`` keeps the lists and
encodings between runs (generating a million people takes about two minutes).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl


def build(work: Path, n_new: int, n_live: int) -> None:
    """The lists (plaintext, kept for Splink) and their encodings, once per work folder."""
    if (work / "truth.json").exists():
        return
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.schema import DEFAULT_SCHEMA
    from palermo.linkage.synthetic import agency_lists, true_pairs

    lists, truth = agency_lists({"NEW": n_new, "LIVE": n_live}, overlap=0.1, noise=0.3, seed=5)
    enc = Encoder(DEFAULT_SCHEMA, b"s" * 40)
    for name in ("NEW", "LIVE"):
        pl.DataFrame(lists[name]).write_parquet(work / f"{name}.plain.parquet")
        enc.encode(lists[name], label=name).write(work / f"{name}.parquet")  # type: ignore[arg-type]
    (work / "truth.json").write_text(json.dumps(sorted(true_pairs(truth, "NEW", "LIVE"))))


def part(ds: Any, start: int, stop: int, label: str) -> Any:
    from palermo.linkage.encoding import EncodedDataset

    s = slice(start, stop)
    return EncodedDataset(ds.ids[s], {f: a[s] for f, a in ds.filters.items()}, {f: a[s] for f, a in ds.present.items()},
                          {k: v[s] for k, v in ds.blocks.items()}, ds.fingerprint, ds.schema, label, dict(ds.meta))


def prf(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> str:
    tp = len(found & truth)
    return f"{tp / max(1, len(found)):.2f} / {tp / max(1, len(truth)):.2f}"


def palermo_core(work: Path, uploads: int) -> list[tuple[str, float, str]]:
    from palermo.linkage.calibration import calibrate
    from palermo.linkage.encoding import read_encodings
    from palermo.linkage.engine import match

    truth = {tuple(p) for p in json.loads((work / "truth.json").read_text())}
    t = time.perf_counter()
    new, live = read_encodings(work / "NEW.parquet", "NEW"), read_encodings(work / "LIVE.parquet", "LIVE")
    read_s = time.perf_counter() - t
    calibrate(new.schema)  # once per schema and process (cached), as in a running hub
    rows = [("reading 1 + 1 encodings files (not part of matching)", read_s, "")]
    for k in sorted({1, uploads}):
        size = -(-len(live) // k)
        parts = [part(live, i, min(len(live), i + size), f"L{j}") for j, i in enumerate(range(0, len(live), size))]
        t = time.perf_counter()
        found = set()
        for p in parts:  # the hub compares the new upload with each live upload in turn
            found |= {(m.record_a, m.record_b) for m in match([new, p])}
        rows.append((f"Palermo: {len(new):,} against {len(live):,} live records in {k} upload(s)",
                     time.perf_counter() - t, prf(found, truth)))  # type: ignore[arg-type]
    return rows


def palermo_hub(work: Path, uploads: int) -> list[tuple[str, float, str]]:
    """The same through hub.submit on a SQLite hub holding the live uploads (one agency each)."""
    from palermo.auth import accounts
    from palermo.auth.roles import Principal
    from palermo.db import Database
    from palermo.db.base import utcnow
    from palermo.exchange.agreements import AgreementSpec, save_agreements
    from palermo.linkage.encoding import read_encodings
    from palermo.linkage.hub import submit
    from palermo.linkage.models import LinkUpload
    from palermo.settings import Settings

    truth = {tuple(p) for p in json.loads((work / "truth.json").read_text())}
    settings = Settings(link_records_per_day=10_000_000)
    live = read_encodings(work / "LIVE.parquet", "LIVE")
    new = read_encodings(work / "NEW.parquet", "NEW")
    new.meta["hub"] = settings.hub_name
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'hub.db'}")
        db.upgrade()
        system = Principal.system()
        with db.session() as s:
            orgs = [accounts.create_organisation(s, system, name=f"Agency {k}", short_name=f"AG{k}", org_type="police",
                                                 country="NLD") for k in range(uploads + 1)]
            save_agreements(s, system, [AgreementSpec(f"HNH-{k}", "hit/no-hit", "operational", "in_force",
                                                      [orgs[0].short_name, orgs[k].short_name], ["hit_no_hit"],
                                                      ["investigation"], date(2020, 1, 1), None, ["H0"], {}, 365, "")
                                        for k in range(1, uploads + 1)])
            size = -(-len(live) // uploads)
            for k, i in enumerate(range(0, len(live), size), start=1):
                buf = io.BytesIO()
                p = part(live, i, min(len(live), i + size), f"L{k}")
                p.meta["hub"] = settings.hub_name
                p.write(buf)  # type: ignore[arg-type]
                s.add(LinkUpload(organisation_id=orgs[k].id, label=f"list {k}", list_kind="suspects", purpose="investigation",
                                 fingerprint=live.fingerprint, records=len(p), encodings=buf.getvalue(), created_by="bench",
                                 created_at=utcnow(), status="live", key_epoch=1, schema_digest=live.schema.digest()))
        buf = io.BytesIO()
        new.write(buf)  # type: ignore[arg-type]
        rows = []
        # the same agency's list twice: the first in a fresh process (live encodings read from the database),
        # the second as in a running hub (live encodings decoded already; the first is superseded)
        for run in ("fresh process", "running hub"):
            officer = Principal(None, "bench.officer", orgs[0].id, frozenset({"officer"}))
            t = time.perf_counter()
            with db.session() as s:
                result = submit(s, officer, buf.getvalue(), label="new list", purpose="investigation",
                                list_kind="suspects", settings=settings)
                found = {(h.record_a, h.record_b) for h in result.hits}
            what = f"Palermo hub.submit on SQLite, {run}: {len(new):,} against {uploads} live uploads (hits and audit stored)"
            rows.append((what, time.perf_counter() - t, prf(found, truth)))
        db.dispose()
    return rows  # type: ignore[return-value]


def splink_incremental(work: Path) -> list[tuple[str, float, str]]:
    import pandas as pd
    import splink
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from palermo.linkage.normalise import name_tokens, parse_date

    truth = {tuple(p) for p in json.loads((work / "truth.json").read_text())}

    def frame(name: str) -> pd.DataFrame:
        df = pl.read_parquet(work / f"{name}.plain.parquet").to_pandas()
        df = df.rename(columns={"record_id": "unique_id"}).replace("", None)
        df["date_of_birth"] = [d.isoformat() if isinstance(v, str) and (d := parse_date(v)) else None
                               for v in df["date_of_birth"]]
        df["full_name"] = [" ".join(sorted(name_tokens(f or "") + name_tokens(s or ""))) or None
                           for f, s in zip(df["first_name"], df["last_name"])]
        return df

    live, new = frame("LIVE"), frame("NEW")
    rules = [block_on("full_name"), block_on("date_of_birth"), block_on("document_number"),
             block_on("substr(date_of_birth, 1, 4)", "substr(full_name, 1, 2)")]
    settings = SettingsCreator(link_type="link_only", comparisons=[
        cl.NameComparison("full_name"), cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        cl.ExactMatch("sex"), cl.ExactMatch("nationality"), cl.ExactMatch("country_of_birth"),
        cl.LevenshteinAtThresholds("document_number", [1, 2])], blocking_rules_to_generate_predictions=rules)
    db = DuckDBAPI()
    t = time.perf_counter()
    # trained as a link job between 100,000 of the live records and the new list (the live list has no
    # duplicates to learn from), as its tutorials train: u by random sampling, the prior from a rule, m by EM
    trainer = Linker([db.register(live.sample(n=min(len(live), 100_000), random_state=1)), db.register(new)], settings,
                     log_level=40)
    trainer.training.estimate_u_using_random_sampling(max_pairs=1e6)
    trainer.training.estimate_probability_two_random_records_match([block_on("full_name", "date_of_birth")], recall=0.6)
    trainer.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    trained = trainer.misc.save_model_to_json()
    train_s = time.perf_counter() - t
    live_df, new_df = db.register(live), db.register(new)
    linker = Linker([live_df, new_df], trained, log_level=40)
    t = time.perf_counter()
    # Splink 5's incremental linkage: pairs between the existing and the new records only
    pred = linker.inference.predict_between(live_df, new_df, threshold_match_probability=0.5,
                                            warning_mode="never").as_pandas_dataframe()
    seconds = time.perf_counter() - t
    pred = pred[pred["match_probability"] >= 0.9].sort_values("match_probability", ascending=False, kind="stable")
    used_a: set[str] = set()
    used_b: set[str] = set()
    found = set()
    for x, y in zip(pred["unique_id_l"], pred["unique_id_r"]):
        x, y = (x, y) if str(x).startswith("NEW") else (y, x)
        if x not in used_a and y not in used_b:
            used_a.add(x)
            used_b.add(y)
            found.add((x, y))
    return [(f"Splink {splink.__version__}: training on 100,000 live records and the new list (not part of matching)", train_s, ""),
            (f"Splink predict_between: {len(new):,} new against {len(live):,} (plaintext, cut 0.9)",
             seconds, prf(found, truth))]  # type: ignore[arg-type]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--new", type=int, default=10_000)
    p.add_argument("--live", type=int, default=1_000_000)
    p.add_argument("--uploads", type=int, default=10)
    p.add_argument("--work", type=Path, help="keep the lists and encodings here between runs")
    p.add_argument("--skip-splink", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        build(work, args.new, args.live)
        print(f"lists and encodings ready in {time.perf_counter() - t:.0f} s ({work})", file=sys.stderr)
        rows = palermo_core(work, args.uploads)
        rows += palermo_hub(work, args.uploads)
        if not args.skip_splink:
            rows += splink_incremental(work)
    print("| what | seconds | precision / recall |")
    print("| --- | --- | --- |")
    for what, seconds, quality in rows:
        print(f"| {what} | {seconds:.1f} | {quality} |")
    print(f"\npeak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024:,} MiB; "
          f"numpy {np.__version__}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

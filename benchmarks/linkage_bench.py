"""Linkage benchmarks, printed as a table: Palermo side by side with the reference implementations
anonlink and clkhash, and with Splink (DuckDB) on the plaintext of the same synthetic records.

    .venv/bin/python benchmarks/linkage_bench.py [--records 20000] [--noise 0.3] [--threshold 0.8]

anonlink and clkhash are stale, so they run in their own virtual environment (``.venv-reference``,
built by ``scripts/reference-venv.sh``; ``make bench`` builds it) in a subprocess of this run:
clkhash encodes the same records under a clkhash v3 schema of the same columns (which Palermo also
encodes under, converted), and anonlink compares Palermo's record-level filters and clkhash's CLKs.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_PYTHON = ROOT / ".venv-reference" / "bin" / "python"

# Runs in the reference environment; reads a job (JSON) and prints the measurements as JSON.
REFERENCE = r"""
import json, sys, time
from bitarray import bitarray
from anonlink.candidate_generation import find_candidate_pairs
from anonlink.similarities import dice_coefficient_accelerated as dice
from anonlink.solving import greedy_solve
from clkhash import clk
from clkhash.schema import from_json_file

job = json.load(open(sys.argv[1]))
out = {}

def filters(path, width):
    raw = open(path, "rb").read()
    rows = []
    for s in range(0, len(raw), width):
        b = bitarray()
        b.frombytes(raw[s:s + width])
        rows.append(b)
    return rows

def link(datasets, threshold):
    # anonlink's all-pairs pipeline: every pair's Dice, then its greedy 1-to-1 solver.
    t = time.perf_counter()
    groups = greedy_solve(find_candidate_pairs(datasets, dice, threshold))
    return [[r for _, r in sorted(g)] for g in groups if len(g) == 2], time.perf_counter() - t

schema = from_json_file(open(job["schema"]))
clks, t = [], time.perf_counter()
for path in job["csv"]:
    with open(path) as fh:
        clks.append(clk.generate_clk_from_csv(fh, job["secret"], schema, progress_bar=False, max_workers=1))
out["clkhash_records_per_s"] = sum(map(len, clks)) / (time.perf_counter() - t)

ours = [filters(p, job["width"]) for p in job["palermo"]]
k = job["k"]
t = time.perf_counter()
find_candidate_pairs([ours[0][:k], ours[1][:k]], dice, job["rate_threshold"])
out["anonlink_pairs_per_s"] = k * k / (time.perf_counter() - t)
out["on_palermo"], out["on_palermo_s"] = link(ours, job["threshold"])
out["on_clkhash"], out["on_clkhash_s"] = link(clks, job["threshold"])
print(json.dumps(out))
"""


def clkhash_schema() -> dict[str, Any]:
    """A clkhash v3 linkage schema of the synthetic lists' columns, as a clkhash user would write it
    (the same as in tests/linkage/test_anonlink_interop.py)."""
    hashed = [("first_name", {"type": "string", "encoding": "utf-8", "case": "mixed"}, 2, 20, False),
              ("last_name", {"type": "string", "encoding": "utf-8", "case": "mixed"}, 2, 20, False),
              ("date_of_birth", {"type": "date", "format": "%Y-%m-%d"}, 2, 15, True),
              ("sex", {"type": "enum", "values": ["M", "F"]}, 1, 10, True),
              ("country_of_birth", {"type": "string", "encoding": "utf-8", "case": "upper"}, 2, 10, True),
              ("nationality", {"type": "string", "encoding": "utf-8", "case": "upper"}, 2, 10, True),
              ("document_number", {"type": "string", "encoding": "utf-8", "case": "mixed"}, 3, 15, True)]
    return {"version": 3,
            "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256", "keySize": 64,
                                             "salt": base64.b64encode(b"palermo-bench-salt").decode(),
                                             "info": base64.b64encode(b"palermo").decode()}},
            "features": [{"identifier": "record_id", "ignored": True}] + [
                {"identifier": column, "format": fmt,
                 "hashing": {"comparison": {"type": "ngram", "n": n}, "strategy": {"bitsPerToken": k},
                             "hash": {"type": "blakeHash"}, **({"missingValue": {"sentinel": ""}} if missing else {})}}
                for column, fmt, n, k, missing in hashed]}


def cold_caches() -> None:
    """Forget the values earlier encodings remembered (module-level caches), so each rate starts cold."""
    from palermo.linkage import encoding, normalise

    for module in (encoding, normalise):
        for obj in vars(module).values():
            if callable(getattr(obj, "cache_clear", None)):
                obj.cache_clear()


def f1(found: set, truth: set) -> tuple[float, float, float]:  # type: ignore[type-arg]
    tp = len(found & truth)
    p, r = tp / max(1, len(found)), tp / max(1, len(truth))
    return p, r, 2 * p * r / max(1e-9, p + r)


def run_reference(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    if not REFERENCE_PYTHON.exists():
        sys.exit(f"{REFERENCE_PYTHON} not found: anonlink and clkhash run in their own virtual environment; "
                 "build it with scripts/reference-venv.sh")
    (folder / "job.json").write_text(json.dumps(job))
    done = subprocess.run([str(REFERENCE_PYTHON), "-c", REFERENCE, str(folder / "job.json")], check=False, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the anonlink/clkhash run failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--noise", type=float, default=0.3)
    ap.add_argument("--threshold", type=float, default=0.8, help="record-level Dice for anonlink's all-pairs matching")
    args = ap.parse_args()
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.engine import match
    from palermo.linkage.normalise import parse_date
    from palermo.linkage.schema import DEFAULT_SCHEMA, load_schema
    from palermo.linkage.similarity import all_pairs_dice
    from palermo.linkage.synthetic import COLUMNS, agency_lists, true_pairs

    n = args.records
    lists, truth = agency_lists({"A": n, "B": n}, overlap=0.1, noise=args.noise, seed=3)
    truth_ab = true_pairs(truth, "A", "B")
    Encoder(DEFAULT_SCHEMA, b"w" * 40).encode(lists["A"][:100])  # first use loads tables (transliteration …)
    cold_caches()
    enc = Encoder(DEFAULT_SCHEMA, b"b" * 40)
    t = time.perf_counter()
    a = enc.encode(lists["A"], label="A")
    b = enc.encode(lists["B"], label="B")
    enc_rate = 2 * n / (time.perf_counter() - t)
    k = min(n, 4000)
    ra, rb = a.record_level(), b.record_level()
    all_pairs_dice(ra[:64], rb[:64], 0.9)  # a compiled kernel is built on first use: not part of the rate
    t = time.perf_counter()
    all_pairs_dice(ra[:k], rb[:k], 0.9)
    pairs_rate = k * k / (time.perf_counter() - t)
    t = time.perf_counter()
    matches = match([a, b])
    link_s = time.perf_counter() - t
    p, r, f = f1({(m.record_a, m.record_b) for m in matches}, truth_ab)

    with tempfile.TemporaryDirectory(prefix="palermo-bench-") as tmp:
        folder = Path(tmp)
        (folder / "clkhash.json").write_text(json.dumps(clkhash_schema()))
        clk_enc = Encoder(load_schema(folder / "clkhash.json"), b"b" * 40)
        cold_caches()
        t = time.perf_counter()
        for name in ("A", "B"):
            clk_enc.encode(lists[name], label=name)
        clk_schema_rate = 2 * n / (time.perf_counter() - t)
        for name, filters in (("A", ra), ("B", rb)):
            (folder / f"{name}.bin").write_bytes(filters.tobytes())
            with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)  # clkhash validates dates against the schema's format: ISO, as its users prepare them
                w.writerow(COLUMNS)
                for rec in lists[name]:
                    born = parse_date(rec["date_of_birth"]) if rec["date_of_birth"] else None
                    iso = born.isoformat() if born else ""
                    w.writerow([iso if c == "date_of_birth" else rec[c] for c in COLUMNS])
        ref = run_reference({"schema": str(folder / "clkhash.json"), "csv": [str(folder / "A.csv"), str(folder / "B.csv")],
                             "palermo": [str(folder / "A.bin"), str(folder / "B.bin")], "width": ra.shape[1], "k": k,
                             "rate_threshold": 0.9, "threshold": args.threshold, "secret": "b" * 40}, folder)
    ids_a, ids_b = [rec["record_id"] for rec in lists["A"]], [rec["record_id"] for rec in lists["B"]]
    an_p, an_r, an_f = f1({(a.ids[x], b.ids[y]) for x, y in ref["on_palermo"]}, truth_ab)
    ck_p, ck_r, ck_f = f1({(ids_a[x], ids_b[y]) for x, y in ref["on_clkhash"]}, truth_ab)

    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    def frame(recs: list[dict]) -> pd.DataFrame:  # type: ignore[type-arg]
        """The plaintext as a Splink user would prepare it: ISO dates, lower-case names, empty as missing."""
        df = pd.DataFrame(recs).rename(columns={"record_id": "unique_id"}).replace("", None)
        df["date_of_birth"] = [d.isoformat() if isinstance(v, str) and (d := parse_date(v)) else None for v in df["date_of_birth"]]
        for c in ("first_name", "last_name"):
            df[c] = df[c].str.lower()
        return df

    db = DuckDBAPI()
    settings = SettingsCreator(link_type="link_only", comparisons=[
        cl.NameComparison("first_name"), cl.NameComparison("last_name"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        cl.ExactMatch("sex"), cl.ExactMatch("nationality"), cl.ExactMatch("document_number")],
        blocking_rules_to_generate_predictions=[block_on("last_name"), block_on("first_name"), block_on("date_of_birth"),
                                                block_on("document_number")])
    t = time.perf_counter()
    linker = Linker([db.register(frame(lists["A"])), db.register(frame(lists["B"]))], settings, log_level=40)
    # The prior (how likely two random records match) as Splink's tutorials estimate it first: from
    # deterministic rules with an assumed recall; the default (1e-4) is 20x too high for these lists.
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "date_of_birth"), block_on("document_number")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("last_name"))
    pred = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    splink_s = time.perf_counter() - t
    # Splink at its best threshold in hindsight (chosen on the truth: an upper bound of what a user would get)
    best_sp = (0.0, 0.0, 0.0, 0.0)
    for cut in (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999):
        kept = pred[pred["match_probability"] >= cut]
        sp = {(x, y) if x.startswith("A") else (y, x) for x, y in zip(kept["unique_id_l"], kept["unique_id_r"])}
        score = f1(sp, truth_ab)
        if score[2] > best_sp[2]:
            best_sp = (*score, cut)
    sp_p, sp_r, sp_f, sp_cut = best_sp
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def prf(x: float, y: float, z: float) -> str:
        return f"{x:.2f} / {y:.2f} / {z:.2f}"

    dash, th = "—", args.threshold
    rows = [("encoding, records/s (Palermo's default schema)", f"{enc_rate:,.0f}", dash, dash),
            ("encoding under one clkhash v3 schema, records/s", f"{clk_schema_rate:,.0f}",
             f"{ref['clkhash_records_per_s']:,.0f} clkhash", dash),
            (f"all-pairs Dice on Palermo's filters, comparisons/s ({k:,}²)", f"{pairs_rate / 1e6:,.1f} million",
             f"{ref['anonlink_pairs_per_s'] / 1e6:,.1f} million anonlink", dash),
            ("blocked linkage (Palermo, Splink), seconds", f"{link_s:.1f}", dash, f"{splink_s:.1f}"),
            ("precision / recall / F1 (Palermo calibrated; Splink best cut)", prf(p, r, f), dash, prf(sp_p, sp_r, sp_f)),
            (f"all-pairs anonlink at Dice {th}, Palermo's filters: s", dash, f"{ref['on_palermo_s']:.1f}", dash),
            ("   precision / recall / F1", dash, prf(an_p, an_r, an_f), dash),
            (f"all-pairs anonlink at Dice {th}, clkhash's CLKs: s", dash, f"{ref['on_clkhash_s']:.1f}", dash),
            ("   precision / recall / F1", dash, prf(ck_p, ck_r, ck_f), dash)]
    print(f"Linkage benchmark: {n:,} x {n:,} synthetic records, 10% overlap, noise {args.noise}; {os.cpu_count()} cores")
    print(f"{'measure':<56}{'Palermo':>20}{'anonlink / clkhash':>26}{'Splink (plaintext)':>20}")
    for row in rows:
        print(f"{row[0]:<56}{row[1]:>20}{row[2]:>26}{row[3]:>20}")
    print("clkhash encodes in one process; anonlink compares on one core; Palermo's all-pairs kernel uses every core")
    print(f"Splink's match-probability cut chosen in hindsight on the truth: {sp_cut}; Palermo's threshold is its calibrated one")
    print(f"peak memory of this process (Palermo and Splink; anonlink and clkhash run in a subprocess): {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

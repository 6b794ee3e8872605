"""Linkage benchmarks, printed as a table: Palermo side by side with the reference implementations
anonlink and clkhash, and with Splink (DuckDB) on the plaintext of the same synthetic records.

    .venv/bin/python benchmarks/linkage_bench.py [--records 20000] [--noise 0.3] [--threshold 0.8] [--all-pairs 10000]
    .venv/bin/python benchmarks/linkage_bench.py --encoding-only   # the encoding target alone, in a minute
    .venv/bin/python benchmarks/linkage_bench.py --encoding-only --large 100000   # also at 100,000 per side

anonlink and clkhash are stale, so they run in their own virtual environment (``.venv-reference``,
built by ``scripts/reference-venv.sh``; ``make bench`` builds it) in a subprocess of this run:
clkhash encodes the same records under a clkhash v3 schema of the same columns (which Palermo also
encodes under, converted), and anonlink compares Palermo's record-level filters and clkhash's CLKs.
"""

from __future__ import annotations

import argparse
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
ANONLINK_THRESHOLDS = (0.7, 0.75, 0.85, 0.9, 0.95)  # besides --threshold: anonlink's best is reported too

# Runs in the reference environment; reads a job (JSON) and prints the measurements as JSON.
REFERENCE = r"""
import json, sys, time
from bitarray import bitarray
from anonlink.candidate_generation import find_candidate_pairs
from anonlink.similarities import dice_coefficient_accelerated as dice
from anonlink.solving import greedy_solve
from clkhash import clk
from clkhash.schema import from_json_file

import resource

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

def link(datasets, thresholds):
    # anonlink's all-pairs pipeline: every pair's Dice, then its greedy 1-to-1 solver, at each threshold
    # (candidates found once at the lowest one); the time is that of the first threshold asked.
    import array
    t = time.perf_counter()
    sims, dsets, recs = find_candidate_pairs(datasets, dice, min(thresholds))
    out, seconds = {}, None
    for th in thresholds:
        keep = [k for k, x in enumerate(sims) if x >= th]
        pick = lambda xs, code: array.array(code, (xs[k] for k in keep))
        cands = (pick(sims, "d"), tuple(pick(d, "I") for d in dsets), tuple(pick(r, "I") for r in recs))
        groups = greedy_solve(cands)
        out[str(th)] = [[r for _, r in sorted(g)] for g in groups if len(g) == 2]
        if seconds is None:
            seconds = time.perf_counter() - t
    return out, seconds

def cpu():
    # user + system seconds of this process and of its children that ended (clkhash's worker pool)
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))

schema = from_json_file(open(job["schema"]))
import multiprocessing

def encode_all(workers):
    # every list once; wall and CPU seconds (clkhash's worker pool included: waited for, to count its CPU)
    t, c = time.perf_counter(), cpu()
    out = []
    for path in job["csv"]:
        with open(path) as fh:
            out.append(clk.generate_clk_from_csv(fh, job["secret"], schema, progress_bar=False, max_workers=workers))
    wall = time.perf_counter() - t
    for p in multiprocessing.active_children():  # clkhash leaves its workers to end by themselves
        p.join()
    return out, wall, cpu() - c

def median_run(workers):
    # the run of median wall time among job["repeat"] (the same rule as for Palermo)
    runs = [encode_all(workers) for _ in range(job.get("repeat", 1))]
    return sorted(runs, key=lambda r: r[1])[len(runs) // 2]

clks, out["clkhash_s"], out["clkhash_cpu_s"] = median_run(1)
out["clkhash_records_per_s"] = sum(map(len, clks)) / out["clkhash_s"]
# clkhash's own multiprocessing, as its docs advise for large files
_, out["clkhash_2workers_s"], out["clkhash_2workers_cpu_s"] = median_run(2)
out["clkhash_2workers_records_per_s"] = sum(map(len, clks)) / out["clkhash_2workers_s"]
if job.get("encoding_only"):
    print(json.dumps(out))
    sys.exit(0)

ours = [filters(p, job["width"]) for p in job["palermo"]]
k = job["k"]
t = time.perf_counter()
find_candidate_pairs([ours[0][:k], ours[1][:k]], dice, job["rate_threshold"])
out["anonlink_pairs_per_s"] = k * k / (time.perf_counter() - t)

def half(part):
    # anonlink on the cores of this machine: each process compares its share of A with all of B
    rows = ours[0][:k][part::2]
    return len(find_candidate_pairs([rows, ours[1][:k]], dice, job["rate_threshold"])[0])

with multiprocessing.get_context("fork").Pool(2) as pool:
    pool.map(half, [0, 1])  # the workers start before the clock does
    t = time.perf_counter()
    pool.map(half, [0, 1])
    out["anonlink_2proc_pairs_per_s"] = k * k / (time.perf_counter() - t)
out["on_palermo"], out["on_palermo_s"] = link(ours, job["thresholds"])
out["on_clkhash"], out["on_clkhash_s"] = link(clks, job["thresholds"])
print(json.dumps(out))
"""


def cold_caches() -> None:
    """Forget the values earlier encodings remembered (module-level caches), so each rate starts cold."""
    from palermo.linkage import encoding, normalise, tokens

    for module in (encoding, normalise, tokens):
        for obj in vars(module).values():
            if callable(getattr(obj, "cache_clear", None)):
                obj.cache_clear()


def popcount_limit(words_per_pair: int) -> float:
    """This machine's ceiling for all-pairs Dice, in pairs/s: AND and popcount of words already in the
    core's cache on every core, with nothing else (no sums across words, no threshold, no output)."""
    import numba
    import numpy as np

    from palermo.linkage.similarity import compiled_popcount

    popcount = compiled_popcount()

    @numba.njit(parallel=True)
    def spin(x, y, reps):  # type: ignore[no-untyped-def]
        threads = numba.get_num_threads()
        out = np.zeros(threads * 8, np.int64)  # one cache line per thread
        for t in numba.prange(threads):
            s = 0
            for _ in range(reps):
                for j in range(x.shape[0]):
                    s += popcount(x[j] & y[j])
            out[t * 8] = s
        return out.sum()

    x = np.random.default_rng(0).integers(0, 2**63, 2048, dtype=np.int64).view(np.uint64)
    y = x[::-1].copy()
    spin(x, y, 1)
    reps = 50_000
    t = time.perf_counter()
    spin(x, y, reps)
    return len(x) * reps * numba.get_num_threads() / (time.perf_counter() - t) / words_per_pair


def cpu_seconds() -> float:
    """User + system seconds of this process and of its children that ended (the encoder's forked workers)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def write_clkhash_csv(path: Path, records: list[dict[str, Any]]) -> None:
    """The records as clkhash reads them: its schema validates dates against its format (ISO), as its
    users prepare them."""
    from palermo.linkage.normalise import parse_date
    from palermo.linkage.synthetic import COLUMNS

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for rec in records:
            born = parse_date(rec["date_of_birth"]) if rec["date_of_birth"] else None
            iso = born.isoformat() if born else ""
            w.writerow([iso if c == "date_of_birth" else rec[c] for c in COLUMNS])


def encode_lists(schema: Any, lists: dict[str, list[dict[str, Any]]], repeat: int) -> tuple[float, float, list[Any]]:
    """Palermo encoding lists A then B with one encoder (two workers from 10,000 records, as `palermo link
    encode` runs), from cold caches, ``repeat`` times: the run of median wall time (the same rule as for
    clkhash), as (wall seconds, CPU seconds, the encodings)."""
    from palermo.linkage.encoding import Encoder

    runs = []
    for _ in range(repeat):
        cold_caches()
        t, c = time.perf_counter(), cpu_seconds()
        with Encoder(schema, b"b" * 40) as enc:
            done = [enc.encode(lists[name], label=name) for name in ("A", "B")]
            wall = time.perf_counter() - t
        runs.append((wall, cpu_seconds() - c, done))  # CPU once the workers ended: theirs is counted
    return sorted(runs, key=lambda r: r[0])[len(runs) // 2]


def encoding_rates(lists: dict[str, list[dict[str, Any]]], repeat: int) -> dict[str, Any]:
    """Palermo's default schema and the clkhash v3 schema converted, and clkhash itself in one process and on
    two workers (its own multiprocessing, max_workers=2), measured in the same run, the median of ``repeat``."""
    from palermo.linkage.schema import DEFAULT_SCHEMA, load_schema
    from palermo.linkage.synthetic import clkhash_schema

    with tempfile.TemporaryDirectory(prefix="palermo-bench-") as tmp:
        folder = Path(tmp)
        (folder / "clkhash.json").write_text(json.dumps(clkhash_schema(b"palermo-bench-salt")))
        wall, cpu, _ = encode_lists(DEFAULT_SCHEMA, lists, repeat)
        clk_wall, clk_cpu, _ = encode_lists(load_schema(folder / "clkhash.json"), lists, repeat)
        for name in ("A", "B"):
            write_clkhash_csv(folder / f"{name}.csv", lists[name])
        ref = run_reference({"schema": str(folder / "clkhash.json"), "csv": [str(folder / "A.csv"), str(folder / "B.csv")],
                             "secret": "b" * 40, "encoding_only": True, "repeat": repeat}, folder)
    return {"wall": wall, "cpu": cpu, "clk_wall": clk_wall, "clk_cpu": clk_cpu, **ref}


def encoding_only(args: argparse.Namespace) -> int:
    """The kept target's figures: Palermo's default schema (two workers) against clkhash on two workers,
    measured in the same run; records/s, wall and CPU seconds of each, the median of ``--repeat`` runs;
    with ``--large``, the same at that many records per side."""
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.schema import DEFAULT_SCHEMA
    from palermo.linkage.synthetic import agency_lists

    sizes = [args.records, *([args.large] if args.large else [])]
    print(f"Encoding benchmark: noise {args.noise}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} "
          f"at the start; each figure the median of {args.repeat} runs (lists A then B, one encoder, cold caches)")
    print(f"{'encoder':<62}{'records/s':>12}{'wall s':>9}{'CPU s':>9}")
    ratios = []
    for n in sizes:
        lists = agency_lists({"A": n, "B": n}, overlap=0.1, noise=args.noise, seed=3)[0]
        Encoder(DEFAULT_SCHEMA, b"w" * 40).encode(lists["A"][:100])  # first use loads tables (transliteration …)
        r = encoding_rates(lists, args.repeat)
        rate = 2 * n / r["wall"]
        print(f"{n:,} + {n:,} records")
        for label, rec_s, w_s, c_s in [
                ("  Palermo, default schema (7 keyed blocking keys), 2 workers", rate, r["wall"], r["cpu"]),
                ("  Palermo, the clkhash v3 schema converted, 2 workers", 2 * n / r["clk_wall"], r["clk_wall"], r["clk_cpu"]),
                ("  clkhash, one process", r["clkhash_records_per_s"], r["clkhash_s"], r["clkhash_cpu_s"]),
                ("  clkhash, two workers (max_workers=2)", r["clkhash_2workers_records_per_s"], r["clkhash_2workers_s"],
                 r["clkhash_2workers_cpu_s"])]:
            print(f"{label:<62}{rec_s:>12,.0f}{w_s:>9.2f}{c_s:>9.2f}")
        ratios.append((n, rate / r["clkhash_2workers_records_per_s"], r["clkhash_2workers_cpu_s"] / r["cpu"]))
    print(f"load average {os.getloadavg()[0]:.1f} at the end (a busy machine slows both sides, not equally)")
    for n, ratio, per_cpu in ratios:
        print(f"default schema against clkhash on two workers, {n:,} per side: {ratio:.2f}x (target >= 2x); "
              f"per CPU second {per_cpu:.2f}x")
    return 0


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
    ap.add_argument("--all-pairs", type=int, default=10_000, help="records per side for the all-pairs comparison rate")
    ap.add_argument("--encoding-only", action="store_true",
                    help="only the encoding rates: Palermo's default schema against clkhash on two workers, same run")
    ap.add_argument("--repeat", type=int, default=3, help="encoding runs per side; the median is reported (both sides alike)")
    ap.add_argument("--large", type=int, default=0, metavar="N",
                    help="with --encoding-only, also measure at N records per side (e.g. 100000)")
    args = ap.parse_args()
    if args.encoding_only:
        return encoding_only(args)
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.engine import match
    from palermo.linkage.normalise import parse_date
    from palermo.linkage.schema import DEFAULT_SCHEMA, load_schema
    from palermo.linkage.similarity import all_pairs_dice
    from palermo.linkage.synthetic import (
        agency_lists,
        clkhash_schema,
        true_pairs,
    )

    n = args.records
    lists, truth = agency_lists({"A": n, "B": n}, overlap=0.1, noise=args.noise, seed=3)
    truth_ab = true_pairs(truth, "A", "B")
    Encoder(DEFAULT_SCHEMA, b"w" * 40).encode(lists["A"][:100])  # first use loads tables (transliteration …)
    enc_s, enc_cpu, (a, b) = encode_lists(DEFAULT_SCHEMA, lists, args.repeat)
    enc_rate = 2 * n / enc_s
    k = min(n, args.all_pairs)
    ra, rb = a.record_level(), b.record_level()
    all_pairs_dice(ra[:64], rb[:64], 0.9)  # a compiled kernel is built on first use: not part of the rate
    t = time.perf_counter()
    all_pairs_dice(ra[:k], rb[:k], 0.9)
    pairs_rate = k * k / (time.perf_counter() - t)
    limit = popcount_limit(-(-ra.shape[1] // 8))
    t = time.perf_counter()
    matches = match([a, b])
    link_s = time.perf_counter() - t
    p, r, f = f1({(m.record_a, m.record_b) for m in matches}, truth_ab)

    with tempfile.TemporaryDirectory(prefix="palermo-bench-") as tmp:
        folder = Path(tmp)
        (folder / "clkhash.json").write_text(json.dumps(clkhash_schema(b"palermo-bench-salt")))
        clk_enc = Encoder(load_schema(folder / "clkhash.json"), b"b" * 40)
        cold_caches()
        t = time.perf_counter()
        for name in ("A", "B"):
            clk_enc.encode(lists[name], label=name)
        clk_schema_rate = 2 * n / (time.perf_counter() - t)
        for name, filters in (("A", ra), ("B", rb)):
            (folder / f"{name}.bin").write_bytes(filters.tobytes())
            write_clkhash_csv(folder / f"{name}.csv", lists[name])
        ref = run_reference({"schema": str(folder / "clkhash.json"), "csv": [str(folder / "A.csv"), str(folder / "B.csv")],
                             "palermo": [str(folder / "A.bin"), str(folder / "B.bin")], "width": ra.shape[1], "k": k,
                             "rate_threshold": 0.9, "thresholds": [args.threshold, *ANONLINK_THRESHOLDS], "secret": "b" * 40,
                             "repeat": args.repeat}, folder)
    ids_a, ids_b = [rec["record_id"] for rec in lists["A"]], [rec["record_id"] for rec in lists["B"]]
    def anonlink_best(runs: dict[str, list[list[int]]], ids: tuple[list[str], list[str]], key: str
                      ) -> tuple[float, float, float, float, float, float, float]:
        """anonlink at the asked threshold, and at the one best in hindsight among the others."""
        scores = {float(th): f1({(ids[0][x], ids[1][y]) for x, y in found}, truth_ab) for th, found in runs.items()}
        best = max(scores, key=lambda th: scores[th][2])
        ref[key] = best
        return (*scores[args.threshold], *scores[best], best)

    an_p, an_r, an_f, anb_p, anb_r, anb_f, _ = anonlink_best(ref["on_palermo"], (a.ids, b.ids), "on_palermo_best")
    ck_p, ck_r, ck_f, ckb_p, ckb_r, ckb_f, _ = anonlink_best(ref["on_clkhash"], (ids_a, ids_b), "on_clkhash_best")

    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from palermo.linkage.normalise import name_tokens

    def frame(recs: list[dict], label: str) -> pd.DataFrame:  # type: ignore[type-arg]
        """The plaintext as a careful Splink user would prepare it: ISO dates, lower-case names, the full
        name as sorted words (names are recorded in either order), empty as missing. ``person`` is the
        truth, used only by the labelled training."""
        df = pd.DataFrame(recs).rename(columns={"record_id": "unique_id"}).replace("", None)
        df["date_of_birth"] = [d.isoformat() if isinstance(v, str) and (d := parse_date(v)) else None for v in df["date_of_birth"]]
        df["full_name"] = [" ".join(sorted(name_tokens(f) + name_tokens(s))) or None
                           for f, s in zip(df["first_name"], df["last_name"])]
        df["person"] = [truth[(label, r)] for r in df["unique_id"]]
        return df

    settings = SettingsCreator(link_type="link_only", comparisons=[
        cl.NameComparison("full_name"), cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        cl.ExactMatch("sex"), cl.ExactMatch("nationality"), cl.ExactMatch("country_of_birth"),
        cl.LevenshteinAtThresholds("document_number", [1, 2])],
        blocking_rules_to_generate_predictions=[
            block_on("full_name"), block_on("date_of_birth"), block_on("document_number"),
            block_on("substr(date_of_birth, 1, 4)", "substr(full_name, 1, 2)"),
            block_on("substr(document_number, 1, 4)"), block_on("substr(document_number, 6, 4)")])
    frames = frame(lists["A"], "A"), frame(lists["B"], "B")

    def splink(labelled: bool) -> tuple[float, tuple[float, float, float, float]]:
        """Splink trained as its tutorials do (prior from deterministic rules, u from random pairs, m by
        EM), or with m counted on the true matches (the labelled synthetic data Palermo calibrates on);
        then one-to-one, best pair first, at the match-probability cut that is best in hindsight."""
        db = DuckDBAPI()
        t = time.perf_counter()
        linker = Linker([db.register(frames[0]), db.register(frames[1])], settings, log_level=40)
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
        if labelled:
            linker.training.estimate_m_from_label_column("person")
            linker.training.estimate_probability_two_random_records_match([block_on("person")], recall=1.0)
        else:
            linker.training.estimate_probability_two_random_records_match(
                [block_on("full_name", "date_of_birth"), block_on("document_number")], recall=0.6)
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("full_name"))
        pred = linker.inference.predict(threshold_match_probability=0.001).as_pandas_dataframe()
        seconds = time.perf_counter() - t
        pred = pred.sort_values("match_probability", ascending=False, kind="stable")
        best = (0.0, 0.0, 0.0, 0.0)
        for cut in (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999):
            kept = pred[pred["match_probability"] >= cut]
            used_a, used_b, found = set(), set(), set()
            for x, y in zip(kept["unique_id_l"], kept["unique_id_r"]):
                x, y = (x, y) if x.startswith("A") else (y, x)
                if x not in used_a and y not in used_b:
                    used_a.add(x)
                    used_b.add(y)
                    found.add((x, y))
            score = f1(found, truth_ab)
            if score[2] > best[2]:
                best = (*score, cut)
        return seconds, best

    splink_s, (sp_p, sp_r, sp_f, sp_cut) = splink(labelled=False)
    splink_l_s, (sl_p, sl_r, sl_f, sl_cut) = splink(labelled=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def prf(x: float, y: float, z: float) -> str:
        return f"{x:.2f} / {y:.2f} / {z:.2f}"

    dash, th = "—", args.threshold
    rows = [("encoding, records/s (Palermo's default schema)", f"{enc_rate:,.0f}", dash, dash),
            ("   CPU seconds (user + system, workers included)", f"{enc_cpu:.2f}", f"{ref['clkhash_2workers_cpu_s']:.2f}", dash),
            ("   against clkhash on two workers", f"{enc_rate / ref['clkhash_2workers_records_per_s']:.2f}x", dash, dash),
            ("encoding under one clkhash v3 schema, records/s", f"{clk_schema_rate:,.0f}",
             f"{ref['clkhash_records_per_s']:,.0f} clkhash", dash),
            ("   clkhash on two workers (both cores)", dash, f"{ref['clkhash_2workers_records_per_s']:,.0f}", dash),
            (f"all-pairs Dice on Palermo's filters, comparisons/s ({k:,}²)", f"{pairs_rate / 1e6:,.1f} million",
             f"{ref['anonlink_pairs_per_s'] / 1e6:,.1f} million anonlink", dash),
            ("   anonlink in two processes (both cores)", dash, f"{ref['anonlink_2proc_pairs_per_s'] / 1e6:,.1f} million", dash),
            ("   this machine's popcount limit (AND + popcount only)", f"{limit / 1e6:,.1f} million", dash, dash),
            ("blocked linkage (Palermo, Splink), seconds", f"{link_s:.1f}", dash, f"{splink_s:.1f}"),
            ("precision / recall / F1 (Palermo calibrated; Splink EM)", prf(p, r, f), dash, prf(sp_p, sp_r, sp_f)),
            ("   Splink with m from the true matches, seconds", dash, dash, f"{splink_l_s:.1f}"),
            ("   precision / recall / F1", dash, dash, prf(sl_p, sl_r, sl_f)),
            (f"all-pairs anonlink at Dice {th}, Palermo's filters: s", dash, f"{ref['on_palermo_s']:.1f}", dash),
            ("   precision / recall / F1", dash, prf(an_p, an_r, an_f), dash),
            ("   at the Dice threshold best in hindsight", dash, prf(anb_p, anb_r, anb_f), dash),
            (f"all-pairs anonlink at Dice {th}, clkhash's CLKs: s", dash, f"{ref['on_clkhash_s']:.1f}", dash),
            ("   precision / recall / F1", dash, prf(ck_p, ck_r, ck_f), dash),
            ("   at the Dice threshold best in hindsight", dash, prf(ckb_p, ckb_r, ckb_f), dash)]
    print(f"Linkage benchmark: {n:,} x {n:,} synthetic records, 10% overlap, noise {args.noise}; {os.cpu_count()} cores")
    print(f"{'measure':<56}{'Palermo':>20}{'anonlink / clkhash':>26}{'Splink (plaintext)':>20}")
    for row in rows:
        print(f"{row[0]:<56}{row[1]:>20}{row[2]:>26}{row[3]:>20}")
    print("clkhash encodes in one process, then two; anonlink compares on one core, then in two processes; Palermo's all-pairs "
          "kernel uses every core")
    print(f"Splink's match-probability cuts chosen in hindsight on the truth: {sp_cut} (EM), {sl_cut} (labelled); anonlink's "
          f"Dice threshold likewise ({ref['on_palermo_best']}, {ref['on_clkhash_best']}); Palermo's threshold is its calibrated one")
    print(f"peak memory of this process (Palermo and Splink; anonlink and clkhash run in a subprocess): {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

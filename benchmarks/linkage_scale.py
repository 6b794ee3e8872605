"""Blocked linkage at scale: two synthetic lists of N records each (10% overlap, noise 0.3), encoded with
the default schema (one process, as at the agencies), then read and matched with its keyed blocking in
another (as at the hub): candidate pairs, seconds, peak memory of the matching process, precision and
recall per size.

    .venv/bin/python benchmarks/linkage_scale.py [--sizes 100000 300000] [--versus-all-pairs 5000]

Target (issue: linkage): 1,000,000 x 1,000,000 in under 60 s and under 4 GiB, with recall no more than
0.01 below all-pairs matching (compared where all pairs are affordable). Peak memory is the matching
process's (``ru_maxrss``) taken right after matching, before the candidate counts printed beside it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

# Phase 1, as at the agencies: make two lists, encode each, write the encodings (Parquet) and the truth.
ENCODE = r"""
import json, sys
from pathlib import Path
from palermo.linkage.encoding import Encoder
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists, true_pairs
n, work = int(sys.argv[1]), Path(sys.argv[2])
lists, truth = agency_lists({"A": n, "B": n}, overlap=0.1, noise=0.3, seed=3)
json.dump(sorted(true_pairs(truth, "A", "B")), open(work / "truth.json", "w"))
enc = Encoder(DEFAULT_SCHEMA, b"s" * 40)
for name in ("A", "B"):
    enc.encode(lists[name], label=name).write(work / f"{name}.parquet")
"""

# Phase 2, as at the hub: read the two encoding files and match them; time and peak memory are this process's.
MATCH = r"""
import json, resource, sys, time
from pathlib import Path
from palermo.linkage.encoding import read_encodings
from palermo.linkage.calibration import calibrate
from palermo.linkage.engine import RESCUE_OFFSET, SEARCH_OVERSIZED, candidate_pairs, link
work = Path(sys.argv[1])
t, cpu = time.perf_counter(), time.process_time()  # process time: every thread's (numba's kernels run on all cores)
a, b = read_encodings(work / "A.parquet", "A"), read_encodings(work / "B.parquet", "B")
result = link([a, b])
found = {(m.record_a, m.record_b) for m in result.matches}
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # the matching's, before the counts below
truth = {tuple(p) for p in json.load(open(work / "truth.json"))}
tp = len(found & truth)
cal = calibrate(a.schema)  # the run's candidates (oversized blocks searched as the run searched them) and the cap's alone
ia, ib = candidate_pairs(a, b, rescue=(cal.model, cal.threshold + RESCUE_OFFSET) if SEARCH_OVERSIZED else None)
pos_a, pos_b = {r: i for i, r in enumerate(a.ids)}, {r: i for i, r in enumerate(b.ids)}
op = next(iter(result.expected.values()))  # what the run expects of itself, without the truth
codes = set((ia.astype("int64") * len(b) + ib).tolist())
true_candidates = sum(pos_a[x] * len(b) + pos_b[y] in codes for x, y in truth)
print(json.dumps({"n": len(a), "candidates": len(ia), "capped": len(candidate_pairs(a, b)[0]), "seconds": round(seconds, 1),
                  "cpu": round(cpu, 1), "peak_mib": peak, "precision": round(tp / max(1, len(found)), 3),
                  "recall": round(tp / max(1, len(truth)), 3), "expected": [round(op.precision, 3), round(op.recall, 3)],
                  "candidate_recall": round(true_candidates / max(1, len(truth)), 3)}))
"""


# Blocked against all-pairs matching with the same weights, where all pairs are affordable.
VERSUS = r"""
import json, sys, time
from palermo.linkage.encoding import Encoder
from palermo.linkage.engine import match
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists, true_pairs
n = int(sys.argv[1])
lists, truth = agency_lists({"A": n, "B": n}, overlap=0.1, noise=0.3, seed=3)
truth_ab = true_pairs(truth, "A", "B")
out = {}
for name, schema in (("blocked", DEFAULT_SCHEMA), ("all pairs", DEFAULT_SCHEMA.model_copy(update={"blocking": []}))):
    enc = Encoder(schema, b"s" * 40)
    a, b = enc.encode(lists["A"], label="A"), enc.encode(lists["B"], label="B")
    t = time.perf_counter()
    found = {(m.record_a, m.record_b) for m in match([a, b])}
    tp = len(found & truth_ab)
    out[name] = [round(tp / max(1, len(found)), 3), round(tp / len(truth_ab), 3), round(time.perf_counter() - t, 1)]
print(json.dumps(out))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    ap.add_argument("--versus-all-pairs", type=int, default=5_000, metavar="N",
                    help="also compare blocked and all-pairs recall on N x N records (0: skip)")
    args = ap.parse_args()
    print(f"{'records per list':>16} {'candidates':>12} {'(capped)':>12} {'true among':>10} {'match s':>8} {'CPU s':>7} "
          f"{'peak MiB':>9} {'precision':>9} {'recall':>7} {'expected P / R':>15}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="palermo-scale-") as work:
            out = subprocess.run([sys.executable, "-c", ENCODE, str(n), work], capture_output=True, text=True)
            if out.returncode == 0:
                out = subprocess.run([sys.executable, "-c", MATCH, work], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{n:>16,} failed: {(out.stderr.strip().splitlines() or ['killed'])[-1]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['n']:>16,} {r['candidates']:>12,} {r['capped']:>12,} {r['candidate_recall']:>10} {r['seconds']:>8} "
              f"{r['cpu']:>7} {r['peak_mib']:>9,} {r['precision']:>9} {r['recall']:>7} "
              f"{r['expected'][0]:>7} / {r['expected'][1]:<5}")
    if args.versus_all_pairs:
        out = subprocess.run([sys.executable, "-c", VERSUS, str(args.versus_all_pairs)], capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        n = args.versus_all_pairs
        for name, (p, rec, secs) in r.items():
            print(f"{n:,} x {n:,}, {name}: precision {p}, recall {rec}, {secs} s")
        print(f"blocked recall is {r['all pairs'][1] - r['blocked'][1]:.3f} below all-pairs (target: at most 0.01)")
    print("candidates: the run's candidate pairs (oversized blocks searched for their likely pairs), (capped): the "
          "blocks within the cap alone; true among: the share of true pairs among the run's candidates (recall's ceiling); "
          "expected P / R: the precision and recall the run reports of itself without the truth")
    print("seconds and memory: the hub's part, reading both encoding files and matching them (candidate pairs, "
          "per-field agreement levels, weights, 1-to-1); encoding ran in another process. CPU s: user + system "
          "time of all its threads (on a shared machine the wall seconds grow with the load, CPU seconds less)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Blocked linkage at scale: two synthetic lists of N records each (10% overlap, noise 0.3), encoded and
matched with the default schema and its keyed blocking; candidate pairs, seconds, peak memory and
precision / recall per size, each size in its own process so peak memory is its own.

    .venv/bin/python benchmarks/linkage_scale.py [--sizes 100000 300000]

Target (issue: linkage): 1,000,000 x 1,000,000 in under 60 s and under 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
from palermo.linkage.encoding import Encoder
from palermo.linkage.engine import candidate_pairs, match
from palermo.linkage.schema import DEFAULT_SCHEMA
from palermo.linkage.synthetic import agency_lists, true_pairs
n = int(sys.argv[1])
lists, truth = agency_lists({"A": n, "B": n}, overlap=0.1, noise=0.3, seed=3)
truth_ab = true_pairs(truth, "A", "B")
enc = Encoder(DEFAULT_SCHEMA, b"s" * 40)
a, b = enc.encode(lists["A"], label="A"), enc.encode(lists["B"], label="B")
del lists
candidates = len(candidate_pairs(a, b)[0])
t = time.perf_counter()
found = {(m.record_a, m.record_b) for m in match([a, b])}
seconds = time.perf_counter() - t
tp = len(found & truth_ab)
print(json.dumps({"n": n, "candidates": candidates, "seconds": round(seconds, 1),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "precision": round(tp / max(1, len(found)), 3), "recall": round(tp / max(1, len(truth_ab)), 3)}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    args = ap.parse_args()
    print(f"{'records per list':>16} {'candidates':>12} {'match s':>8} {'peak MiB':>9} {'precision':>9} {'recall':>7}")
    for n in args.sizes:
        out = subprocess.run([sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{n:>16,} failed: {(out.stderr.strip().splitlines() or ['killed'])[-1]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['n']:>16,} {r['candidates']:>12,} {r['seconds']:>8} {r['peak_mib']:>9,} {r['precision']:>9} {r['recall']:>7}")
    print("seconds: matching only (candidate pairs, per-field Dice, weights, 1-to-1), after encoding")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

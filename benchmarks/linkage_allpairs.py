"""A clkhash v3 schema (no blocking keys) at scale: two synthetic lists of N records each (10% overlap,
noise 0.3) encoded under the clkhash schema of ``synthetic.clkhash_schema`` in one process (as at the
agencies), then read and matched in another (as at the hub) by the tiled all-pairs kernel, which keeps
only pairs above the similarity floor. Seconds, peak memory (RSS) of the matching process, candidate
pairs, precision and recall.

    .venv/bin/python benchmarks/linkage_allpairs.py [--sizes 100000]

Target (issue 15): 100,000 x 100,000 under such a schema in under 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

ENCODE = r"""
import json, sys
from pathlib import Path
from palermo.linkage.encoding import Encoder
from palermo.linkage.schema import LinkageSchema, from_clkhash
from palermo.linkage.synthetic import agency_lists, clkhash_schema, true_pairs
n, work = int(sys.argv[1]), Path(sys.argv[2])
lists, truth = agency_lists({"A": n, "B": n}, overlap=0.1, noise=0.3, seed=3)
json.dump(sorted(true_pairs(truth, "A", "B")), open(work / "truth.json", "w"))
enc = Encoder(LinkageSchema.model_validate(from_clkhash(clkhash_schema(b"benchmark-salt!!"))), b"s" * 40)
for name in ("A", "B"):
    enc.encode(lists[name], label=name).write(work / f"{name}.parquet")
"""

MATCH = r"""
import json, resource, sys, time
from pathlib import Path
from palermo.linkage.calibration import calibrate
from palermo.linkage.encoding import read_encodings
from palermo.linkage.engine import link, similarity_floor
work = Path(sys.argv[1])
a, b = read_encodings(work / "A.parquet", "A"), read_encodings(work / "B.parquet", "B")
t = time.perf_counter()
calibrate(a.schema)  # per schema, cached: timed apart
calibration = time.perf_counter() - t
t = time.perf_counter()
result = link([a, b])
seconds = time.perf_counter() - t
found = {(m.record_a, m.record_b) for m in result.matches}
truth = {tuple(p) for p in json.load(open(work / "truth.json"))}
tp = len(found & truth)
op = result.expected[("A", "B")]
print(json.dumps({"n": len(a), "floor": round(similarity_floor(a, b), 3), "calibration_s": round(calibration, 1),
                  "seconds": round(seconds, 1), "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "precision": round(tp / max(1, len(found)), 3), "recall": round(tp / max(1, len(truth)), 3),
                  "expected_precision": round(op.precision, 3), "expected_recall": round(op.recall, 3)}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    args = ap.parse_args()
    print("| records per list | similarity floor | seconds (calibration apart) | peak memory | precision / recall | expected by the run |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as work:
            subprocess.run([sys.executable, "-c", ENCODE, str(n), work], check=True)
            out = json.loads(subprocess.run([sys.executable, "-c", MATCH, work], check=True, capture_output=True,
                                            text=True).stdout.strip().splitlines()[-1])
            print(f"| {n:,} | {out['floor']} | {out['seconds']} ({out['calibration_s']}) | {out['peak_mib']:,} MiB | "
                  f"{out['precision']} / {out['recall']} | {out['expected_precision']} / {out['expected_recall']} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

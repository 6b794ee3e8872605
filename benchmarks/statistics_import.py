"""Statistics benchmarks: import of N observations (mapped CSV into SQLite) and the divergence
explanation over a country with 10 sources. Each size runs in its own process so peak memory is its own.

    .venv/bin/python benchmarks/statistics_import.py [--sizes 100000 1000000]

Targets (issue: statistics): 1,000,000 observations in under 10 s and under 2 GiB peak memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time, itertools
from pathlib import Path
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.statistics.importers import import_mapped
n, work = int(sys.argv[1]), Path(sys.argv[2])
countries = ["NLD","ITA","ESP","FRA","DEU","NGA","SEN","GRC","PRT","POL","ROU","BGR","ALB","VNM","USA","GBR","BEL","AUT","SWE","CHE"]
sexes, ages, expl = ["total","female","male"], ["total","child","adult"], ["total","sexual","labour","other"]
combos = itertools.product(countries, range(1900, 2100), sexes, ages, expl, ["total","nationals","foreign"], range(1000))
f = work / "obs.csv"
with f.open("w") as fh:
    fh.write("country,year,sex,age,exploitation,citizenship,rep,value\n")
    for k, (c, y, s, a, e, ci, r) in enumerate(combos):
        if k >= n:
            break
        i = (y - 1900) * 1000 + r  # a distinct valid period (a day) per year and repeat: importers refuse "1900-999"
        fh.write(f"{c},{1000 + i // 336}-{1 + i % 336 // 28:02d}-{1 + i % 28:02d},{s},{a},{e},{ci},{r},{(k * 7) % 997}\n")
mapping = {"source": {"key": "bench", "name": "bench", "source_type": "police", "stage": "detected",
                      "counting_unit": "persons", "legal_definition": "national"},
           "columns": {"country": "country", "period": "year", "sex": "sex", "age_group": "age",
                       "exploitation": "exploitation", "citizenship": "citizenship", "value": "value"},
           "constants": {"indicator": "victims"}}
db = Database(f"sqlite:///{work / 'bench.db'}"); db.upgrade()
t = time.perf_counter()
with db.session() as s:
    rep = import_mapped(s, Principal.system(), f, mapping)
elapsed = time.perf_counter() - t
print(json.dumps({"n": n, "stored": rep.observations, "seconds": round(elapsed, 2),
                  "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""

EXPLAIN = r"""
import json, sys, time
from pathlib import Path
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.statistics.divergence import explain
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
work = Path(sys.argv[1])
db = Database(f"sqlite:///{work / 'explain.db'}"); db.upgrade()
stages = ["detected", "identified", "presumed", "registered", "assisted"]
with db.session() as s:
    for k in range(10):
        obs = [ObservationSpec("victims", "NLD", str(y), sex=sx, exploitation=ex, value=float(100 + k * 10 + y % 7))
               for y in range(2010, 2024) for sx in ("total", "female", "male") for ex in ("total", "sexual", "labour", "other")]
        record_observations(s, Principal.system(), SourceSpec(f"s{k}", f"source {k}", "police", stages[k % 5], "persons",
                            "national" if k % 2 else "palermo"), obs)
t = time.perf_counter()
with db.session(write=False) as s:
    pairs = explain(s, Principal.system(), country="NLD", year="2020")
print(json.dumps({"pairs": len(pairs), "seconds": round(time.perf_counter() - t, 3)}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = ap.parse_args()
    print(f"{'observations':>12} {'stored':>10} {'seconds':>9} {'peak MiB':>9}  target (1M: <10 s, <2048 MiB)")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as work:
            out = subprocess.run([sys.executable, "-c", CHILD, str(n), work], capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{n:>12} failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ok = ("met" if r["seconds"] < 10 and r["peak_mib"] < 2048 else "not met") if n == 1_000_000 else "-"
            print(f"{r['n']:>12,} {r['stored']:>10,} {r['seconds']:>9} {r['peak_mib']:>9}  {ok}")
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run([sys.executable, "-c", EXPLAIN, work], capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"explanation over a country with 10 sources: {r['pairs']} pairs in {r['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Coverage of the estimator's intervals on simulated populations of known size and known list dependencies.

Run: .venv/bin/python benchmarks/estimation_coverage.py [REPETITIONS] [BOOTSTRAP_REPLICATES]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from palermo.estimation import estimate_population
from palermo.estimation.simulate import Scenario, simulate

SCENARIOS = {
    "dense (N=2000, 4 lists, NGO:POLICE +1.0, LABOUR:HEALTH -0.6)": Scenario(
        2000, {"NGO": 0.12, "POLICE": 0.18, "LABOUR": 0.08, "HEALTH": 0.1},
        {("NGO", "POLICE"): 1.0, ("LABOUR", "HEALTH"): -0.6}),
    "sparse (N=1000, 5 lists, rates 3-10%, A:B +1.5)": Scenario(
        1000, {"A": 0.05, "B": 0.08, "C": 0.1, "D": 0.03, "E": 0.06}, {("A", "B"): 1.5}),
}


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    boot = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    print("| scenario | criterion | interval | repetitions | coverage | median estimate | seconds |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for label, scenario in SCENARIOS.items():
        for criterion in ("aic", "bic", "pvalue", "average"):
            for b in sorted({0, boot}):
                rng = np.random.default_rng(7)
                hits, estimates, failed = 0, [], 0
                t = time.perf_counter()
                for k in range(reps):
                    h, _ = simulate(scenario, rng)
                    try:
                        r = estimate_population(h, criterion=criterion, bootstrap=b, seed=k)
                    except Exception:  # noqa: BLE001 - counted as a miss
                        failed += 1
                        continue
                    hits += r.lower <= scenario.size <= r.upper
                    estimates.append(r.estimate)
                kind = f"bootstrap {b}" if b else "profile"
                print(f"| {label} | {criterion} | {kind} | {reps} | {hits / reps:.2f} | "
                      f"{np.median(estimates):,.0f} | {time.perf_counter() - t:.0f} |", flush=True)


if __name__ == "__main__":
    main()

"""Estimates for the SparseMSE data sets, as a markdown table for docs/estimation.md.

Run: .venv/bin/python benchmarks/estimation_real_data.py [BOOTSTRAP_REPLICATES]
Needs the real files under ../shared/data/external/mse-multiple-lists (not shipped with Palermo).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from palermo.estimation import CaptureHistories, estimate_population

MSE = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "mse-multiple-lists"
NAMES = ["UKdat", "UKdat_5", "Ned", "Ned_5", "NewOrl", "NewOrl_5", "Western"]


def main() -> None:
    boot = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"| data | observed | criterion | terms | estimate | 95% profile | 95% bootstrap ({boot}) | seconds |")
    print("| --- | ---: | --- | --- | ---: | --- | --- | ---: |")
    for name in NAMES:
        h = CaptureHistories.from_csv(MSE / f"{name}.csv")
        for criterion in ("aic", "bic", "pvalue"):
            t = time.perf_counter()
            r = estimate_population(h, criterion=criterion, bootstrap=boot, seed=2000)
            secs = time.perf_counter() - t
            p = r.profile
            terms = ", ".join(r.terms) or "(none)"
            print(f"| {name} | {r.observed:,} | {criterion} | {terms} | {r.estimate:,.0f} | "
                  f"{p.lower:,.0f} – {p.upper:,.0f} | {r.lower:,.0f} – {r.upper:,.0f} | {secs:.1f} |", flush=True)


if __name__ == "__main__":
    main()

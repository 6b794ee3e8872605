"""Estimates for the SparseMSE data sets, as a markdown table for docs/estimation.md.

Both bootstrap intervals re-select the model in every replicate, with the same replicates count and seed: the
parametric one (Poisson tables from the fitted model, percentile interval) and the BCa one (the observed people
resampled; Chan, Silverman & Vincent 2021, section 3.3).

Run: .venv/bin/python benchmarks/estimation_real_data.py [BOOTSTRAP_REPLICATES]
Needs the real files under ../shared/data/external/mse-multiple-lists (not shipped with Palermo).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from palermo.errors import PalermoError
from palermo.estimation import CaptureHistories, estimate_population

MSE = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "mse-multiple-lists"
NAMES = ["UKdat", "UKdat_5", "Ned", "Ned_5", "NewOrl", "NewOrl_5", "Western"]


def main() -> None:
    boot = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"| data | observed | criterion | terms | estimate | 95% profile | 95% parametric bootstrap ({boot}) "
          f"| 95% BCa bootstrap ({boot}) | seconds (parametric / BCa) |")
    print("| --- | ---: | --- | --- | ---: | --- | --- | --- | ---: |")
    for name in NAMES:
        h = CaptureHistories.from_csv(MSE / f"{name}.csv")
        for criterion in ("aic", "bic", "pvalue"):
            t = time.perf_counter()
            r = estimate_population(h, criterion=criterion, bootstrap=boot, seed=2000)
            secs = time.perf_counter() - t
            t = time.perf_counter()
            try:
                b = estimate_population(h, criterion=criterion, bootstrap=boot, seed=2000, bootstrap_method="bca")
                bca = f"{b.lower:,.0f} – {b.upper:,.0f}"
            except PalermoError as exc:  # a jackknife table with no model: say so in the table, keep going
                bca = f"failed: {exc}"
            bca_secs = time.perf_counter() - t
            p = r.profile
            terms = ", ".join(r.terms) or "(none)"
            print(f"| {name} | {r.observed:,} | {criterion} | {terms} | {r.estimate:,.0f} | "
                  f"{p.lower:,.0f} – {p.upper:,.0f} | {r.lower:,.0f} – {r.upper:,.0f} | {bca} | "
                  f"{secs:.1f} / {bca_secs:.1f} |", flush=True)


if __name__ == "__main__":
    main()

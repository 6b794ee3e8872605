"""Coverage of the estimate that carries linkage error, on synthetic cases with known truth.

Each replicate: 2,000 people, three lists drawn independently (capture 0.30, 0.25, 0.20), every pair of
records of one person a candidate link with a middling-to-high score, false candidates at 30% of the
true ones with low scores, probabilities exactly calibrated (``estimation.linkage_error.simulate_case``),
then the same cases with overconfident probabilities (log odds times 1 + o for each ``--overconfidence``
o). The naive interval takes links with probability >= 0.5 as certain; the other draws partitions.

    .venv/bin/python benchmarks/estimation_linkage_error.py [--replicates 100] [--draws 200] [--overconfidence 0 0.5]
    .venv/bin/python benchmarks/estimation_linkage_error.py --explain   # why drawing links one by one failed

``--explain`` prints, on the calibrated cases, the people observed and the coverage with the true links
(is the profile interval itself right?), and the people observed per draw when each link is drawn on its
own and joined transitively (the former method) and when partitions are drawn.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from palermo.estimation.histories import CaptureHistories
from palermo.estimation.intervals import profile_interval
from palermo.estimation.link_partitions import draw_partitions
from palermo.estimation.linkage_error import estimate_with_linkage_error, one_to_one, simulate_case
from palermo.estimation.loglinear import fit_model
from palermo.estimation.overlap import overlap_from_identities, overlap_from_matches


def explain(replicates: int, draws: int) -> None:
    people: dict[str, list[float]] = {"true links": [], "links drawn one by one, joined": [], "partitions drawn": []}
    covered = 0
    for seed in range(replicates):
        c = simulate_case(seed=seed)
        h = CaptureHistories.from_overlap(overlap_from_identities(c.records), lists=list(c.records))
        fit = fit_model(h, [])
        iv = profile_interval(fit, h.observed)
        covered += iv.lower <= c.true_total <= iv.upper
        people["true links"].append(h.observed)
        rng = np.random.default_rng(seed)
        probs = np.array([x[4] for x in c.candidates])
        one_by_one = []
        for _ in range(draws):
            keep = rng.random(len(probs)) < probs
            links = one_to_one([x for x, k in zip(c.candidates, keep) if k])
            one_by_one.append(sum(overlap_from_matches(c.records, links).values()))
        people["links drawn one by one, joined"].append(float(np.mean(one_by_one)))
        people["partitions drawn"].append(float(draw_partitions(c.records, c.candidates, draws, rng).tables.sum(1).mean()))
    print(f"true links: the profile interval covers the true {c.true_total:,} in {covered / replicates:.2f} of "
          f"{replicates} cases")
    for name, values in people.items():
        print(f"{name:<32} people observed (mean) {np.mean(values):>9,.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicates", type=int, default=100)
    p.add_argument("--draws", type=int, default=200)
    p.add_argument("--overconfidence", type=float, nargs="+", default=[0.0, 0.5])
    p.add_argument("--explain", action="store_true", help="why drawing links one by one failed (no estimates)")
    args = p.parse_args()
    if args.explain:
        explain(args.replicates, args.draws)
        return
    print(f"{'probabilities':<22} {'interval':<24} {'coverage':>9} {'mean width':>11} {'mean estimate':>14} {'truth':>6}")
    for over in args.overconfidence:
        wall, cpu = time.perf_counter(), time.process_time()
        rows = []
        for seed in range(args.replicates):
            c = simulate_case(seed=seed, overconfidence=over)
            r = estimate_with_linkage_error(c.records, c.candidates, draws=args.draws, seed=seed)
            rows.append((r.naive_estimate, r.naive_lower, r.naive_upper, r.estimate, r.lower, r.upper, c.true_total))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        a = np.array(rows)
        truth = a[:, 6]
        what = "calibrated" if over == 0 else f"log odds x {1 + over:g}"
        for name, (e, lo, hi) in (("links taken as certain", (0, 1, 2)), ("carrying linkage error", (3, 4, 5))):
            cover = np.mean((a[:, lo] <= truth) & (truth <= a[:, hi]))
            print(f"{what:<22} {name:<24} {cover:>9.2f} {np.mean(a[:, hi] - a[:, lo]):>11,.0f} "
                  f"{np.mean(a[:, e]):>14,.0f} {truth[0]:>6,.0f}")
        print(f"{what:<22} {args.replicates} replicates x {args.draws} draws: {wall / args.replicates:.2f} s per estimate "
              f"(CPU {cpu / args.replicates:.2f} s)")


if __name__ == "__main__":
    main()

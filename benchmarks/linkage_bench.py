"""Linkage benchmarks, printed as a table: encoding rate, all-pairs Dice comparisons per second, blocked
linkage time, and accuracy against Splink (DuckDB) on the plaintext of the same synthetic records.

    .venv/bin/python benchmarks/linkage_bench.py [--records 20000] [--noise 0.3]

anonlink/clkhash are not run here (they need their own virtual environment with old dependencies).
"""

from __future__ import annotations

import argparse
import resource
import time


def f1(found: set, truth: set) -> tuple[float, float, float]:  # type: ignore[type-arg]
    tp = len(found & truth)
    p, r = tp / max(1, len(found)), tp / max(1, len(truth))
    return p, r, 2 * p * r / max(1e-9, p + r)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--noise", type=float, default=0.3)
    args = ap.parse_args()
    from palermo.linkage.encoding import Encoder
    from palermo.linkage.engine import match
    from palermo.linkage.schema import DEFAULT_SCHEMA
    from palermo.linkage.similarity import all_pairs_dice
    from palermo.linkage.synthetic import agency_lists, true_pairs

    n = args.records
    lists, truth = agency_lists({"A": n, "B": n}, overlap=0.1, noise=args.noise, seed=3)
    enc = Encoder(DEFAULT_SCHEMA, b"b" * 40)
    t = time.perf_counter()
    a = enc.encode(lists["A"], label="A")
    b = enc.encode(lists["B"], label="B")
    enc_rate = 2 * n / (time.perf_counter() - t)
    k = min(n, 4000)
    ra, rb = a.record_level()[:k], b.record_level()[:k]
    t = time.perf_counter()
    all_pairs_dice(ra, rb, 0.9)
    pairs_rate = k * k / (time.perf_counter() - t)
    t = time.perf_counter()
    matches = match([a, b])
    link_s = time.perf_counter() - t
    truth_ab = true_pairs(truth, "A", "B")
    p, r, f = f1({(m.record_a, m.record_b) for m in matches}, truth_ab)

    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from palermo.linkage.normalise import parse_date

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
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("last_name"))
    pred = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()
    splink_s = time.perf_counter() - t
    sp = {(x, y) if x.startswith("A") else (y, x) for x, y in zip(pred["unique_id_l"], pred["unique_id_r"])}
    sp_p, sp_r, sp_f = f1(sp, truth_ab)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Linkage benchmark: {n:,} x {n:,} synthetic records, 10% overlap, noise {args.noise}; 2 cores")
    print(f"{'measure':<46}{'Palermo':>14}{'Splink (plaintext)':>20}")
    print(f"{'encoding, records/s':<46}{enc_rate:>14,.0f}{'—':>20}")
    print(f"{'all-pairs Dice, comparisons/s (numpy)':<46}{pairs_rate:>14,.0f}{'—':>20}")
    print(f"{'blocked linkage, seconds':<46}{link_s:>14.1f}{splink_s:>20.1f}")
    print(f"{'precision / recall / F1':<46}{f'{p:.2f} / {r:.2f} / {f:.2f}':>14}{f'{sp_p:.2f} / {sp_r:.2f} / {sp_f:.2f}':>20}")
    print(f"peak memory of the whole run: {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

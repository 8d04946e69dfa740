#!/usr/bin/env python3
"""Times Python lifetimes 0.11.3 and this crate on the same RFM CSV file and prints the ratios.

Usage (normally through scripts/compare.sh):
    python scripts/compare_lifetimes.py --input customers.csv --rust-bin target/release/examples/scale

The CSV has lifetimes' columns customer_id,frequency,recency,T,monetary_value with whole-day
times. Each side fits BG/NBD and Gamma-Gamma (on repeat buyers), computes P(alive) and the
conditional expected purchases over 30 days for every customer, and the 12-month CLV
(lifetimes' convention: freq="D", months of 30 days, 1% discount per month). lifetimes runs in
this process; the crate runs as a separate process (its example `scale --input ... --json`),
after lifetimes, on the same file. Timings exclude reading the CSV on both sides.
"""
import argparse
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import lifetimes
from lifetimes import BetaGeoFitter, GammaGammaFitter

HORIZON_DAYS = 30
CLV_MONTHS = 12
DISCOUNT_PER_MONTH = 0.01


def timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def run_lifetimes(path):
    df = pd.read_csv(path, dtype={"customer_id": str})
    f, r, T, m = df["frequency"], df["recency"], df["T"], df["monetary_value"]
    seconds = {}
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    _, seconds["fit BG/NBD"] = timed(lambda: bgf.fit(f, r, T))
    repeat = df[df["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    _, seconds["fit Gamma-Gamma"] = timed(
        lambda: ggf.fit(repeat["frequency"], repeat["monetary_value"])
    )

    def alive_and_expected():
        return (
            bgf.conditional_probability_alive(f, r, T),
            bgf.conditional_expected_number_of_purchases_up_to_time(HORIZON_DAYS, f, r, T),
        )

    (p_alive, expected), seconds["P(alive) + expected purchases"] = timed(alive_and_expected)
    clv, seconds["12-month CLV"] = timed(
        lambda: ggf.customer_lifetime_value(
            bgf, f, r, T, m, time=CLV_MONTHS, discount_rate=DISCOUNT_PER_MONTH, freq="D"
        )
    )
    bg = bgf.params_
    gg = ggf.params_
    return {
        "customers": len(df),
        "seconds": seconds,
        "bgnbd": [bg["r"], bg["alpha"], bg["a"], bg["b"]],
        "gamma_gamma": [gg["p"], gg["q"], gg["v"]],
        "sum_p_alive": float(np.sum(p_alive)),
        "sum_expected_purchases_30_days": float(np.sum(expected)),
        "sum_clv_12_months": float(np.sum(clv)),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--rust-bin", required=True)
    args = ap.parse_args()

    print(f"lifetimes {lifetimes.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
    py = run_lifetimes(args.input)
    out = subprocess.run(
        [args.rust_bin, "--input", args.input, "--json"], check=True, capture_output=True, text=True
    )
    rs = json.loads(out.stdout.strip().splitlines()[-1])
    assert rs["customers"] == py["customers"], (rs["customers"], py["customers"])

    print(f"\n{py['customers']} customers from {args.input}\n")
    targets = {
        "fit BG/NBD": 100,
        "fit Gamma-Gamma": 50,
        "P(alive) + expected purchases": 50,
        "12-month CLV": 100,
    }
    print(f"{'stage':<32}{'lifetimes s':>12}{'clv s':>10}{'ratio':>9}{'target':>8}  met")
    all_met = True
    for stage, target in targets.items():
        a, b = py["seconds"][stage], rs["seconds"][stage]
        ratio = a / b
        met = ratio >= target
        all_met &= met
        print(f"{stage:<32}{a:>12.3f}{b:>10.4f}{ratio:>8.0f}x{target:>7}x  {'yes' if met else 'NO'}")

    print("\nparameters (relative difference, target 1e-4):")
    worst = 0.0
    for model, names in [("bgnbd", ["r", "alpha", "a", "b"]), ("gamma_gamma", ["p", "q", "gamma"])]:
        for name, a, b in zip(names, py[model], rs[model]):
            rel = abs(a - b) / abs(a)
            worst = max(worst, rel)
            print(f"  {model:<12}{name:<6} lifetimes {a:<22.15g} clv {b:<22.15g} {rel:.1e}")
    print("\nsums over customers (relative difference):")
    for key in ["sum_p_alive", "sum_expected_purchases_30_days", "sum_clv_12_months"]:
        a, b = py[key], rs[key]
        print(f"  {key:<32} lifetimes {a:<20.10g} clv {b:<20.10g} {abs(a - b) / abs(a):.1e}")
    params_met = worst <= 1e-4
    print(f"\nspeed targets {'all met' if all_met else 'NOT all met'}; "
          f"parameters {'agree' if params_met else 'DIFFER'} to {worst:.1e} relative")
    return 0 if (all_met and params_met) else 1


if __name__ == "__main__":
    sys.exit(main())

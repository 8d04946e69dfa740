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
    seconds = {}
    df, seconds["read CSV"] = timed(lambda: pd.read_csv(path, dtype={"customer_id": str}))
    f, r, T, m = df["frequency"], df["recency"], df["T"], df["monetary_value"]
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
    seconds["whole process: read CSV + fit both"] = (
        seconds["read CSV"] + seconds["fit BG/NBD"] + seconds["fit Gamma-Gamma"]
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


def run_lifetimes_pareto(path):
    """Times lifetimes' ParetoNBDFitter (Nelder-Mead) on the file; prints one JSON line."""
    from lifetimes import ParetoNBDFitter

    df = pd.read_csv(path, dtype={"customer_id": str})
    pnf = ParetoNBDFitter(penalizer_coef=0.0)
    _, secs = timed(lambda: pnf.fit(df["frequency"], df["recency"], df["T"]))
    p = pnf.params_
    ll = -pnf._negative_log_likelihood_ * len(df) if hasattr(pnf, "_negative_log_likelihood_") else None
    print(json.dumps({"seconds": secs, "params": [p["r"], p["alpha"], p["s"], p["beta"]],
                      "log_likelihood": ll}))


def compare_pareto(args):
    """lifetimes' ParetoNBDFitter against the crate's Pareto/NBD fit, the former in a child
    process stopped after --pareto-cap seconds (it is slow: Nelder-Mead on every row)."""
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--input", args.input, "--pareto-only"],
            check=True, capture_output=True, text=True, timeout=args.pareto_cap,
        )
        py = json.loads(out.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        py = None
    out = subprocess.run(
        [args.rust_bin, "--input", args.input, "--json", "--pareto-nbd"],
        check=True, capture_output=True, text=True,
    )
    rs = json.loads(out.stdout.strip().splitlines()[-1])
    secs = rs["seconds"]["fit Pareto/NBD"]
    print("\nPareto/NBD fit (lifetimes ParetoNBDFitter, Nelder-Mead, vs the crate):")
    if py is None:
        print(f"  lifetimes > {args.pareto_cap:.0f} s (stopped at the cap)   clv {secs:.4f} s   "
              f"ratio > {args.pareto_cap / secs:.0f}x")
        return
    print(f"  lifetimes {py['seconds']:.3f} s   clv {secs:.4f} s   ratio {py['seconds'] / secs:.0f}x")
    for name, a, b in zip(["r", "alpha", "s", "beta"], py["params"], rs["pareto_nbd"]):
        print(f"  {name:<6} lifetimes {a:<22.15g} clv {b:<22.15g} {abs(a - b) / abs(a):.1e}")
    if py.get("log_likelihood") is not None:
        print(f"  log-likelihood lifetimes {py['log_likelihood']:.4f} clv {rs['pareto_nbd_log_likelihood']:.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--rust-bin")
    ap.add_argument("--peer-json", help="only time lifetimes and write its figures as JSON here")
    ap.add_argument("--pareto-nbd", action="store_true",
                    help="also compare the Pareto/NBD fit with lifetimes' ParetoNBDFitter")
    ap.add_argument("--pareto-cap", type=float, default=900.0,
                    help="seconds after which lifetimes' Pareto/NBD fit is stopped")
    ap.add_argument("--pareto-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pareto_only:
        run_lifetimes_pareto(args.input)
        return 0

    print(f"lifetimes {lifetimes.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
    py = run_lifetimes(args.input)
    if args.peer_json:
        py["version"] = f"lifetimes {lifetimes.__version__}"
        with open(args.peer_json, "w") as out:
            json.dump(py, out)
        return 0
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
    if args.pareto_nbd:
        compare_pareto(args)
    params_met = worst <= 1e-4
    print(f"\nspeed targets {'all met' if all_met else 'NOT all met'}; "
          f"parameters {'agree' if params_met else 'DIFFER'} to {worst:.1e} relative")
    return 0 if (all_met and params_met) else 1


if __name__ == "__main__":
    sys.exit(main())

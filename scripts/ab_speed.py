#!/usr/bin/env python3
"""Medians of an old and a new build of the crate's `scale` example and lifetimes 0.11.3 on one file.

Usage (normally through scripts/ab_speed.sh):
    python scripts/ab_speed.py --input customers.csv --old-bin OLD --new-bin NEW [--rounds 3]

lifetimes runs once in this process (scripts/compare_lifetimes.py's stages); the two builds run
as child processes (`scale --input FILE --json`), alternately, ROUNDS times each. Printed per
stage: lifetimes' seconds, each build's median seconds with its ratio against lifetimes, and
new / old (below 1: the new build is faster).
"""
import argparse
import json
import statistics
import subprocess
import sys

import compare_lifetimes

STAGES = [
    "fit BG/NBD",
    "fit Gamma-Gamma",
    "P(alive) + expected purchases",
    "12-month CLV",
    "whole process: read CSV + fit both",
]


def run(binary, path, extra=()):
    out = subprocess.run([binary, "--input", path, "--json", *extra],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--old-bin", required=True)
    ap.add_argument("--new-bin", required=True)
    ap.add_argument("--old-label", default="old")
    ap.add_argument("--new-label", default="new")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pareto-nbd", action="store_true")
    ap.add_argument("--pareto-cap", type=float, default=1200.0)
    args = ap.parse_args()

    py = compare_lifetimes.run_lifetimes(args.input)
    runs = {"old": [], "new": []}
    for _ in range(args.rounds):
        runs["old"].append(run(args.old_bin, args.input))
        runs["new"].append(run(args.new_bin, args.input))
    for side in runs.values():
        assert all(r["customers"] == py["customers"] for r in side)

    def median(side, stage):
        return statistics.median(r["seconds"][stage] for r in runs[side])

    print(f"{py['customers']} customers from {args.input}; lifetimes once, "
          f"{args.rounds} alternating rounds of each build (medians)\n")
    print(f"{'stage':<36}{'lifetimes s':>12}{args.old_label + ' s':>14}{'ratio':>8}"
          f"{args.new_label + ' s':>14}{'ratio':>8}{'new/old':>9}")
    for stage in STAGES:
        if not all(stage in r["seconds"] for side in runs.values() for r in side):
            print(f"{stage:<36}(not timed by both builds)")
            continue
        a, o, n = py["seconds"][stage], median("old", stage), median("new", stage)
        print(f"{stage:<36}{a:>12.3f}{o:>14.4f}{a / o:>7.0f}x{n:>14.4f}{a / n:>7.0f}x{n / o:>9.2f}")
    worst = max(abs(a - b) / abs(a) for a, b in
                zip(runs["old"][0]["bgnbd"], runs["new"][0]["bgnbd"]))
    print(f"\nBG/NBD parameters, old vs new: {worst:.1e} relative at most")
    if args.pareto_nbd:
        pareto(args, py["customers"])
    return 0


def pareto(args, customers):
    """lifetimes' ParetoNBDFitter (capped) against the new build's Pareto/NBD fit, same file."""
    try:
        out = subprocess.run(
            [sys.executable, compare_lifetimes.__file__, "--input", args.input, "--pareto-only"],
            check=True, capture_output=True, text=True, timeout=args.pareto_cap)
        lt = json.loads(out.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        lt = None
    rs = run(args.new_bin, args.input, ["--pareto-nbd"])
    secs = rs["seconds"]["fit Pareto/NBD"]
    print(f"\nPareto/NBD fit, {customers} customers:")
    if lt is None:
        print(f"  lifetimes ParetoNBDFitter > {args.pareto_cap:.0f} s (stopped)   "
              f"clv {secs:.3f} s   ratio > {args.pareto_cap / secs:.0f}x")
    else:
        print(f"  lifetimes ParetoNBDFitter {lt['seconds']:.1f} s   clv {secs:.3f} s   "
              f"ratio {lt['seconds'] / secs:.0f}x")
        for name, a, b in zip(["r", "alpha", "s", "beta"], lt["params"], rs["pareto_nbd"]):
            print(f"  {name:<6} lifetimes {a:<22.15g} clv {b:<22.15g} {abs(a - b) / abs(a):.1e}")


if __name__ == "__main__":
    sys.exit(main())

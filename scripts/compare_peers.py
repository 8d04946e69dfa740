#!/usr/bin/env python3
"""Prints the side-by-side table of scripts/compare_peers.sh: each stage's seconds for
lifetimes, PyMC-Marketing and this crate, the ratio against the fastest peer, and how far the
peers' parameters and summed scores are from the crate's.

Usage: python3 scripts/compare_peers.py LIFETIMES.json PYMC.json CLV.json
(the first two written by compare_lifetimes.py --peer-json and peer_pymc_marketing.py
--peer-json, the third by `scale --input FILE --json`). Standard library only.
"""
import json
import sys

STAGES = [
    ("fit BG/NBD", 100),
    ("fit Gamma-Gamma", 100),
    ("P(alive) + expected purchases", 100),
    ("12-month CLV", 100),
    ("whole process: read CSV + fit both", 50),
]
PARAMS = [("bgnbd", ["r", "alpha", "a", "b"]), ("gamma_gamma", ["p", "q", "gamma"])]
SUMS = ["sum_p_alive", "sum_expected_purchases_30_days", "sum_clv_12_months"]


def main(paths):
    peers = {}
    for path in paths[:2]:
        with open(path) as f:
            d = json.load(f)
        peers[d["version"]] = d
    with open(paths[2]) as f:
        rs = json.load(f)
    names = list(peers)
    print(f"{rs['customers']} customers ({rs.get('distinct_histories', '?')} distinct histories)\n")
    head = "".join(f"{n[:22]:>24}" for n in names)
    print(f"{'stage':<36}{head}{'clv':>10}  {'ratio vs fastest':>17}{'target':>8}  met")
    all_met = True
    for stage, target in STAGES:
        secs = [peers[n]["seconds"].get(stage) for n in names]
        ours = rs["seconds"].get(stage)
        known = [s for s in secs if s is not None]
        if ours is None or not known:
            print(f"{stage:<36}  (not measured)")
            continue
        fastest = min(known)
        ratio = fastest / ours
        met = ratio >= target
        all_met &= met
        cells = "".join(f"{s:>22.3f} s" if s is not None else f"{'n/a':>24}" for s in secs)
        print(f"{stage:<36}{cells}{ours:>8.4f} s  {ratio:>16.1f}x{target:>7}x  {'yes' if met else 'NO'}")

    print("\nparameters, relative difference from the crate's maximum-likelihood estimates:")
    for model, pnames in PARAMS:
        for i, p in enumerate(pnames):
            ours = rs[model][i]
            cells = "".join(
                f"   {n.split()[0]} {peers[n][model][i]:<20.12g} ({abs(peers[n][model][i] - ours) / abs(ours):.1e})"
                for n in names
            )
            print(f"  {model:<12}{p:<6} clv {ours:<20.12g}{cells}")
    print("\nsums over customers, relative difference from the crate's:")
    for key in SUMS:
        ours = rs[key]
        cells = "".join(
            f"   {n.split()[0]} {abs(peers[n][key] - ours) / abs(ours):.1e}" for n in names if key in peers[n]
        )
        print(f"  {key:<32} clv {ours:<20.10g}{cells}")
    for n in names:
        if peers[n].get("note"):
            print(f"\n{n}: {peers[n]['note']}")
    print(f"\nspeed targets {'all met' if all_met else 'NOT all met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Checks that the crate's summary equals lifetimes' on the same log.

Usage: python scripts/compare_summaries.py RUST.csv LIFETIMES.csv
Rows lifetimes keeps with T = 0 (first purchase on the last day) are left out by the crate.
"""
import csv
import sys


def load(path):
    with open(path, newline="") as f:
        return {row["customer_id"]: row for row in csv.DictReader(f)}


def main():
    ours, theirs = load(sys.argv[1]), load(sys.argv[2])
    missing = [k for k in theirs if k not in ours]
    assert all(float(theirs[k]["T"]) == 0.0 for k in missing), "a customer with T > 0 is missing"
    assert all(k in theirs for k in ours), "a customer lifetimes does not have"
    worst = 0.0
    for k, row in ours.items():
        for col in ("frequency", "recency", "T", "monetary_value"):
            a, b = float(row[col]), float(theirs[k][col])
            worst = max(worst, abs(a - b) / max(1.0, abs(b)))
    assert worst < 1e-9, f"largest relative difference {worst}"
    print(f"summaries agree: {len(ours)} customers (+{len(missing)} with T = 0 only in lifetimes), "
          f"largest relative difference {worst:.1e}")


if __name__ == "__main__":
    main()

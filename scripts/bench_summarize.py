"""Times lifetimes' summary_data_from_transaction_data on a transaction log.

Usage: .venv/bin/python scripts/bench_summarize.py LOG.csv [OUT.csv]
The log has columns customer_id,date,amount (as written by examples/summarize_scale.rs).
Prints the time to read the CSV and the time to summarise it; writes the summary to OUT.csv.
"""
import sys
import time

import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data


def main():
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else None
    t0 = time.perf_counter()
    log = pd.read_csv(path, dtype={"customer_id": str, "date": str, "amount": float})
    t1 = time.perf_counter()
    summary = summary_data_from_transaction_data(
        log,
        "customer_id",
        "date",
        monetary_value_col="amount",
        datetime_format="%Y-%m-%d",
        freq="D",
    )
    t2 = time.perf_counter()
    print(f"read_csv {t1 - t0:.3f} s, summary_data_from_transaction_data {t2 - t1:.3f} s, "
          f"{len(log)} transactions, {len(summary)} customers")
    print(f"LIFETIMES_SECONDS={t2 - t0:.4f}")
    print(f"LIFETIMES_SUMMARY_ONLY_SECONDS={t2 - t1:.4f}")
    if out:
        summary.to_csv(out)


if __name__ == "__main__":
    main()

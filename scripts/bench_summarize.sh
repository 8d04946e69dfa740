#!/usr/bin/env bash
# Summarises one synthetic log of N transactions with this crate and with lifetimes, in the
# same run, under /usr/bin/time -v (peak memory), checks that both give the same summary, and
# prints the speed ratio.
#
# Usage: bash scripts/bench_summarize.sh [N_TRANSACTIONS [N_CUSTOMERS]]   (default 10000000 1000000)
# Needs: .venv from scripts/python-env.sh, and /usr/bin/time (Debian package `time`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
n="${1:-10000000}"
customers="${2:-1000000}"
dir="target/bench-data"
log="$dir/log-$n.csv"
mkdir -p "$dir"
[ -x .venv/bin/python ] || bash scripts/python-env.sh
[ -x /usr/bin/time ] || { echo "install /usr/bin/time (apt-get install time)" >&2; exit 1; }

cargo build --release --example summarize_scale
bin=target/release/examples/summarize_scale
[ -f "$log" ] || "$bin" generate "$log" "$n" "$customers"

echo "== clv (Rust)"
/usr/bin/time -v "$bin" summarize "$log" "$dir/rust.csv" 2> "$dir/rust.time" | tee "$dir/rust.out"
echo "== lifetimes"
/usr/bin/time -v .venv/bin/python scripts/bench_summarize.py "$log" "$dir/lifetimes.csv" 2> "$dir/lifetimes.time" | tee "$dir/lifetimes.out"

.venv/bin/python scripts/compare_summaries.py "$dir/rust.csv" "$dir/lifetimes.csv"
rust_s=$(sed -n 's/^RUST_SECONDS=//p' "$dir/rust.out")
py_s=$(sed -n 's/^LIFETIMES_SECONDS=//p' "$dir/lifetimes.out")
py_only=$(sed -n 's/^LIFETIMES_SUMMARY_ONLY_SECONDS=//p' "$dir/lifetimes.out")
rust_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/rust.time")
py_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/lifetimes.time")
python3 - "$n" "$rust_s" "$py_s" "$py_only" "$rust_kb" "$py_kb" <<'PY'
import sys
n, rust, py, py_only, rkb, pkb = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"transactions: {n}")
print(f"clv:       {rust:.2f} s ({n / rust / 1e6:.2f} M transactions/s), peak RSS {rkb / 1024:.0f} MiB")
print(f"lifetimes: {py:.2f} s (read_csv + summary; summary alone {py_only:.2f} s), peak RSS {pkb / 1024:.0f} MiB")
print(f"ratio: {py / rust:.1f}x (against summary alone: {py_only / rust:.1f}x)")
PY

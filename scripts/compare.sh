#!/usr/bin/env bash
# Side-by-side speed comparison with Python lifetimes 0.11.3 on one file of N customers
# (default 1,000,000) with whole-day times: draws the file with the `scale` example, then runs
# scripts/compare_lifetimes.py, which times lifetimes and this crate on it and prints the ratios.
#
# Usage: bash scripts/compare.sh [N]
# Needs PyPI access the first time (creates .venv through scripts/python-env.sh when it exists,
# else with the same pins). Set VENV=/path/to/venv to use an existing environment.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
n="${1:-1000000}"
venv="${VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import lifetimes" 2>/dev/null; then
    if [ -f scripts/python-env.sh ] && [ -z "${VENV:-}" ]; then
        bash scripts/python-env.sh
    else
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet "numpy==1.26.4" "scipy==1.11.4" \
            "pandas==1.5.3" "autograd==1.6.2" "dill==0.3.8" "lifetimes==0.11.3"
    fi
fi
cargo build --release --example scale
bin="$root/target/release/examples/scale"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$bin" "$n" --draw-only "$data/customers.csv" --seed 1
"$venv/bin/python" scripts/compare_lifetimes.py --input "$data/customers.csv" --rust-bin "$bin"

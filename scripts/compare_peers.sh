#!/usr/bin/env bash
# Side by side on one file of N customers (default 1,000,000, whole-day times): Python
# lifetimes 0.11.3, PyMC-Marketing 0.19.2 (MAP fits with flat priors) and this crate, each stage
# timed in the same run; prints the seconds, the ratio against the fastest peer and how far the
# parameters and summed scores agree (scripts/compare_peers.py).
#
# Usage: bash scripts/compare_peers.sh [N]
# Needs PyPI access the first time: lifetimes goes in .venv (scripts/python-env.sh; its old
# numpy/pandas pins cannot share an environment with PyMC-Marketing), PyMC-Marketing in
# .venv-pymc from scripts/requirements-pymc.txt (every version pinned). VENV=... and
# PYMC_VENV=... select existing environments.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
n="${1:-1000000}"
lt_venv="${VENV:-$root/.venv}"
pm_venv="${PYMC_VENV:-$root/.venv-pymc}"
if [ ! -x "$lt_venv/bin/python" ] || ! "$lt_venv/bin/python" -c "import lifetimes" 2>/dev/null; then
    bash scripts/python-env.sh
fi
if [ ! -x "$pm_venv/bin/python" ] || ! "$pm_venv/bin/python" -c "import pymc_marketing" 2>/dev/null; then
    py="${PYTHON:-$(command -v python3.11 || command -v python3)}"
    "$py" -m venv "$pm_venv"
    "$pm_venv/bin/python" -m pip install --quiet --upgrade pip
    "$pm_venv/bin/python" -m pip install --quiet -r scripts/requirements-pymc.txt
fi
cargo build --release --example scale
bin="$root/target/release/examples/scale"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$bin" "$n" --draw-only "$data/customers.csv" --seed 1
"$lt_venv/bin/python" scripts/compare_lifetimes.py --input "$data/customers.csv" \
    --peer-json "$data/lifetimes.json" > /dev/null
"$pm_venv/bin/python" scripts/peer_pymc_marketing.py --input "$data/customers.csv" \
    --peer-json "$data/pymc.json"
"$bin" --input "$data/customers.csv" --json | tail -n 1 > "$data/clv.json"
python3 scripts/compare_peers.py "$data/lifetimes.json" "$data/pymc.json" "$data/clv.json"

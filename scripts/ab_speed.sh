#!/usr/bin/env bash
# A/B speed check: this checkout's `scale` example against the one of an older commit, and both
# against Python lifetimes 0.11.3, on the same file of N customers (whole-day times), in one run.
# Rounds alternate old and new; the medians are printed with the ratios (scripts/ab_speed.py).
#
# Usage: bash scripts/ab_speed.sh OLD_REV [N] [ROUNDS] [--pareto-nbd]
#   OLD_REV  e.g. 7997fcb, the last commit before the model layer of issue 10
#   N        customers (default 1,000,000); ROUNDS per side (default 3)
#   --pareto-nbd  also lifetimes' ParetoNBDFitter (stopped after PARETO_CAP seconds, default
#            1200) against the crate's Pareto/NBD fit
# The old commit is built in a detached worktree under AB_DIR (default /tmp/clv-ab: outside this
# checkout, whose workspace would otherwise claim it) with its own target directory there, once;
# lifetimes goes in .venv as for scripts/compare.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
old_rev="${1:?usage: ab_speed.sh OLD_REV [N] [ROUNDS] [--pareto-nbd]}"
n="${2:-1000000}"
rounds="${3:-3}"
pareto="${4:-}"
venv="${VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import lifetimes" 2>/dev/null; then
    bash scripts/python-env.sh
fi
old_sha="$(git rev-parse --short "$old_rev")"
ab_dir="${AB_DIR:-/tmp/clv-ab}"
old_tree="$ab_dir/$old_sha"
if [ ! -d "$old_tree" ]; then
    git worktree add --detach "$old_tree" "$old_sha" > /dev/null
fi
(cd "$old_tree" && CARGO_TARGET_DIR="$ab_dir/target" cargo build --release --example scale)
cargo build --release --example scale
new_bin="$root/target/release/examples/scale"
old_bin="$ab_dir/target/release/examples/scale"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$new_bin" "$n" --draw-only "$data/customers.csv" --seed 1
"$venv/bin/python" scripts/ab_speed.py --input "$data/customers.csv" --old-bin "$old_bin" \
    --new-bin "$new_bin" --old-label "$old_sha" --new-label "$(git rev-parse --short HEAD)" \
    --rounds "$rounds" ${pareto:+--pareto-nbd} --pareto-cap "${PARETO_CAP:-1200}"

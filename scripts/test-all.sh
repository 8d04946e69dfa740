#!/usr/bin/env bash
# The README's test command: the Rust tests, then the Python package (python/) built into a
# virtual environment and its pytest suite (native API, clv.lifetimes against lifetimes'
# figures, DuckDB SQL and Spark local mode).
#
# Usage: bash scripts/test-all.sh      (PYTHON=python3.x to choose the interpreter;
#                                        CLV_VENV=dir for the venv, default .venv-clv)
#
# The property tests draw from a fixed seed so that a run is reproducible and a red CI run is
# about the change, not the draw; PROPTEST_RNG_SEED=<another u64> explores other cases (a
# failure found that way becomes a named regression test, as in tests/extreme_params.rs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261202}"
cargo test --all-features
venv="${CLV_VENV:-$root/.venv-clv}"
py="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import maturin, pytest, pandas, numpy, pyarrow, duckdb, pyspark" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet "maturin>=1.16,<2" pytest numpy pandas pyarrow duckdb pyspark
fi
# builds the extension (dev profile, the workspace's target/) and installs it editable
(cd python && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin develop --quiet)
"$venv/bin/python" -m pytest -q python/tests

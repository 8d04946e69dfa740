#!/usr/bin/env bash
# Creates .venv at the repository root with Python `lifetimes` 0.11.3 and versions of its
# dependencies that work with it (lifetimes 0.11.3 dates from 2020: newer numpy/pandas/scipy
# break it), and mpmath. Used by scripts/bench_summarize.sh for the speed comparison against
# lifetimes and by the reference scripts (lifetimes_penalizer.py, *_reference.py).
#
# Usage: bash scripts/python-env.sh        (needs python3.11 or python3 >= 3.9 and PyPI access)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
py="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet \
    "numpy==1.26.4" \
    "scipy==1.11.4" \
    "pandas==1.5.3" \
    "autograd==1.6.2" \
    "dill==0.3.8" \
    "lifetimes==0.11.3" \
    "mpmath==1.3.0"
"$venv/bin/python" -c "import lifetimes, pandas, numpy; print('lifetimes', lifetimes.__version__, 'pandas', pandas.__version__, 'numpy', numpy.__version__)"

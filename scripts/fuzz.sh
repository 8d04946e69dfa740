#!/usr/bin/env bash
# Fuzzes every parser of user files (RFM CSV, transaction log, scores CSV, model JSON,
# attribute and cost files) for a bounded number of cases each: the property-test fuzzer of
# tests/fuzz_parsers.rs, seeded from tests/fuzz_corpus/ (cut from data/).
# Usage: scripts/fuzz.sh [CASES_PER_PARSER]   (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-5000}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
cargo test --all-features --test fuzz_parsers --no-run >/dev/null
start=$(date +%s)
PROPTEST_CASES="$cases" cargo test --all-features --test fuzz_parsers -- --test-threads 1
end=$(date +%s)
echo "fuzz: 5 targets x $cases inputs in $((end - start)) s"

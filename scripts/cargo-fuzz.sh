#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz, libFuzzer) of every parser of user files: the targets of
# fuzz/ (see fuzz/README.md), each for a bounded time, on the stable toolchain.
#
# Usage: scripts/cargo-fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s, all targets)
#
# Each target starts from the committed seeds (fuzz/corpus/TARGET, cut from data/) and from
# what earlier runs found (fuzz/corpus-grown/TARGET, not committed); new inputs go to the
# latter. A crash (panic, timeout, out of memory) is saved under fuzz/artifacts/TARGET/ and
# makes the script exit non-zero once all targets have run. Prints, per target, libFuzzer's
# executions and time.
#
# Environment: CLV_FUZZ_SANITIZER (default `address`; `none` builds faster and runs about
# twice as fast), CLV_FUZZ_RSS_MB (default 2048), CARGO_BUILD_JOBS (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
sanitizer="${CLV_FUZZ_SANITIZER:-address}"
rss_mb="${CLV_FUZZ_RSS_MB:-2048}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
# -Zsanitizer (for -s address) is a nightly-only flag: RUSTC_BOOTSTRAP=1 lets the stable
# toolchain take it (no nightly needed; -s none builds on plain stable).
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --version '^0.13' --locked
fi

# release, with debug assertions and overflow checks
flags=(-O -a -s "$sanitizer")
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
if [ "$#" -gt 0 ]; then
    for t in "${targets[@]}"; do cargo fuzz build "${flags[@]}" "$t"; done
else
    cargo fuzz build "${flags[@]}"
fi

mkdir -p fuzz/logs
failed=()
summary=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus-grown/$t" "fuzz/artifacts/$t"
    before=$(find "fuzz/artifacts/$t" -type f | wc -l)
    log="fuzz/logs/$t.log"
    status=0
    cargo fuzz run "${flags[@]}" "$t" "fuzz/corpus-grown/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb="$rss_mb" -timeout=10 -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    after=$(find "fuzz/artifacts/$t" -type f | wc -l)
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
        result="CRASH (exit $status, see $log and fuzz/artifacts/$t/)"
        failed+=("$t")
        grep -m1 -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" || true
    else
        result="ok"
    fi
    summary+=("$(printf '%-16s %12s executions %6s s  %s' "$t" "${execs:-?}" "${took:-?}" "$result")")
    echo "${summary[-1]}"
done

echo "cargo-fuzz: ${#targets[@]} targets, ${secs} s each, sanitizer $sanitizer"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashes in: ${failed[*]}" >&2
    exit 1
fi

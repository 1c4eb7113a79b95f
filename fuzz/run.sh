#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for a bounded time each.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      default: 20 seconds, all targets
#
# Fails (exit 1) when cargo-fuzz is not installed (fuzz/install.sh installs it), never skips. Uses stable Rust with RUSTC_BOOTSTRAP=1 for
# cargo-fuzz's nightly-only flags, or nightly with FUZZ_TOOLCHAIN=nightly. Regenerates the seed
# corpus from vectors/ first; new inputs go to fuzz/corpus/<target>/, crashes to
# fuzz/artifacts/<target>/. Fuzzers run one process each, one after the other, under nice.
#
# Environment: CARGO_TARGET_DIR (default fuzz/target), FUZZ_TOOLCHAIN (stable|nightly),
# FUZZ_NICE (default 10), FUZZ_LOG_DIR (default fuzz/target/logs or $CARGO_TARGET_DIR/fuzz-logs),
# FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")"

secs="${1:-20}"
shift || true
all=(decode_v5 decode_v311 decode_detect decode_stream_split roundtrip_packet encode_invalid topic_alias)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: cargo-fuzz is not installed: run fuzz/install.sh (cargo install cargo-fuzz --locked)" >&2
    exit 1
fi

cargo=(cargo)
if [ "${FUZZ_TOOLCHAIN:-stable}" = nightly ]; then
    cargo=(cargo +nightly)
else
    export RUSTC_BOOTSTRAP=1
fi
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
logs="${FUZZ_LOG_DIR:-$target_dir/fuzz-logs}"
mkdir -p "$logs"

python3 seed_corpus.py
"${cargo[@]}" fuzz build

status=0
summary=()
for t in "${targets[@]}"; do
    log="$logs/$t.log"
    echo "fuzz/run.sh: $t for ${secs}s (log: $log)"
    # shellcheck disable=SC2086
    if nice -n "${FUZZ_NICE:-10}" "${cargo[@]}" fuzz run "$t" "corpus/$t" "regressions/$t" -- \
        -dict=mqtt.dict -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        grep -E "panicked at|ERROR: libFuzzer|SUMMARY|Test unit written" "$log" | sed 's/^/    /' || true
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    summary+=("$(printf '%-20s %-7s runs %-10s exec/s %-7s cov %-6s ft %s' "$t" "$result" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}")")
done
printf '%s\n' "${summary[@]}"
exit "$status"

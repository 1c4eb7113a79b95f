#!/usr/bin/env bash
# Runs the Criterion benches (decode, encode, fanout) several times and prints the README's
# tables: the time of each bench is the median over the runs of Criterion's median, with the
# spread between the runs, and the load average at the start and end of each run beside them;
# instructions from callgrind.sh (run it first) are the headline.
#   benches/criterion.sh [CRITERION ARGS...]     e.g. a filter: 'decode/puback'
# RUNS (default 3), WARM_UP and MEASURE (seconds per bench, default 1 and 2) tune the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
target=${CARGO_TARGET_DIR:-target}
report=${REPORT_DIR:-$target/bench-report}
mkdir -p "$report"
: >"$report/loads.tsv"
names=()
for n in $(seq 1 "$runs"); do
    start=$(cut -d' ' -f1-3 /proc/loadavg)
    cargo bench -q -p mqtt-codec-benches -- --warm-up-time "${WARM_UP:-1}" \
        --measurement-time "${MEASURE:-2}" --save-baseline "run$n" --noplot "$@" >"$report/run$n.log"
    end=$(cut -d' ' -f1-3 /proc/loadavg)
    printf 'run%s\tstart %s, end %s\n' "$n" "$start" "$end" >>"$report/loads.tsv"
    names+=("run$n")
done
args=(--loads "$report/loads.tsv")
[ -f "$report/instructions.tsv" ] && args+=(--instructions "$report/instructions.tsv")
[ -f "$report/before/instructions.tsv" ] && args+=(--before "$report/before/instructions.tsv")
cargo run -q --profile bench -p mqtt-codec-benches --bin bench_report -- "${args[@]}" "${names[@]}" \
    | tee "$report/report.md"

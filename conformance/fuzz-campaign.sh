#!/usr/bin/env bash
# A short `conformance fuzz` campaign against Debian's mosquitto (started and restarted by the
# fuzzer through conformance/brokers/mosquitto.sh), for the test command: proves the fuzzer runs
# against a real broker, reports its speed (cases/s) and its findings, and replays every finding
# on a fresh broker. Fails when the fuzzer cannot run, runs too few cases, or saves a finding that
# does not reproduce (a fuzzer artefact, i.e. our bug). A finding that reproduces is reported, not
# failed on: it is mosquitto's, and the note beside the script says what to hand its authors.
#   conformance/fuzz-campaign.sh [SECONDS] [JOBS] [SEED]     (defaults 25, 8, 17)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-25}
jobs=${2:-8}
seed=${3:-17}
conf=${CONFORMANCE:-target/release/conformance}
[ -x "$conf" ] || cargo build -q --release -p mqtt-conformance || exit 1
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || {
    echo "mosquitto is not installed (apt-get install -y mosquitto)" >&2
    exit 1
}
out=target/fuzz-campaign/mosquitto
rm -rf "$out" && mkdir -p "$out"
log="$out/campaign.log"
cmd='conformance/brokers/mosquitto.sh {port}'
timeout $((seconds + 300)) "$conf" fuzz --broker-cmd "$cmd" --duration "$seconds" --jobs "$jobs" \
    --seed "$seed" --spec-findings --out "$out" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^fuzz: [0-9]+ cases in' "$log" | tail -1)
[ -n "$summary" ] || { echo "no summary: the campaign did not finish (exit $status)" >&2; exit 1; }
cases=$(echo "$summary" | sed -E 's/^fuzz: ([0-9]+) cases.*/\1/')
rate=$(echo "$summary" | sed -E 's/.*\(([0-9]+) cases\/s\).*/\1/')
echo "mosquitto $(mosquitto -h 2>/dev/null | head -1 | sed 's/.*version //'): $cases cases, $rate cases/s, $jobs jobs, seed $seed"
case $status in
0) ;;
1)
    echo "findings against mosquitto (notes in $out):"
    if "$conf" fuzz --replay "$out" --broker-cmd "$cmd"; then
        echo "a saved finding does not reproduce on a fresh broker: fuzzer artefact" >&2
        exit 1
    fi
    for f in "$out"/*.json; do
        id=$(basename "$f" .json)
        if ! "$conf" fuzz --replay "$f" --broker-cmd "$cmd" >/dev/null; then
            echo "$id does not reproduce on a fresh broker: fuzzer artefact" >&2
            exit 1
        fi
        sed -n 3p "$out/$id.md"
    done
    ;;
*)
    echo "the fuzzer failed (exit $status)" >&2
    exit 1
    ;;
esac
if [ "$cases" -lt 100 ]; then
    echo "only $cases cases in $seconds s: the fuzzer is stuck" >&2
    exit 1
fi

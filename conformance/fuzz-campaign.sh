#!/usr/bin/env bash
# A short `conformance fuzz` campaign against one real broker, started and restarted by the fuzzer
# through conformance/brokers/<name>.sh (installed first by conformance/brokers/install.sh when it
# is not Debian's mosquitto), for the test command: proves the fuzzer runs against a real broker,
# reports its speed (cases/s) and its findings, and replays every finding on a fresh broker (up
# to three tries). Fails when the broker cannot be installed or started, the fuzzer cannot run,
# runs too few cases, or saves a finding that does not reproduce (a fuzzer artefact, i.e. our
# bug). A finding that reproduces is reported, not failed on: it is the broker's, and the note
# beside the script says what to hand its authors.
#   conformance/fuzz-campaign.sh [BROKER] [SECONDS] [JOBS] [SEED]   (defaults mosquitto, 25, 8, 17)
# BROKER: mosquitto, aedes, amqtt, rumqttd (its MQTT 3.1.1 listener) or rumqttd-v5. aedes,
# amqtt and rumqttd speak MQTT 3.1.1 only, so their campaigns generate 3.1.1 sessions only.
set -uo pipefail
cd "$(dirname "$0")/.."
broker=${1:-mosquitto}
seconds=${2:-25}
jobs=${3:-8}
seed=${4:-17}
conf=${CONFORMANCE:-target/release/conformance}
[ -x "$conf" ] || cargo build -q --release -p mqtt-conformance || exit 1
protocol=()
case "$broker" in
mosquitto)
    command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || {
        echo "mosquitto is not installed (apt-get install -y mosquitto)" >&2
        exit 1
    }
    cmd='conformance/brokers/mosquitto.sh {port}'
    version=$(PATH="$PATH:/usr/sbin" mosquitto -h 2>/dev/null | head -1 | sed 's/.*version //')
    ;;
aedes | amqtt | rumqttd | rumqttd-v5)
    name=${broker%-v5}
    # Installed before the campaign: the fuzzer gives a starting broker 60 s, not an install.
    where=$(conformance/brokers/install.sh "$name") || {
        echo "$name cannot be installed (conformance/brokers/install.sh $name)" >&2
        exit 1
    }
    case "$broker" in
    rumqttd) cmd='conformance/brokers/rumqttd.sh {port} v4' ;;
    rumqttd-v5) cmd='conformance/brokers/rumqttd.sh {port} v5' ;;
    *) cmd="conformance/brokers/$broker.sh {port}" ;;
    esac
    [ "$broker" = rumqttd-v5 ] || protocol=(--protocol 3.1.1)
    version="(installed in $where)"
    ;;
*)
    echo "unknown broker $broker (mosquitto, aedes, amqtt, rumqttd, rumqttd-v5)" >&2
    exit 2
    ;;
esac
out=target/fuzz-campaign/$broker
rm -rf "$out" && mkdir -p "$out"
log="$out/campaign.log"
timeout $((seconds + 300)) "$conf" fuzz --broker-cmd "$cmd" --duration "$seconds" --jobs "$jobs" \
    --seed "$seed" --spec-findings "${protocol[@]}" --out "$out" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^fuzz: [0-9]+ cases in' "$log" | tail -1)
[ -n "$summary" ] || { echo "no summary: the campaign did not finish (exit $status)" >&2; exit 1; }
cases=$(echo "$summary" | sed -E 's/^fuzz: ([0-9]+) cases.*/\1/')
rate=$(echo "$summary" | sed -E 's/.*\(([0-9]+) cases\/s\).*/\1/')
echo "$broker $version: $cases cases, $rate cases/s, $jobs jobs, seed $seed"
case $status in
0) ;;
1)
    echo "findings against $broker (notes in $out):"
    for f in "$out"/*.json; do
        id=$(basename "$f" .json)
        # --replay: 1 reproduced, 0 not, 2 could not run. Each try starts a fresh broker; a
        # finding that depends on timing (two clients' packets racing) gets three.
        for try in 1 2 3; do
            "$conf" fuzz --replay "$f" --broker-cmd "$cmd" >/dev/null
            replayed=$?
            [ $replayed -eq 0 ] || break
            [ $try -eq 3 ] || echo "$id: not reproduced on try $try of 3" >&2
        done
        case $replayed in
        1) ;;
        0)
            echo "$id does not reproduce on a fresh broker (3 tries): fuzzer artefact (or state left by earlier cases)" >&2
            exit 1
            ;;
        *)
            echo "$id: the replay could not run" >&2
            exit 1
            ;;
        esac
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

#!/usr/bin/env bash
# The main job: run the whole conformance suite, both MQTT versions, against a real broker started
# here on 127.0.0.1 (Debian's mosquitto, installed from the OS packages if missing), then stop it.
#   scripts/conformance-local.sh                    text report on stdout
#   scripts/conformance-local.sh --format junit --output report.xml
#   scripts/conformance-local.sh --profile apsaramq --broker-config apsaramq
# Any other argument goes to `conformance` (see `conformance --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
config=default
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --broker-config) config=$2; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
need_pkg mosquitto mosquitto
echo "==> building the conformance runner" >&2
cargo build --quiet --release -p mqtt-conformance
echo "==> testing mosquitto ($(/usr/sbin/mosquitto -h 2>/dev/null | head -1 || true)) with configuration '$config'" >&2
exec target/release/conformance --broker-cmd "conformance/brokers/mosquitto.sh {port} $config" "${args[@]}"

#!/bin/sh
# Runs the codec's example broker (codec/examples/broker/, built on mqtt-codec's public
# API alone) on 127.0.0.1:PORT in the foreground. Used as:
#   conformance --broker-cmd 'conformance/brokers/example-broker.sh {port}'
# The binary is built first if it is missing (scripts/example-broker-conformance.sh builds it
# before the run, so the runner's start-up timeout never waits for a compile).
set -eu
port=${1:?usage: example-broker.sh PORT}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/target/debug/examples/broker"
if [ ! -x "$bin" ]; then
    cargo build -q --manifest-path "$root/Cargo.toml" -p mqtt-codec --features tokio --example broker
fi
exec "$bin" "$port"

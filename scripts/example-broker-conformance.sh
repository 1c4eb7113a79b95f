#!/bin/sh
# The conformance suite against the codec's example broker, compared with its expected results:
# proof that mqtt-codec's public API answers every packet-format and error-handling check the way
# the specifications require. Extra arguments go to the runner (e.g. --json FILE).
set -eu
cd "$(dirname "$0")/.."
cargo build -q -p mqtt-codec --features tokio --example minimal_broker
cargo build -q --release -p mqtt-conformance
exec target/release/conformance --quiet \
    --broker-cmd 'conformance/brokers/example-broker.sh {port}' \
    --broker-name 'mqtt-codec example broker (codec/examples/minimal_broker.rs)' \
    --expected conformance/expected/example-broker.json "$@"

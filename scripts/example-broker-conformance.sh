#!/bin/sh
# The conformance suite against the codec's example broker (codec/examples/broker/), compared with
# its expected results (every check that runs over plain TCP passes): proof that mqtt-codec's
# public API is enough to build a conformant broker. Extra arguments go to the runner (--json FILE).
set -eu
cd "$(dirname "$0")/.."
cargo build -q -p mqtt-codec --features tokio --example broker
cargo build -q --release -p mqtt-conformance
exec target/release/conformance --quiet \
    --broker-cmd 'conformance/brokers/example-broker.sh {port}' \
    --broker-name 'mqtt-codec example broker (codec/examples/broker/)' \
    --expected conformance/expected/example-broker.json "$@"

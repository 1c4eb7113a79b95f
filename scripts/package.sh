#!/bin/sh
# The publishable crates are ready for crates.io: `cargo package` builds each from its packaged
# sources alone (mqtt-conformance against the packaged mqtt-codec and mqtt-vectors), and the
# codec's documentation builds as docs.rs builds it (all features) without a warning.
# Extra arguments go to `cargo package` (e.g. --allow-dirty for a work tree with changes).
set -eu
cd "$(dirname "$0")/.."
cargo package -p mqtt-codec -p mqtt-vectors -p mqtt-conformance "$@"
RUSTDOCFLAGS='-D warnings' cargo doc -q --no-deps -p mqtt-codec --all-features

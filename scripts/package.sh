#!/bin/sh
# The publishable crates are ready for crates.io: `cargo package` builds each from its packaged
# sources alone (mqtt-conformance against the packaged mqtt-codec and mqtt-vectors), and the
# codec's documentation builds as docs.rs builds it (all features) without a warning.
# Extra arguments go to `cargo package` (e.g. --allow-dirty for a work tree with changes).
set -eu
cd "$(dirname "$0")/.."
# `cargo package` verifies mqtt-conformance against the other two through a temporary local
# registry, and cargo unpacks a crate of such a registry once per registry path and version: a
# clone at a path an earlier run used would be built against that run's mqtt-codec sources (seen:
# a codec API from hours earlier). Local registries' unpacked copies of our own crates go first;
# crates.io's (index.*) are not touched.
for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/; do
    rm -rf "$d"mqtt-codec-* "$d"mqtt-vectors-* "$d"mqtt-conformance-*
done
cargo package -p mqtt-codec -p mqtt-vectors -p mqtt-conformance "$@"
RUSTDOCFLAGS='-D warnings' cargo doc -q --no-deps -p mqtt-codec --all-features

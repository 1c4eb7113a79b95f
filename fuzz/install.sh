#!/usr/bin/env bash
# Installs cargo-fuzz when it is missing (scripts/test.sh runs this before the fuzz stage, so a
# clean machine fuzzes too). cargo-fuzz runs on stable Rust with RUSTC_BOOTSTRAP=1 (fuzz/run.sh
# sets it); libFuzzer needs a C++ compiler.
set -euo pipefail
if cargo fuzz --version >/dev/null 2>&1; then
    cargo fuzz --version
    exit 0
fi
command -v c++ >/dev/null 2>&1 || {
    echo "fuzz/install.sh: cargo-fuzz needs a C++ compiler (apt-get install -y g++)" >&2
    exit 1
}
cargo install cargo-fuzz --locked
cargo fuzz --version

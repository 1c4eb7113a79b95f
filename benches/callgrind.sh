#!/usr/bin/env bash
# Instructions per decode and per encode of every input, for every codec, counted by callgrind
# inside the timed function only (`--toggle-collect`, see src/bin/instructions.rs):
# (I(large) - I(small)) / runs, so that start-up and setup cancel out. Deterministic: the count
# does not depend on the machine's load, so it is what decisions are made on.
#   benches/callgrind.sh [REGEX]   only the measurements whose "codec op name" line matches
# Writes one line per measurement, "codec<TAB>op<TAB>name<TAB>instructions", to stdout and to
# $REPORT_DIR/instructions.tsv (default target/bench-report), which `bench_report` reads.
# INSTRUCTIONS_BIN=path counts with an already built binary (e.g. a copy of an older build).
# FEATURES=ours-valid-decode, ours-checked-encode or ours-bytes-mut counts another way of ours
# (Cargo.toml).
# Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }
bin=${INSTRUCTIONS_BIN:-}
if [ -z "$bin" ]; then
    cargo build -q --profile bench -p mqtt-codec-benches --bin instructions ${FEATURES:+--features "$FEATURES"}
    bin=${CARGO_TARGET_DIR:-target}/release/instructions
fi
report=${REPORT_DIR:-${CARGO_TARGET_DIR:-target}/bench-report}
mkdir -p "$report"
filter=${1:-.}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# glibc copies from 4 KiB up (2.36, AVX2) with `rep movsb`, which callgrind counts as one instruction
# per byte, while a codec whose copy the compiler wrote as a vector loop is counted at one per 4
# to 16 bytes: a 64 KiB PUBLISH looked 4x dearer when it went through `memcpy`, though no slower
# by time. Raising the threshold makes glibc copy with its vector loop at every size, so every
# copy is counted in the same unit. No effect on a glibc without the tunable, or off x86.
export GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=4294967296
count() { # count CODEC OP NAME N
    valgrind --tool=callgrind --toggle-collect='*instructions*timed*' \
        --callgrind-out-file="$out/cg" "$bin" "$1" "$2" "$3" "$4" 2>"$out/log" >/dev/null \
        || { cat "$out/log" >&2; exit 1; }
    sed -n 's/^==[0-9]*== Collected : //p' "$out/log"
}
tsv="$out/instructions.tsv"
: >"$tsv"
"$bin" jobs | { grep -E -- "$filter" || true; } | while read -r codec op name small large per; do
    a=$(count "$codec" "$op" "$name" "$small")
    b=$(count "$codec" "$op" "$name" "$large")
    line=$(printf '%s\t%s\t%s\t%s' "$codec" "$op" "$name" "$(((b - a + per / 2) / per))")
    echo "$line"
    echo "$line" >>"$tsv"
done
if [ "$filter" = . ]; then
    cp "$tsv" "$report/instructions.tsv"
else
    # A partial run updates its lines and keeps the others.
    touch "$report/instructions.tsv"
    awk -F'\t' 'NR==FNR { k[$1 FS $2 FS $3] = 1; print; next } !(($1 FS $2 FS $3) in k)' \
        "$tsv" "$report/instructions.tsv" >"$out/merged"
    sort -o "$report/instructions.tsv" "$out/merged"
fi

#!/usr/bin/env bash
# Instructions per decode and per encode of each input through our codec, counted by callgrind:
# (instructions at N = 2000) - (instructions at N = 1000), divided by 1000, so that start-up and
# setup cancel out. Prints a Markdown table. Needs valgrind.
#   benches/callgrind.sh [input ...]      (default: every single-packet input)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --profile bench -p mqtt-codec-benches --bin instructions
bin=target/release/instructions
inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
    inputs=(connect_v311 connect_v5 publish_qos0_v311/64B publish_qos0_v5/64B publish_qos1_v5_props
        subscribe_v311_10 subscribe_v5_options puback_v311 puback_v5_reason)
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() { # count OP INPUT N
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" "$3" 2>"$out/log" >/dev/null
    sed -n 's/^==[0-9]*== Collected : //p' "$out/log"
}
echo "| input | decode | encode |"
echo "|---|---:|---:|"
for i in "${inputs[@]}"; do
    row="| $i"
    for op in decode encode; do
        a=$(count "$op" "$i" 1000)
        b=$(count "$op" "$i" 2000)
        row="$row | $(((b - a) / 1000))"
    done
    echo "$row |"
done

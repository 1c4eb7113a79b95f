#!/usr/bin/env bash
# Cross-checks every valid vector under vectors/ against independent MQTT decoders:
#   1. crosscheck.js    - the npm package mqtt-packet (always)
#   2. tshark_check.py  - Wireshark's MQTT dissector (when tshark is installed; --with-tshark
#                         installs it with apt-get first, --no-tshark skips it)
# Installs the node modules from package-lock.json when they are missing or stale.
# Exit status: non-zero when any checker reports a failure.
#
# Usage: vectors/crosscheck/run.sh [--with-tshark | --no-tshark] [--verbose]
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TSHARK_MODE=auto
VERBOSE=()
for arg in "$@"; do
  case "$arg" in
    --with-tshark) TSHARK_MODE=install ;;
    --no-tshark) TSHARK_MODE=off ;;
    --verbose) VERBOSE=(--verbose) ;;
    *) echo "run.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "run.sh: $tool is required" >&2
    exit 2
  fi
done

cd "$HERE" || exit 2
if [[ ! -f node_modules/mqtt-packet/package.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "run.sh: installing node modules (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error || exit 2
fi

status=0
echo "== mqtt-packet $(node -p 'require("mqtt-packet/package.json").version')"
node crosscheck.js "${VERBOSE[@]}" || status=1

if [[ "$TSHARK_MODE" == install ]] && ! command -v tshark >/dev/null; then
  echo "run.sh: installing tshark with apt-get" >&2
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark >/dev/null; } || exit 2
fi
if [[ "$TSHARK_MODE" != off ]]; then
  if command -v tshark >/dev/null && command -v python3 >/dev/null; then
    echo "== $(tshark --version 2>/dev/null | head -1 | sed 's/\. *Running as.*//')"
    python3 tshark_check.py "${VERBOSE[@]}" || status=1
  else
    echo "run.sh: tshark (or python3) not installed: Wireshark cross-check skipped (--with-tshark installs it)"
  fi
fi
exit "$status"

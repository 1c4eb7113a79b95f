#!/bin/sh
# Runs COMMAND against Debian's mosquitto serving MQTT over WebSocket on 127.0.0.1:PORT, both
# inside a private network namespace that has only the loopback interface:
#   brokers/mosquitto-ws.sh PORT ws -- conformance --target ws://127.0.0.1:PORT/mqtt
#   brokers/mosquitto-ws.sh PORT wss DIR -- conformance --target wss://localhost:PORT/mqtt \
#       --cafile DIR/ca.pem
#
# Why the namespace: Debian's mosquitto 2.0.11 (libwebsockets) binds its websockets listener to
# every interface, whatever address the configuration names. In a namespace made by
# `unshare --net` (root only) the only interface is loopback, so nothing listens anywhere else.
# The script re-executes itself under `unshare --net` when it is not in such a namespace yet, and
# refuses to start mosquitto if any other interface is present.
#
# mosquitto 2.0.11 also refuses to start when its only listeners are websockets ones ("Unable to
# start any listening sockets"), so a plain TCP listener is added on another loopback port.
#
#   MODE ws    plain WebSocket
#   MODE wss   WebSocket over TLS with DIR/server.pem (DIR as for mosquitto-tls.sh; certificates
#              generated with openssl when DIR/ca.pem is missing)
# Exit status: COMMAND's.
set -eu
usage="usage: mosquitto-ws.sh PORT ws|wss [DIR] -- COMMAND..."
port=${1:?$usage}
mode=${2:?$usage}
shift 2
dir=
if [ "$mode" = wss ]; then
    dir=${1:?$usage}
    shift
fi
[ "${1:-}" = "--" ] || {
    echo "$usage" >&2
    exit 2
}
shift
case "$mode" in
ws | wss) ;;
*)
    echo "unknown mode $mode (ws, wss)" >&2
    exit 2
    ;;
esac
PATH="$PATH:/usr/sbin:/sbin"
only_loopback() {
    [ -z "$(ip -o link show 2>/dev/null | awk -F': ' '$2 != "lo" {print $2}')" ]
}
if [ -z "${CONFORMANCE_IN_NETNS:-}" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
        echo "mosquitto-ws.sh needs root and unshare (util-linux) for a private network namespace" >&2
        exit 77
    fi
    script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
    if [ "$mode" = wss ]; then
        exec env CONFORMANCE_IN_NETNS=1 unshare --net sh "$script" "$port" "$mode" "$dir" -- "$@"
    fi
    exec env CONFORMANCE_IN_NETNS=1 unshare --net sh "$script" "$port" "$mode" -- "$@"
fi
command -v ip >/dev/null 2>&1 || {
    echo "ip (iproute2) is needed to bring up the loopback interface" >&2
    exit 127
}
if ! only_loopback; then
    echo "refusing to start: this network namespace has interfaces other than lo" >&2
    exit 2
fi
ip link set lo up
command -v mosquitto >/dev/null 2>&1 || {
    echo "mosquitto is not installed: apt-get install -y mosquitto" >&2
    exit 127
}
if [ "$mode" = wss ]; then
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ ! -e "$dir/ca.pem" ]; then
        "$(dirname "$0")/gen-certs.sh" "$dir"
    fi
fi
tcp_port=$((port == 1883 ? 1884 : 1883))
work=$(mktemp -d "${TMPDIR:-/tmp}/conformance-mosquitto-ws.XXXXXX")
{
    echo "listener $tcp_port 127.0.0.1"
    echo "listener $port 127.0.0.1"
    echo "protocol websockets"
    if [ "$mode" = wss ]; then
        echo "cafile $dir/ca.pem"
        echo "certfile $dir/server.pem"
        echo "keyfile $dir/server.key"
    fi
    echo "user $(id -un)"
    echo "allow_anonymous true"
    echo "persistence false"
    echo "log_dest stderr"
    echo "log_type error"
    echo "log_type warning"
} > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
broker=$!
stop() {
    kill "$broker" 2>/dev/null || true
    wait "$broker" 2>/dev/null || true
    rm -rf "$work"
}
trap stop EXIT INT TERM
tries=0
until ss -ltn 2>/dev/null | awk '{print $4}' | grep -q ":$port\$"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$broker" 2>/dev/null; then
        echo "mosquitto did not listen on port $port:" >&2
        cat "$work/mosquitto.log" >&2
        exit 1
    fi
    sleep 0.1
done
status=0
"$@" || status=$?
exit "$status"

#!/bin/sh
# Runs rumqttd (crates.io, built by install.sh from rumqttd/, pinned by rumqttd/Cargo.lock) with one
# listener on 127.0.0.1:PORT, in the foreground so the caller can stop exactly this process.
# rumqttd serves MQTT 3.1.1 and 5.0 on separate listeners ([v4.*] and [v5.*] in its
# configuration), so LISTENER picks which one this run gets, and the suite runs once per listener:
#   conformance --broker-cmd 'brokers/rumqttd.sh {port} v4' --protocol 3.1.1
#   conformance --broker-cmd 'brokers/rumqttd.sh {port} v5' --protocol 5
# Configuration: rumqttd 0.20.0's shipped rumqttd.toml for the router and the listener's
# connections (max_payload_size 20480, max_inflight_count 100, connection_timeout_ms 60000),
# with dynamic_filters true on both listeners (the shipped v4 listener has it; without it a
# PUBLISH to a topic no one has subscribed to is refused); no console, Prometheus or WebSocket
# listener (the shipped file binds those to other ports, some on 0.0.0.0). The configuration
# lives in a temporary directory removed when the broker stops; TERM and INT are forwarded.
set -eu
usage="usage: rumqttd.sh PORT v4|v5"
port=${1:?$usage}
listener=${2:?$usage}
case "$listener" in
v4 | v5) ;;
*)
    echo "unknown listener $listener (v4: MQTT 3.1.1, v5: MQTT 5.0)" >&2
    exit 2
    ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
bin=$("$here/install.sh" rumqttd)/bin/rumqttd
dir=$(mktemp -d "${TMPDIR:-/tmp}/conformance-rumqttd.XXXXXX")
cat > "$dir/rumqttd.toml" <<CONF
id = 0

[router]
id = 0
max_connections = 10010
max_outgoing_packet_count = 200
max_segment_size = 104857600
max_segment_count = 10

[$listener.1]
name = "$listener-1"
listen = "127.0.0.1:$port"
next_connection_delay_ms = 1
    [$listener.1.connections]
    connection_timeout_ms = 60000
    max_payload_size = 20480
    max_inflight_count = 100
    dynamic_filters = true
CONF
"$bin" "$dir/rumqttd.toml" &
pid=$!
# `|| true`: under set -e a failing command inside a trap would end the script before rm.
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; exit 143' TERM
trap 'kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; exit 130' INT
status=0
wait "$pid" || status=$?
rm -rf "$dir"
exit "$status"

#!/usr/bin/env bash
# Reproduces the capture of real mosquitto traffic and regenerates
#   vectors/captured/mosquitto-v5.json, mosquitto-v311.json, mosquitto-v31.json
#
# 1. installs mosquitto + mosquitto-clients (Debian packages) if missing, and the crosscheck's
#    node modules (mqtt-packet decodes the captured bytes into `decoded`);
# 2. starts a mosquitto broker on free loopback ports with its own config in a temp dir:
#      main       allow_anonymous true                 (the ordinary broker)
#      noanon     allow_anonymous false                (refused CONNACKs)
#      restricted allow_anonymous true, an ACL that allows only allowed/#, max_qos 1,
#                 max_topic_alias 0                    (v5 PUBACK 0x87, CONNACK properties, QoS downgrade)
#    plus, globally, persistence false and max_keepalive 3600;
# 3. runs mosquitto_pub / mosquitto_sub (-V mqttv5, mqttv311, mqttv31) through record.py, a
#    recording proxy that cuts both directions into MQTT packets (capture.py lists the commands);
# 4. stops exactly that broker (by its PID) and writes the vector files.
#
# Usage: vectors/capture/capture.sh [--keep-raw FILE]
# Needs: Debian (apt-get, root), python3, node + npm. Takes about a minute.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VECTORS="$(dirname "$HERE")"
KEEP_RAW=""
if [[ "${1:-}" == "--keep-raw" ]]; then KEEP_RAW="$2"; fi

if ! command -v mosquitto >/dev/null || ! command -v mosquitto_pub >/dev/null; then
  echo "capture.sh: installing mosquitto and mosquitto-clients with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
fi
if [[ ! -d "$VECTORS/crosscheck/node_modules/mqtt-packet" ]]; then
  (cd "$VECTORS/crosscheck" && npm ci --no-audit --no-fund --loglevel=error)
fi

TMP="$(mktemp -d /tmp/mqtt-capture.XXXXXX)"
BROKER_PID=""
cleanup() {
  if [[ -n "$BROKER_PID" ]] && kill -0 "$BROKER_PID" 2>/dev/null; then
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# Three free loopback ports (bound and released at once; the broker takes them right after).
read -r P_MAIN P_NOANON P_RESTRICTED < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks:
    s.close()
EOF
)

cat > "$TMP/acl" <<'EOF'
# anonymous clients on the restricted listener: only allowed/#
topic readwrite allowed/#
EOF
cat > "$TMP/mosquitto.conf" <<EOF
per_listener_settings true
persistence false
max_keepalive 3600
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information

listener $P_MAIN 127.0.0.1
allow_anonymous true

listener $P_NOANON 127.0.0.1
allow_anonymous false

listener $P_RESTRICTED 127.0.0.1
allow_anonymous true
acl_file $TMP/acl
max_qos 1
max_topic_alias 0
EOF
# mosquitto started as root drops to the 'mosquitto' user: let it read its files.
chmod 755 "$TMP"
chmod 644 "$TMP/acl" "$TMP/mosquitto.conf"

mosquitto -c "$TMP/mosquitto.conf" 2>"$TMP/broker.log" &
BROKER_PID=$!
for _ in $(seq 50); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $P_MAIN), 0.2).close()" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
echo "capture.sh: broker pid $BROKER_PID on 127.0.0.1:$P_MAIN (noanon $P_NOANON, restricted $P_RESTRICTED)" >&2

python3 "$HERE/capture.py" --main-port "$P_MAIN" --noanon-port "$P_NOANON" \
  --restricted-port "$P_RESTRICTED" --out "$TMP/raw.json"

kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
BROKER_PID=""

if [[ -n "$KEEP_RAW" ]]; then cp "$TMP/raw.json" "$KEEP_RAW"; fi
mkdir -p "$VECTORS/captured"
node "$HERE/build_vectors.js" "$TMP/raw.json" "$VECTORS/captured"

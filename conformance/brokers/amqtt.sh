#!/bin/sh
# Runs amqtt (PyPI; pinned by amqtt/requirements.txt, in its own venv) on 127.0.0.1:PORT in the
# foreground, so the caller can stop exactly this process:
#   conformance --broker-cmd 'brokers/amqtt.sh {port}' --protocol 3.1.1
# (amqtt speaks MQTT 3.1.1 only). Configuration: one TCP listener, anonymous access, no $SYS
# publisher and no packet logging; everything else at amqtt's defaults. The venv is created on
# first use by install.sh (announced on stderr). The configuration file lives in a temporary
# directory removed when the broker stops; TERM and INT are forwarded to it.
set -eu
port=${1:?usage: amqtt.sh PORT}
here=$(cd "$(dirname "$0")" && pwd)
venv=$("$here/install.sh" amqtt)
dir=$(mktemp -d "${TMPDIR:-/tmp}/conformance-amqtt.XXXXXX")
cat > "$dir/broker.yaml" <<CONF
listeners:
  default:
    type: tcp
    bind: 127.0.0.1:$port
plugins:
  amqtt.plugins.authentication.AnonymousAuthPlugin:
    allow_anonymous: true
CONF
cd "$dir"
"$venv/bin/amqtt" -c "$dir/broker.yaml" &
pid=$!
# `|| true`: under set -e a failing command inside a trap would end the script before rm.
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; exit 143' TERM
trap 'kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; exit 130' INT
status=0
wait "$pid" || status=$?
rm -rf "$dir"
exit "$status"

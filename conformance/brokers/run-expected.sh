#!/usr/bin/env bash
# Runs the whole suite against one broker under test and compares the verdicts with its
# expected-results file, conformance/expected/NAME.json (every non-pass explained there):
#   run-expected.sh aedes | amqtt | rumqttd-v4 | rumqttd-v5 | rabbitmq
# The broker is installed when missing (install.sh), started by its script on a free loopback
# port and stopped by PID (the runner's --broker-cmd). Extra arguments go to the runner (e.g.
# --json FILE). Exit status: the runner's (0 when every verdict is the expected one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
name=${1:?usage: run-expected.sh aedes|amqtt|rumqttd-v4|rumqttd-v5|rabbitmq [runner args...]}
shift
conf=${CONFORMANCE_BIN:-$repo/target/release/conformance}
case "$name" in
# aedes and amqtt speak MQTT 3.1 and 3.1.1 only; RabbitMQ 3.10's plugin also (5.0 came in 3.13).
aedes) args=(--protocol 3.1.1 --broker-cmd "$here/aedes.sh {port}")
    # Verdicts that differed between three consecutive runs (see the file's explanations).
    args+=(--skip 'v311/3.8.4/resubscribe-resends-retained' --skip 'v311/4.7.2/dollar-topic-not-matched-by-plus') ;;
amqtt) args=(--protocol 3.1.1 --broker-cmd "$here/amqtt.sh {port}")
    # amqtt delivers other checks' messages to clients that never subscribed to them, so these
    # verdicts depend on what runs beside them (they differed between three consecutive runs).
    for id in 3.1.2/keep-alive-not-early 3.1.2/no-stale-will 3.1.2/queued-while-offline-qos1 \
        3.1.2/queued-while-offline-qos2 3.1.2/will-on-malformed-packet 3.1.2/will-on-protocol-error \
        3.1.2/will-qos 3.12.4/pingresp 3.14.4/no-will-after-disconnect 3.3.1/forward-clears-retain \
        3.3.1/forwarded-dup-not-copied 3.3.1/retained-replaced 3.3.2/delivery-topic-payload \
        3.3.3/zero-length-payload 3.3.5/overlap-max-qos 3.8.4/suback-same-packet-id; do
        args+=(--skip "v311/$id")
    done ;;
rabbitmq) args=(--protocol 3.1.1 --broker-cmd "$here/rabbitmq.sh {port}") ;;
rumqttd-v4) args=(--protocol 3.1.1 --broker-cmd "$here/rumqttd.sh {port} v4") ;;
rumqttd-v5) args=(--protocol 5 --broker-cmd "$here/rumqttd.sh {port} v5")
    # Shared-subscription checks whose verdicts differed between runs against rumqttd, also
    # with the 500 ms forward window (member-granted-qos and one-member-per-message still did in
    # three runs after it): rumqttd's shared delivery is not yet triaged.
    args+=(--skip 'v5/4.8.2/member-granted-qos' --skip 'v5/4.8.2/one-member-per-message'
        --skip 'v5/4.8.2/qos2-not-redirected-after-session-end'
        --skip 'v5/4.8.2/no-retained-at-subscribe') ;;
*)
    echo "run-expected.sh: unknown broker $name" >&2
    exit 2
    ;;
esac
install=${name%-v[45]}
"$here/install.sh" "$install" >/dev/null
exec "$conf" --quiet "${args[@]}" --broker-name "$name" \
    --expected "$repo/conformance/expected/$name.json" "$@"

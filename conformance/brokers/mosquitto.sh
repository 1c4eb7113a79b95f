#!/bin/sh
# Runs Debian's mosquitto on 127.0.0.1:PORT with its own configuration, in the foreground (so the
# caller can stop exactly this process). Used as: conformance --broker-cmd 'brokers/mosquitto.sh {port}'
#   mosquitto.sh PORT            default configuration (anonymous access, no persistence)
#   mosquitto.sh PORT apsaramq   configured to ApsaraMQ's documented limits where mosquitto can:
#                                max_keepalive 480, max_packet_size 131072, max_topic_alias 30,
#                                max_inflight_messages 65535
set -eu
port=${1:?usage: mosquitto.sh PORT [default|apsaramq]}
profile=${2:-default}
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || {
    echo "mosquitto is not installed: apt-get install -y mosquitto" >&2
    exit 127
}
dir=$(mktemp -d "${TMPDIR:-/tmp}/conformance-mosquitto.XXXXXX")
conf="$dir/mosquitto.conf"
{
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous true"
    echo "persistence false"
    echo "log_dest stderr"
    echo "log_type error"
    echo "log_type warning"
    if [ "$profile" = apsaramq ]; then
        echo "max_keepalive 480"
        echo "max_packet_size 131072"
        echo "max_topic_alias 30"
        echo "max_inflight_messages 65535"
    fi
} > "$conf"
PATH="$PATH:/usr/sbin"
exec mosquitto -c "$conf"

#!/bin/sh
# Runs Debian's RabbitMQ (rabbitmq-server 3.10 on bookworm) with its MQTT plugin on
# 127.0.0.1:PORT, in the foreground, so the caller can stop exactly this process:
#   conformance --broker-cmd 'brokers/rabbitmq.sh {port}' --protocol 3.1.1
# (the 3.10 plugin speaks MQTT 3.1 and 3.1.1; 5.0 came with 3.13). install.sh installs the package
# when it is missing (apt-get, without letting the package start its system-wide service).
#
# A private node, sharing nothing with a system RabbitMQ:
#  * everything in a temporary directory: configuration, enabled_plugins, Mnesia database,
#    logs, pid file and the Erlang cookie (HOME), removed when the broker stops;
#  * a unique node name, conformance-PORT@localhost;
#  * no AMQP listener (listeners.tcp = none); the MQTT listener on 127.0.0.1:PORT only;
#  * Erlang distribution, which RabbitMQ cannot run without, on loopback ports picked free now:
#    this script starts its own epmd (in the foreground, 127.0.0.1 only, ERL_EPMD_PORT) and the
#    node listens for distribution on 127.0.0.1 (RABBITMQ_DIST_PORT, inet_dist_use_interface);
#    -start_epmd false keeps the VM from starting a daemon epmd of its own should ours be gone;
#  * anonymous MQTT clients are the default user guest (the plugin's default), allowed over
#    loopback.
# Stopping (TERM or INT): the node gets SIGTERM (a clean shutdown) and, as the caller sends
# SIGKILL to this script two seconds after TERM, SIGKILL when it is still there after 1.2 s; then
# our epmd is stopped and the directory removed. If the node stops by itself, its exit status is
# returned and the end of its log shown.
set -eu
port=${1:?usage: rabbitmq.sh PORT}
here=$(cd "$(dirname "$0")" && pwd)
home=$("$here/install.sh" rabbitmq)
PATH="$PATH:/usr/sbin"
command -v epmd >/dev/null 2>&1 || {
    echo "epmd is not installed (Debian package erlang-base)" >&2
    exit 127
}
command -v python3 >/dev/null 2>&1 || {
    echo "python3 is needed to pick free ports" >&2
    exit 127
}
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
epmd_port=$(free_port)
dist_port=$(free_port)
while [ "$dist_port" = "$epmd_port" ]; do dist_port=$(free_port); done
dir=$(mktemp -d "${TMPDIR:-/tmp}/conformance-rabbitmq.XXXXXX")
mkdir "$dir/log" "$dir/mnesia"
: > "$dir/rabbitmq-env.conf"
echo '[rabbitmq_mqtt].' > "$dir/enabled_plugins"
cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp = none
mqtt.listeners.tcp.default = 127.0.0.1:$port
mqtt.allow_anonymous = true
log.console = false
log.file.level = info
CONF

export HOME="$dir"
export ERL_EPMD_PORT="$epmd_port" ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_NODENAME="conformance-$port@localhost" RABBITMQ_USE_LONGNAME=false
export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
export RABBITMQ_DIST_PORT="$dist_port"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}"

epmd -port "$epmd_port" -address 127.0.0.1 &
epmd_pid=$!
node_pid=
cleanup() {
    if [ -n "$node_pid" ]; then
        kill -TERM "$node_pid" 2>/dev/null || true
        beam=$(cat "$dir/rabbitmq.pid" 2>/dev/null || true)
        tries=0
        while kill -0 "$node_pid" 2>/dev/null && [ "$tries" -lt 12 ]; do
            sleep 0.1
            tries=$((tries + 1))
        done
        if kill -0 "$node_pid" 2>/dev/null; then
            # Too slow for the caller's two seconds: kill the VM itself, then its wrapper.
            [ -z "$beam" ] || kill -KILL "$beam" 2>/dev/null || true
            kill -KILL "$node_pid" 2>/dev/null || true
        fi
        wait "$node_pid" 2>/dev/null || true
    fi
    kill -TERM "$epmd_pid" 2>/dev/null || true
    wait "$epmd_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 130' INT
tries=0
until epmd -port "$epmd_port" -names >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 50 ] || ! kill -0 "$epmd_pid" 2>/dev/null; then
        echo "epmd did not start on 127.0.0.1:$epmd_port" >&2
        cleanup
        exit 1
    fi
    sleep 0.1
done
# rabbitmq-server stays in the foreground (no -detached) and turns TERM into a clean shutdown.
"$home/bin/rabbitmq-server" &
node_pid=$!
status=0
wait "$node_pid" || status=$?
node_pid=
echo "rabbitmq-server exited with status $status; end of its log:" >&2
tail -n 30 "$dir"/log/*.log >&2 2>/dev/null || true
cleanup
exit "$status"

#!/bin/sh
# Runs Debian's mosquitto with a TLS listener on 127.0.0.1:PORT, in the foreground (so the caller
# can stop exactly this process). Used as:
#   conformance --broker-cmd 'brokers/mosquitto-tls.sh {port} tls DIR' --target mqtts://localhost \
#       --cafile DIR/ca.pem
#   conformance --broker-cmd 'brokers/mosquitto-tls.sh {port} mtls DIR' --target mqtts://localhost \
#       --cafile DIR/ca.pem --cert DIR/client.pem --key DIR/client.key
#
#   MODE tls    one-way TLS: the broker shows DIR/server.pem, clients need no certificate
#   MODE mtls   mutual TLS: the broker also requires a client certificate signed by DIR/ca.pem
#               (require_certificate true)
#   DIR         the certificates. When DIR/ca.pem is missing they are generated with openssl
#               (P-256 keys, valid 2 days): ca.pem/ca.key, server.pem/server.key (for localhost
#               and 127.0.0.1), client.pem/client.key (CN conformance-client). Tests may put
#               their own there first (the transports test generates them with rcgen). The
#               configuration is written there too, as mosquitto-PORT.conf.
set -eu
port=${1:?usage: mosquitto-tls.sh PORT tls|mtls DIR}
mode=${2:?usage: mosquitto-tls.sh PORT tls|mtls DIR}
dir=${3:?usage: mosquitto-tls.sh PORT tls|mtls DIR}
case "$mode" in
tls | mtls) ;;
*)
    echo "unknown mode $mode (tls, mtls)" >&2
    exit 2
    ;;
esac
PATH="$PATH:/usr/sbin"
command -v mosquitto >/dev/null 2>&1 || {
    echo "mosquitto is not installed: apt-get install -y mosquitto" >&2
    exit 127
}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ ! -e "$dir/ca.pem" ]; then
    "$(dirname "$0")/gen-certs.sh" "$dir"
fi
conf="$dir/mosquitto-$port.conf"
{
    echo "listener $port 127.0.0.1"
    echo "cafile $dir/ca.pem"
    echo "certfile $dir/server.pem"
    echo "keyfile $dir/server.key"
    if [ "$mode" = mtls ]; then
        echo "require_certificate true"
    fi
    # Started as root, mosquitto would switch to the user "mosquitto", which may not read the
    # keys in a private directory: stay the current user.
    echo "user $(id -un)"
    echo "allow_anonymous true"
    echo "persistence false"
    echo "log_dest stderr"
    echo "log_type error"
    echo "log_type warning"
} > "$conf"
exec mosquitto -c "$conf"

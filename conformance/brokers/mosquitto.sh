#!/bin/sh
# Runs Debian's mosquitto on 127.0.0.1:PORT with its own configuration, in the foreground (so the
# caller can stop exactly this process). Used as: conformance --broker-cmd 'brokers/mosquitto.sh {port}'
#   mosquitto.sh PORT            default configuration (anonymous access, no persistence)
#   mosquitto.sh PORT apsaramq   configured to ApsaraMQ's documented limits where mosquitto can:
#                                max_keepalive 480, max_packet_size 131072, max_topic_alias 30,
#                                max_inflight_messages 65535, message_size_limit 65536 (64 KB body)
#   mosquitto.sh PORT restricted a locked-down broker for the reason-code checks, described by
#                                brokers/mosquitto-restricted.profile.json: run the suite with
#                                --profile brokers/mosquitto-restricted.profile.json
#                                --username conformance --password conformance-pw
#                                * password file with the one user conformance / conformance-pw
#                                  (created with mosquitto_passwd in the temporary directory), no
#                                  anonymous access (CONNACK 0x87 / 5) and a wrong password 0x86 / 4
#                                * ACL: conformance/# (the default --topic-root) read and write,
#                                  read-only/# read only (a PUBLISH there gets PUBACK 0x87)
#                                * max_qos 1, retain_available false, max_packet_size 4096,
#                                  allow_zero_length_clientid false (an empty client id is refused)
#   mosquitto.sh PORT inflight   anonymous, max_inflight_messages 2 (CONNACK Receive Maximum 2), as
#                                brokers/mosquitto-inflight.profile.json says (the 0x93 check)
set -eu
port=${1:?usage: mosquitto.sh PORT [default|apsaramq|restricted|inflight]}
profile=${2:-default}
PATH="$PATH:/usr/sbin"
command -v mosquitto >/dev/null 2>&1 || {
    echo "mosquitto is not installed: apt-get install -y mosquitto" >&2
    exit 127
}
dir=$(mktemp -d "${TMPDIR:-/tmp}/conformance-mosquitto.XXXXXX")
conf="$dir/mosquitto.conf"
case "$profile" in
default | apsaramq | restricted | inflight) ;;
*)
    echo "unknown configuration $profile (default, apsaramq, restricted, inflight)" >&2
    exit 2
    ;;
esac
if [ "$profile" = restricted ]; then
    command -v mosquitto_passwd >/dev/null 2>&1 || {
        echo "mosquitto_passwd is not installed (package mosquitto)" >&2
        exit 127
    }
    : > "$dir/passwd"
    chmod 600 "$dir/passwd"
    mosquitto_passwd -b "$dir/passwd" conformance conformance-pw
    {
        echo "user conformance"
        echo "topic readwrite conformance/#"
        echo "topic read read-only/#"
    } > "$dir/acl"
fi
{
    echo "listener $port 127.0.0.1"
    # Started as root, mosquitto would switch to the user "mosquitto", which cannot read the
    # password and ACL files in the private temporary directory: stay the current user.
    echo "user $(id -un)"
    echo "persistence false"
    echo "log_dest stderr"
    echo "log_type error"
    echo "log_type warning"
    case "$profile" in
    apsaramq)
        echo "allow_anonymous true"
        echo "max_keepalive 480"
        echo "max_packet_size 131072"
        echo "max_topic_alias 30"
        echo "max_inflight_messages 65535"
        echo "message_size_limit 65536"
        ;;
    restricted)
        echo "allow_anonymous false"
        echo "password_file $dir/passwd"
        echo "acl_file $dir/acl"
        echo "max_qos 1"
        echo "retain_available false"
        echo "max_packet_size 4096"
        echo "allow_zero_length_clientid false"
        ;;
    inflight)
        echo "allow_anonymous true"
        echo "max_inflight_messages 2"
        ;;
    *)
        echo "allow_anonymous true"
        ;;
    esac
} > "$conf"
# Not exec: the temporary directory (it may hold a password file) is removed when mosquitto stops.
mosquitto -c "$conf" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' TERM INT
wait "$pid"
status=$?
rm -rf "$dir"
exit "$status"

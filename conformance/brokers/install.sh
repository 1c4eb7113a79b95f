#!/bin/sh
# Installs one broker under test, when it is not installed yet, and prints the directory it lives
# in (the only thing on stdout; progress and errors go to stderr):
#   install.sh aedes      npm package aedes, pinned by aedes/package-lock.json (npm ci)
#   install.sh amqtt      PyPI package amqtt in its own venv, pinned by amqtt/requirements.txt
#   install.sh rumqttd    crates.io rumqttd, compiled here from rumqttd/ (our main over the library;
#                         every crate pinned by rumqttd/Cargo.lock, see rumqttd/Cargo.toml for why)
#   install.sh rabbitmq   Debian's rabbitmq-server (3.10 on bookworm) with its rabbitmq_mqtt plugin
#                         (apt-get; prints /usr/lib/rabbitmq)
# The npm, PyPI and crates.io installs go to a cache directory that later runs reuse:
# $CONFORMANCE_BROKER_CACHE, else target/brokers/ of this repository (gitignored). Each lands in
# a directory named after its pin (a hash of the lock file, or the version), so changing a pin
# installs afresh, and is built in a temporary directory moved into place only when complete, so
# an interrupted install is never taken for a finished one.
# Exit status: 0 when the broker is there, non-zero with the reason on stderr otherwise.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${CONFORMANCE_BROKER_CACHE:-$repo/target/brokers}
name=${1:?usage: install.sh aedes|amqtt|rumqttd|rabbitmq}

need() { # need COMMAND WHAT-PROVIDES-IT
    command -v "$1" >/dev/null 2>&1 || {
        echo "install.sh $name: $1 is not installed ($2)" >&2
        exit 127
    }
}
pin_hash() { # a short name for the content of a lock file
    sha256sum "$1" | cut -c1-12
}
# begin DIR: start an install in DIR.tmp, removed again if the script stops before finish.
begin() {
    partial="$1.tmp"
    rm -rf "$partial"
    mkdir -p "$partial"
    trap 'rm -rf "$partial"' EXIT
}
# finish DIR: the install built in DIR.tmp is complete; move it into place.
finish() {
    rm -rf "$1"
    mv "$1.tmp" "$1"
    trap - EXIT
}

case "$name" in
aedes)
    dir="$cache/aedes-$(pin_hash "$here/aedes/package-lock.json")"
    if [ ! -e "$dir/node_modules/aedes/package.json" ]; then
        need node "Debian package nodejs"
        need npm "Debian package npm"
        echo "==> installing aedes into $dir (npm ci, pinned by conformance/brokers/aedes/package-lock.json)" >&2
        begin "$dir"
        cp "$here/aedes/package.json" "$here/aedes/package-lock.json" "$dir.tmp/"
        (cd "$dir.tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
        finish "$dir"
    fi
    ;;
amqtt)
    dir="$cache/amqtt-$(pin_hash "$here/amqtt/requirements.txt")"
    if [ ! -e "$dir/.installed" ]; then
        need python3 "CPython 3.10 or later, with the venv module"
        echo "==> installing amqtt into $dir (venv; pip, pinned by conformance/brokers/amqtt/requirements.txt)" >&2
        # A venv records its own path in its scripts, so it cannot be moved into place: it is
        # built where it stays and marked complete (.installed) only when pip succeeded.
        rm -rf "$dir"
        python3 -m venv "$dir" >&2
        "$dir/bin/pip" install --quiet --disable-pip-version-check --no-deps \
            -r "$here/amqtt/requirements.txt" >&2 || {
            rm -rf "$dir"
            echo "install.sh amqtt: pip install failed" >&2
            exit 1
        }
        : > "$dir/.installed"
    fi
    ;;
rumqttd)
    # rumqttd/: our main over the rumqttd library, every crate pinned by rumqttd/Cargo.lock.
    dir="$cache/rumqttd-$(cat "$here/rumqttd/Cargo.toml" "$here/rumqttd/Cargo.lock" \
        "$here/rumqttd/src/main.rs" | sha256sum | cut -c1-12)"
    if [ ! -x "$dir/bin/rumqttd" ]; then
        need cargo "the Rust toolchain"
        echo "==> building rumqttd into $dir (cargo build --locked, pinned by conformance/brokers/rumqttd/Cargo.lock; a few minutes)" >&2
        begin "$dir"
        mkdir "$dir.tmp/bin"
        # The build directory is kept (and shared by every pin) so that a changed pin rebuilds
        # only what changed.
        cargo build --quiet --release --locked --manifest-path "$here/rumqttd/Cargo.toml" \
            --target-dir "$cache/rumqttd-build" >&2
        cp "$cache/rumqttd-build/release/rumqttd" "$dir.tmp/bin/rumqttd"
        finish "$dir"
    fi
    ;;
rabbitmq)
    dir=/usr/lib/rabbitmq
    if [ ! -x "$dir/bin/rabbitmq-server" ] || ! command -v epmd >/dev/null 2>&1; then
        echo "==> installing Debian package rabbitmq-server (apt-get)" >&2
        if [ "$(id -u)" != 0 ]; then
            echo "install.sh rabbitmq: not root: run 'sudo apt-get install -y rabbitmq-server' first" >&2
            exit 1
        fi
        # The package's postinst starts the system-wide service (every interface, port 5672)
        # through invoke-rc.d; a policy-rc.d that says 101 forbids that. Ours only when the
        # machine has none, and removed again.
        policy=
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            policy=/usr/sbin/policy-rc.d
        fi
        status=0
        if [ -z "${APT_UPDATED:-}" ]; then
            DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || status=$?
        fi
        if [ "$status" = 0 ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                rabbitmq-server >&2 || status=$?
        fi
        [ -z "$policy" ] || rm -f "$policy"
        if [ "$status" != 0 ]; then
            echo "install.sh rabbitmq: apt-get failed ($status)" >&2
            exit "$status"
        fi
    fi
    ls "$dir"/lib/rabbitmq_server-*/plugins/rabbitmq_mqtt-* >/dev/null 2>&1 || {
        echo "install.sh rabbitmq: the rabbitmq_mqtt plugin is missing from $dir" >&2
        exit 1
    }
    ;;
*)
    echo "install.sh: unknown broker $name (aedes, amqtt, rumqttd, rabbitmq)" >&2
    exit 2
    ;;
esac
echo "$dir"

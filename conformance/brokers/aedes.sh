#!/bin/sh
# Runs aedes (npm; version pinned by aedes/package-lock.json) on 127.0.0.1:PORT in the foreground,
# so the caller can stop exactly this process: conformance --broker-cmd 'brokers/aedes.sh {port}'
# --protocol 3.1.1 (aedes speaks MQTT 3.1 and 3.1.1, not 5.0). Our own aedes/server.mjs: one TCP
# listener, in-memory persistence, every option at the package's default. The package is
# installed on first use into the cache of install.sh (announced on stderr).
# aedes keeps no files, so node is exec'd: its PID is this script's, and SIGTERM/SIGINT reach it
# directly (server.mjs closes the clients and exits within a second).
set -eu
port=${1:?usage: aedes.sh PORT}
here=$(cd "$(dirname "$0")" && pwd)
modules=$("$here/install.sh" aedes)
exec node "$here/aedes/server.mjs" "$port" "$modules"

# Shared by scripts/*.sh: install Debian packages only when a command is missing, saying so.
need_pkg() { # need_pkg COMMAND PACKAGE...
    cmd=$1; shift
    if command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ]; then
        return 0
    fi
    echo "==> $cmd is missing: installing Debian package(s) $* (apt-get)" >&2
    if [ "$(id -u)" != 0 ]; then
        echo "    not root: run 'sudo apt-get install -y $*' first" >&2
        return 1
    fi
    if [ -z "${APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

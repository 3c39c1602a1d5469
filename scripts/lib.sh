# shellcheck shell=bash
# Shared helpers for the Swarmdeck bootstrap scripts. Source it; don't run it.
#
# The engine marker: when scripts/ensure-engine.sh starts dockerd itself it writes
# dockerd's PID to "$SWARMDECK_MARKER". Later steps (scripts/swarm-allowed.sh,
# `make clean-engine`) read it to know the engine is ours to initialise swarm on
# and to stop. An engine that was already running is never marked.

# dockerd and iptables live in sbin, which a non-login or non-root PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac
case ":$PATH:" in *:/sbin:*) ;; *) PATH="$PATH:/sbin" ;; esac
export PATH

SWARMDECK_STATE_DIR="${SWARMDECK_STATE_DIR:-/var/tmp/swarmdeck}"
SWARMDECK_MARKER="$SWARMDECK_STATE_DIR/engine-started-by-swarmdeck"
# shellcheck disable=SC2034 # used by the scripts that source this file
SWARMDECK_DOCKERD_LOG="$SWARMDECK_STATE_DIR/dockerd.log"
SWARMDECK_DEFAULT_HOST="unix:///var/run/docker.sock"

# The engine the tests will talk to: $DOCKER_HOST if set, else the default socket.
swarmdeck_engine_host() {
    printf '%s\n' "${DOCKER_HOST:-$SWARMDECK_DEFAULT_HOST}"
}

# True when an engine answers at swarmdeck_engine_host. The timeout guards
# against a socket whose daemon hangs instead of refusing.
swarmdeck_engine_answers() {
    command -v docker >/dev/null 2>&1 || return 1
    DOCKER_HOST="$(swarmdeck_engine_host)" \
        timeout 15 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

# True when $1 is the PID of a live dockerd (guards against PID reuse).
swarmdeck_pid_is_dockerd() {
    local pid="$1" comm
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    [[ "$comm" == dockerd ]]
}

# Prints the PID of the dockerd we started, if it is still alive, and succeeds.
# A marker whose dockerd is gone is removed, and the function fails.
swarmdeck_our_engine_pid() {
    local pid
    [[ -f "$SWARMDECK_MARKER" ]] || return 1
    pid="$(tr -d '[:space:]' <"$SWARMDECK_MARKER" 2>/dev/null || true)"
    if swarmdeck_pid_is_dockerd "$pid"; then
        printf '%s\n' "$pid"
        return 0
    fi
    rm -f "$SWARMDECK_MARKER"
    return 1
}

# Stops dockerd only if the marker says we started it; otherwise does nothing.
swarmdeck_stop_engine() {
    local pid i
    if ! pid="$(swarmdeck_our_engine_pid)"; then
        echo "engine: not started by swarmdeck; leaving it alone" >&2
        return 0
    fi
    kill -TERM "$pid"
    # dockerd stops its containers first; give it up to 30 s, then force it.
    for ((i = 0; i < 60; i++)); do
        swarmdeck_pid_is_dockerd "$pid" || break
        sleep 0.5
    done
    if swarmdeck_pid_is_dockerd "$pid"; then
        echo "engine: dockerd (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$SWARMDECK_MARKER"
    echo "engine: stopped dockerd (pid $pid)" >&2
}

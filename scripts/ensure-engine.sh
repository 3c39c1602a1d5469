#!/usr/bin/env bash
# Makes sure a Docker engine answers for the tests, the benches and the app.
#
#  - An engine that already answers (at $DOCKER_HOST, or /var/run/docker.sock when
#    that is unset) is used as it is and never marked as ours.
#  - Otherwise dockerd (and the docker CLI, and iptables) are installed with apt
#    when missing, dockerd is started in the background, and its PID is written to
#    $SWARMDECK_STATE_DIR/engine-started-by-swarmdeck so later steps know the
#    engine is ours (scripts/swarm-allowed.sh, `make clean-engine`).
#
# Swarm is NOT initialised here: the test suite does that through our own code,
# when scripts/swarm-allowed.sh says it may.
#
# Idempotent; prints one line of what it did, to stderr, and nothing to stdout.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly WAIT_SECONDS=60

say() { printf 'engine: %s\n' "$*" >&2; }
die() {
    printf 'engine: %s\n' "$*" >&2
    exit 1
}

how_to_get_an_engine() {
    cat >&2 <<'EOF'
engine: Swarmdeck needs a Docker Engine >= 20.10 that answers at $DOCKER_HOST or
        /var/run/docker.sock.
  Install: on Debian/Ubuntu, as root:
             apt-get update && apt-get install -y --no-install-recommends docker.io iptables
           elsewhere, Docker Engine >= 20.10 from your distribution.
  Start:   sudo systemctl start docker   (with systemd), or
           sudo sh -c 'dockerd >/var/log/dockerd.log 2>&1 &'
           or run this script again as root, which does both.
  Non-root use also needs access to the socket (e.g. membership of group "docker").
EOF
}

# Installs dockerd, the docker CLI, iptables and the distribution registry (the private-registry tests run one)
# when any of them is missing.
ensure_installed() {
    if command -v dockerd >/dev/null 2>&1 &&
        command -v docker >/dev/null 2>&1 &&
        command -v iptables >/dev/null 2>&1 &&
        command -v docker-registry >/dev/null 2>&1; then
        return 0
    fi
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        how_to_get_an_engine
        die "dockerd, docker, iptables or docker-registry is missing and this script can only install them as root with apt-get"
    fi
    local apt_log="$SWARMDECK_STATE_DIR/apt.log"
    say "installing docker.io, iptables and docker-registry with apt-get (log: $apt_log)"
    if ! {
        apt-get update &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io iptables docker-registry
    } >"$apt_log" 2>&1; then
        tail -n 30 "$apt_log" >&2 || true
        die "apt-get failed; see $apt_log"
    fi
    command -v dockerd >/dev/null 2>&1 || die "docker.io is installed but dockerd is not on PATH"
    command -v docker >/dev/null 2>&1 || die "docker.io is installed but docker is not on PATH"
}

# Starts dockerd detached from this shell and prints its PID.
start_dockerd() {
    # DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: before starting a swarm service task,
    # dockerd's swarm executor pulls the task's image from its registry. With this
    # set to 1 it uses the local image instead when one is present. No image
    # registry is reachable here and the test images are built locally, so
    # without it every task would fail with a pull error.
    #
    # The subshell closes every descriptor above 2 first, so dockerd does not hold
    # a pipe of whoever ran us (make, CI) open; it then execs setsid, which (not
    # being a process-group leader here) execs dockerd in place, so $! is
    # dockerd's PID.
    (
        for fd_path in /proc/"$BASHPID"/fd/*; do
            fd="${fd_path##*/}"
            if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then
                eval "exec $fd>&-" 2>/dev/null || true
            fi
        done
        DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 exec setsid dockerd
    ) >"$SWARMDECK_DOCKERD_LOG" 2>&1 </dev/null &
    printf '%s\n' "$!"
}

# Polls `docker info` every 0.5 s until the engine answers, $1 (a dockerd PID we
# are waiting on) dies, or the deadline passes.
wait_for_engine() {
    local pid="$1" deadline=$((SECONDS + WAIT_SECONDS))
    while ! swarmdeck_engine_answers; do
        if ! kill -0 "$pid" 2>/dev/null; then
            if [[ "$(cat "$SWARMDECK_MARKER" 2>/dev/null || true)" == "$pid" ]]; then
                rm -f "$SWARMDECK_MARKER"
            fi
            show_log_tail
            die "dockerd (pid $pid) exited before answering"
        fi
        if ((SECONDS >= deadline)); then
            show_log_tail
            die "dockerd (pid $pid) did not answer within ${WAIT_SECONDS} s; it is left running (make clean-engine stops it if swarmdeck started it)"
        fi
        sleep 0.5
    done
}

show_log_tail() {
    if [[ -f "$SWARMDECK_DOCKERD_LOG" ]]; then
        echo "engine: last 30 lines of $SWARMDECK_DOCKERD_LOG:" >&2
        tail -n 30 "$SWARMDECK_DOCKERD_LOG" >&2 || true
    fi
}

main() {
    local host our_pid other_pid pid
    host="$(swarmdeck_engine_host)"
    # Also drops a marker whose dockerd has died.
    our_pid="$(swarmdeck_our_engine_pid)" || our_pid=""

    if swarmdeck_engine_answers; then
        if [[ -n "$our_pid" ]]; then
            say "using dockerd (pid $our_pid), started earlier by swarmdeck, at $host"
        else
            say "using the running engine at $host"
        fi
        return 0
    fi

    # Nothing answers. We can only start an engine on the default local socket.
    if [[ "$host" != "$SWARMDECK_DEFAULT_HOST" ]]; then
        die "no engine answers at DOCKER_HOST=$host; start that engine, or unset DOCKER_HOST to let this script start a local dockerd"
    fi

    if [[ -n "$our_pid" ]]; then
        # Ours, alive, not answering yet (e.g. an earlier run timed out): wait.
        say "waiting for dockerd (pid $our_pid), started earlier by swarmdeck"
        wait_for_engine "$our_pid"
        say "dockerd (pid $our_pid), started earlier by swarmdeck, now answers at $host"
        return 0
    fi

    other_pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if swarmdeck_pid_is_dockerd "$other_pid"; then
        # Someone else's dockerd is starting up (or stuck); a second one would
        # fail on its pidfile. Wait for it, but don't mark it as ours.
        say "waiting for dockerd (pid $other_pid), not started by swarmdeck"
        wait_for_engine "$other_pid"
        say "using the running engine at $host"
        return 0
    fi

    if [[ $EUID -ne 0 ]]; then
        how_to_get_an_engine
        die "no engine answers at $host and only root can start dockerd"
    fi

    mkdir -p "$SWARMDECK_STATE_DIR"
    ensure_installed

    pid="$(start_dockerd)"
    # Marked at once, so that a rerun after a timeout waits for this dockerd
    # and `make clean-engine` can stop it.
    printf '%s\n' "$pid" >"$SWARMDECK_MARKER"
    wait_for_engine "$pid"

    # Trust dockerd's own pidfile over $! should the two ever differ.
    other_pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if [[ "$other_pid" != "$pid" ]] && swarmdeck_pid_is_dockerd "$other_pid"; then
        pid="$other_pid"
        printf '%s\n' "$pid" >"$SWARMDECK_MARKER"
    fi
    say "started dockerd (pid $pid) at $host; log: $SWARMDECK_DOCKERD_LOG"
}

main "$@"

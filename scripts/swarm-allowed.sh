#!/usr/bin/env bash
# Prints 1 when the test suite may initialise (and leave) a swarm on the engine,
# else 0. Allowed when:
#  - CI=true (CI's machine is its own), or
#  - the engine was started by scripts/ensure-engine.sh and is still alive
#    (marker file with a live dockerd PID), or
#  - SWARMDECK_ALLOW_SWARM_INIT=1 is already set by the caller.
# Otherwise the engine belongs to someone else and its swarm state is left alone.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${CI:-}" == true || "${SWARMDECK_ALLOW_SWARM_INIT:-}" == 1 ]] ||
    swarmdeck_our_engine_pid >/dev/null; then
    echo 1
else
    echo 0
fi

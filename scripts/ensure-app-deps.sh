#!/usr/bin/env bash
# Installs what building and driving the desktop app needs, once: WebKitGTK 4.1 and friends, Xvfb for a
# headless display, WebKitWebDriver and tauri-driver for the end-to-end suite, and the UI's npm packages.
# A second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'app-deps: %s\n' "$*" >&2; }

PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev libdbus-1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
    pkg-config build-essential file xvfb xauth webkit2gtk-driver)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        say "missing system packages: ${missing[*]}"
        say "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
        exit 1
    fi
    say "installing ${missing[*]}"
    log="${SWARMDECK_STATE_DIR:-/var/tmp/swarmdeck}/apt-app.log"
    mkdir -p "$(dirname "$log")"
    if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2 || true
        say "apt-get failed; see $log"
        exit 1
    fi
fi

if ! command -v tauri-driver >/dev/null 2>&1; then
    say "installing tauri-driver (cargo install, about a minute)"
    cargo install tauri-driver --locked --quiet
fi

# npm ci reinstalls from scratch; skip it while node_modules matches the lock file.
if [[ ! -f ui/node_modules/.package-lock.json ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
    say "installing the UI's npm packages"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# Swarmdeck developer and CI entry points. `make test` is what .ci/run runs.
#
# `test` lists its steps as prerequisites; without -j make runs them left to
# right and stops at the first failure. Add new steps (e.g. a UI check) there.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

CARGO ?= cargo
# The fixture is linked statically for a FROM-scratch test image. The explicit
# --target keeps these RUSTFLAGS away from the host build in target/debug.
FIXTURE_TARGET := x86_64-unknown-linux-gnu

.PHONY: test engine app-deps ui check-format lint fixture test-rust test-cluster test-ui test-e2e bindings bench run sweep clean-engine

# Everything CI checks, in order.
test: engine app-deps ui check-format lint fixture test-ui test-rust test-cluster test-e2e

# WebKitGTK, Xvfb, WebKitWebDriver, tauri-driver and the UI's npm packages.
app-deps:
	scripts/ensure-app-deps.sh

# The UI bundle the app embeds (tauri's context needs ui/dist at compile time).
ui: app-deps
	cd ui && npm run build

# svelte-check, tsc and the UI's unit tests.
test-ui: ui
	cd ui && npm run check && npm test

# Regenerate ui/src/bindings.ts from the Rust commands and events.
bindings:
	SWARMDECK_WRITE_BINDINGS=1 $(CARGO) test -p swarmdeck-app --lib bindings_are_up_to_date

# Make sure a Docker engine answers (installs and starts dockerd when needed).
engine:
	scripts/ensure-engine.sh

# Formatting must already be rustfmt's.
check-format:
	$(CARGO) fmt --all --check

# Clippy on every crate and target; any warning fails.
lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The static test-fixture binary the integration tests put into images.
fixture:
	RUSTFLAGS='-C target-feature=+crt-static' \
	  $(CARGO) build --release -p swarmdeck-fixture --target $(FIXTURE_TARGET)

# Unit and integration tests. Swarm init is allowed only on CI or on an engine
# that scripts/ensure-engine.sh started (see scripts/swarm-allowed.sh).
test-rust:
	$(CARGO) build --workspace --bins  # the suites drive the swarmdeck binary as a separate process
	allow="$$(scripts/swarm-allowed.sh)"; \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  SWARMDECK_ALLOW_SWARM_INIT="$$allow" $(CARGO) nextest run --workspace --no-fail-fast -E 'not binary(e2e) and not binary(cluster)'; \
	else \
	  SWARMDECK_ALLOW_SWARM_INIT="$$allow" $(CARGO) test --workspace --exclude swarmdeck-tests && SWARMDECK_ALLOW_SWARM_INIT="$$allow" $(CARGO) test -p swarmdeck-tests --test orchestrator; \
	fi

# The local cluster: extra engines in network namespaces join the suites' swarm, so this runs alone, one test at a
# time, after the other suites, with the app's Cluster view case (root only: namespaces; elsewhere the tests say
# what is missing).
test-cluster: engine fixture ui
	$(CARGO) build --workspace --bins
	SWARMDECK_ALLOW_SWARM_INIT="$$(scripts/swarm-allowed.sh)" $(CARGO) nextest run -p swarmdeck-tests --test cluster --no-fail-fast --test-threads 1
	SWARMDECK_ALLOW_SWARM_INIT="$$(scripts/swarm-allowed.sh)" xvfb-run -a $(CARGO) nextest run -p swarmdeck-tests --test e2e --no-fail-fast -E 'test(/^cluster::/)'

# The real app under Xvfb, driven by tauri-driver, against the real engine. Runs after the other suites: one
# case stops and restarts an engine that scripts/ensure-engine.sh started.
test-e2e: engine fixture
	$(CARGO) build --workspace --bins
	SWARMDECK_ALLOW_SWARM_INIT="$$(scripts/swarm-allowed.sh)" xvfb-run -a $(CARGO) nextest run -p swarmdeck-tests --test e2e --no-fail-fast -E 'not test(/^cluster::/)'

# Benchmarks (they need the engine and the fixture too). The UI bench drives the real app like test-e2e does, so it
# needs the UI bundle, the release app (what users run) and a display: Xvfb unless one is given. Figures go to
# target/bench/.
bench: engine fixture ui
	$(CARGO) build --workspace --bins
	$(CARGO) build --release -p swarmdeck-app
	xvfb="$$([[ -n "$${DISPLAY:-}" ]] || echo 'xvfb-run -a')"; \
	SWARMDECK_ALLOW_SWARM_INIT="$$(scripts/swarm-allowed.sh)" $$xvfb $(CARGO) bench -p swarmdeck-tests

# Open the desktop app against the local engine (starting the engine first). Without a display it says so;
# `xvfb-run -a make run` works.
run: engine ui
	$(CARGO) build --workspace --bins
	@if [[ -z "$${DISPLAY:-}" && -z "$${WAYLAND_DISPLAY:-}" ]]; then \
	  echo "make run: no display (DISPLAY and WAYLAND_DISPLAY are unset); try: xvfb-run -a make run" >&2; exit 1; \
	fi
	target/debug/swarmdeck-app

# Remove test resources (labelled by the suite) that a killed run left behind.
sweep:
	$(CARGO) run -q -p swarmdeck-tests --bin sweep

# Stop dockerd, but only if scripts/ensure-engine.sh started it.
clean-engine:
	source scripts/lib.sh; swarmdeck_stop_engine

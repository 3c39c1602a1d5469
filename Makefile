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

.PHONY: test engine check-format lint fixture test-rust bench run sweep clean-engine

# Everything CI checks, in order.
test: engine check-format lint fixture test-rust

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
	  SWARMDECK_ALLOW_SWARM_INIT="$$allow" $(CARGO) nextest run --workspace --no-fail-fast; \
	else \
	  SWARMDECK_ALLOW_SWARM_INIT="$$allow" $(CARGO) test --workspace; \
	fi

# Benchmarks (they need the engine and the fixture too).
bench: engine fixture
	SWARMDECK_ALLOW_SWARM_INIT="$$(scripts/swarm-allowed.sh)" $(CARGO) bench -p swarmdeck-tests

# Show the swarm through the CLI. (The desktop app will replace this later.)
run: engine
	$(CARGO) run -p swarmdeck-cli -- swarm status

# Remove test resources (labelled by the suite) that a killed run left behind.
sweep:
	$(CARGO) run -q -p swarmdeck-tests --bin sweep

# Stop dockerd, but only if scripts/ensure-engine.sh started it.
clean-engine:
	source scripts/lib.sh; swarmdeck_stop_engine

# The commands the README names. `make run` starts the service on the
# embedded SQLite default; `make test` runs every test (both databases).

CARGO ?= cargo

.PHONY: run test contract console-test lint fmt openapi check-deps build bench sdk examples

run:
	$(CARGO) run -p patchbay -- serve

build:
	$(CARGO) build --workspace --all-targets

# Postgres is checked first: without it half of the tests are skipped (and
# still reported as `ok`), so that is said loudly before and after; with
# CI=true it stops here instead.
test:
	@scripts/check-test-postgres.sh
	$(CARGO) test --workspace --all-targets --no-fail-fast
	$(CARGO) test --workspace --doc
	CARGO="$(CARGO)" scripts/run-examples.sh
	scripts/contract-tests.sh
	scripts/console-tests.sh
	@scripts/check-test-postgres.sh --reminder

# The embedding examples alone (make test runs them too).
examples:
	CARGO="$(CARGO)" scripts/run-examples.sh

# The contract tests alone: schemathesis and the shipped SDKs' round trips
# against a live server.
contract:
	scripts/contract-tests.sh

# The web console in headless Chromium against a live server, on SQLite and
# on Postgres (screenshots in target/console/).
console-test:
	scripts/console-tests.sh

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps
	scripts/check-deps.sh
	scripts/sdk.sh --check

fmt:
	$(CARGO) fmt --all

# Regenerate the committed spec from the code (a test fails when they differ).
openapi:
	$(CARGO) run -q -p patchbay -- openapi > openapi/openapi.json

# Regenerate the shipped SDKs under sdks/ from the committed spec (pinned
# generators; needs python3 and npm). `make lint` fails when they are stale.
sdk:
	scripts/sdk.sh

check-deps:
	scripts/check-deps.sh

# Load benchmark (release build, SQLite then a throw-away Postgres database,
# wrk + pgbench on loopback); prints a table and writes target/bench/.
# Not a test and not part of `make test` or CI; see docs/performance.md.
bench:
	CARGO="$(CARGO)" scripts/bench/run.sh $(BENCH_ARGS)

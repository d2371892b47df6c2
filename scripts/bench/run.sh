#!/usr/bin/env bash
# `make bench`: build the release binary, make sure a load generator is
# present, then run the benchmark (scripts/bench/bench.py; options pass
# through, e.g. `scripts/bench/run.sh --duration 5`). Not part of `make test`
# or CI. Needs a local Postgres on 127.0.0.1:5432 with trust auth for user
# postgres (override with BENCH_PG_HOST / BENCH_PG_PORT / BENCH_PG_USER).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v wrk >/dev/null 2>&1; then
    echo "bench: wrk not found; installing it from Debian (apt-get install -y wrk)" >&2
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y wrk >&2 || { apt-get update >&2 && apt-get install -y wrk >&2; }
    else
        sudo apt-get install -y wrk >&2
    fi
fi
for tool in pgbench psql python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is required" >&2; exit 2; }
done

# BENCH_REF=<commit> measures that commit instead of the working tree: its
# files are exported to target/bench/src (no checkout, the working tree is
# left alone) and built into the same target directory, so dependencies are
# shared with the normal build.
if [ -n "${BENCH_REF:-}" ]; then
    src=target/bench/src
    rev="$(git rev-parse "$BENCH_REF^{commit}")"
    # Re-export only when the service's sources changed: fresh files would
    # have fresh mtimes and make cargo rebuild every workspace crate.
    sources="$(git ls-tree -r "$rev" -- Cargo.toml Cargo.lock bin crates migrations | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$src/.bench-sources" 2>/dev/null)" != "$sources" ]; then
        rm -rf "$src" && mkdir -p "$src"
        git archive "$rev" | tar -x -C "$src"
        echo "$sources" > "$src/.bench-sources"
    fi
    echo "bench: cargo build --release -p patchbay (at ${rev:0:7})" >&2
    target_dir="$PWD/target"
    (cd "$src" && ${CARGO:-cargo} build --release -p patchbay --target-dir "$target_dir" >&2)
    export BENCH_COMMIT="${rev:0:7}"
else
    echo "bench: cargo build --release -p patchbay" >&2
    ${CARGO:-cargo} build --release -p patchbay >&2
fi

exec python3 scripts/bench/bench.py "$@"

#!/usr/bin/env bash
# Contract tests against the live server: schemathesis (all checks, positive
# and negative data) over the served OpenAPI document, then an SDK generated
# from the committed document by a standard generator, driven through a
# create/list/read/update/test/delete round trip.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

target_dir="${CARGO_TARGET_DIR:-$root/target}"
venv="$target_dir/pyenv"
stamp="$venv/.patchbay-deps"
deps="schemathesis==4.32.5 openapi-python-client==0.29.1"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$deps" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check $deps
    echo "$deps" > "$stamp"
fi

cargo build -q -p patchbay
bin="$target_dir/debug/patchbay"

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# `exec`, so that $! is the server itself and the cleanup stops it (a plain
# subshell left the server running after every `make test`). Schemathesis
# presents bad keys on purpose, from one address, as fast as it can: the
# limit of refused keys per address is off, or it would answer the rest of
# the run 429 (the limit has its own tests).
(cd "$work" && exec env -u PATCHBAY__DATABASE__URL PATCHBAY__HTTP__PORT="$port" PATCHBAY__API__AUTH_FAILURE_LIMIT=0 RUST_LOG=warn "$bin" serve >"$work/out.log" 2>"$work/err.log") &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
# Output that is not a terminal never holds the key: it is in this file.
key=$(cat "$work/data/bootstrap-admin.key" 2>/dev/null || true)
if [ -z "$key" ]; then echo "no bootstrap key in $work/data/bootstrap-admin.key" >&2; cat "$work/err.log" >&2; exit 1; fi

echo "== schemathesis"
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "http://127.0.0.1:$port/api/openapi.json" \
    --header "Authorization: Bearer $key" \
    --checks all \
    --mode all \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
    --seed 1 \
    --generation-database none \
    --no-color \
    --report junit --report-dir "$target_dir/schemathesis"

echo "== generated SDK"
sdk="$target_dir/sdk"
rm -rf "$sdk"
"$venv/bin/openapi-python-client" generate --path openapi/openapi.json --output-path "$sdk" --overwrite --config scripts/sdk-generator.yaml >/dev/null
PYTHONPATH="$sdk" "$venv/bin/python" scripts/sdk_smoke.py "http://127.0.0.1:$port" "$key"

if grep -q 'panicked' "$work/err.log"; then
    echo "the server panicked during the contract tests" >&2
    grep -A5 panicked "$work/err.log" >&2
    exit 1
fi
echo "contract tests: 2 passed, 0 failed"

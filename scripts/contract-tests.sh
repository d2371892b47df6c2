#!/usr/bin/env bash
# Contract tests against the live server, on SQLite and on Postgres:
# schemathesis (all checks, positive and negative data) over the served
# OpenAPI document; then the shipped SDKs (sdks/python under `mypy --strict`,
# sdks/typescript under `tsc --strict`, including configs that must not
# compile) each driven through a round trip of every integration type
# against a second server whose providers are a local mock
# (scripts/mock_providers.py). Postgres is the tests' server
# ($PATCHBAY_TEST_POSTGRES_URL, or the default in testing.rs), with a fresh
# database per server; outside CI an unreachable one skips that half loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

target_dir="${CARGO_TARGET_DIR:-$root/target}"
venv="$target_dir/pyenv"
stamp="$venv/.patchbay-deps"
# The SDK's own dependencies are pinned here too, so every run type-checks
# and tests against the same versions.
deps="schemathesis==4.32.5 mypy==2.4.1 httpx==0.28.1 attrs==26.1.0 python-dateutil==2.9.0.post0 types-python-dateutil==2.9.0.20261116"
# The stamp names the venv's own path too: a venv copied from another
# checkout runs that checkout's interpreter (its scripts' #! lines), so it
# is rebuilt rather than installed into.
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$venv $deps" ]; then
    python3 -m venv --clear "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check $deps
    echo "$venv $deps" > "$stamp"
    rm -f "$venv/.patchbay-sdk"
fi
# The shipped Python SDK, installed as a user would; built from a copy so
# that the build leaves nothing in the tree, and again only when it changed.
sdk_hash=$(find sdks/python/pyproject.toml sdks/python/patchbay_api_client -type f -not -name '*.pyc' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$venv/.patchbay-sdk" 2>/dev/null)" != "$sdk_hash" ]; then
    sdk_copy=$(mktemp -d)
    cp -r sdks/python/pyproject.toml sdks/python/patchbay_api_client "$sdk_copy/"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$sdk_copy"
    rm -rf "$sdk_copy"
    echo "$sdk_hash" > "$venv/.patchbay-sdk"
fi
cargo build -q -p patchbay
bin="$target_dir/debug/patchbay"

work=$(mktemp -d)
pids=()
databases=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    for db in "${databases[@]}"; do
        psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

default_pg=$(grep -A1 'DEFAULT_POSTGRES_URL: &str' crates/storage/src/testing.rs |
    grep -o '"postgres://[^"]*"' | tr -d '"')
pg_admin="${PATCHBAY_TEST_POSTGRES_URL:-$default_pg}"

# server_db NAME: sets $db_var to what gives a server on $backend a fresh
# database of its own (nothing on SQLite: each server has its directory).
server_db() {
    db_var=()
    if [ "$backend" = postgres ]; then
        local name="patchbay_contract_$1_$$"
        psql -q "$pg_admin" -c "CREATE DATABASE \"$name\"" >/dev/null
        databases+=("$name")
        db_var=("PATCHBAY__DATABASE__URL=$(python3 - "$pg_admin" "$name" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
u = urlsplit(sys.argv[1])
print(urlunsplit((u.scheme, u.netloc, "/" + sys.argv[2], u.query, u.fragment)))
PY
)")
    fi
}

# start_server NAME [VAR=value...]: a server with its own SQLite database
# under $work/NAME (unless the variables name another), on a free port;
# sets $base and $key.
start_server() {
    local dir="$work/$1"; shift
    mkdir -p "$dir"
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # `exec`, so that the pid is the server itself and the cleanup stops it
    # (a plain subshell left the server running after every `make test`).
    (cd "$dir" && exec env -u PATCHBAY__DATABASE__URL PATCHBAY__HTTP__PORT="$port" RUST_LOG=warn "$@" "$bin" serve >"$dir/out.log" 2>"$dir/err.log") &
    pids+=($!)
    base="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do
        curl -fs "$base/healthz" >/dev/null 2>&1 && break
        sleep 0.2
    done
    # Output that is not a terminal never holds the key: it is in this file.
    key=$(cat "$dir/data/bootstrap-admin.key" 2>/dev/null || true)
    if [ -z "$key" ]; then echo "no bootstrap key in $dir/data/bootstrap-admin.key" >&2; cat "$dir/err.log" >&2; exit 1; fi
}

# The SDK suites' servers reach every provider at the mock: loopback is
# allowed outbound, the mock's address is an accepted Discord and Slack
# webhook host, and the other providers' base URLs point at it. Workers poll
# quickly and pace nothing, so a send is delivered within the suite's wait.
mock_out="$work/mock.port"
"$venv/bin/python" scripts/mock_providers.py >"$mock_out" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$mock_out" ] && break; sleep 0.1; done
mock_host="127.0.0.1:$(cat "$mock_out")"
mock="http://$mock_host"
# run_suites BACKEND: schemathesis and both SDK suites against servers on
# that backend (sqlite or postgres).
run_suites() {
    backend=$1
    # Schemathesis presents bad keys on purpose, from one address, as fast as it
    # can: the limit of refused keys per address is off, or it would answer the
    # rest of the run 429 (the limit has its own tests).
    server_db schemathesis
    start_server "schemathesis-$backend" PATCHBAY__API__AUTH_FAILURE_LIMIT=0 "${db_var[@]}"

    echo "== schemathesis ($backend)"
    "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "$base/api/openapi.json" \
        --header "Authorization: Bearer $key" \
        --checks all \
        --mode all \
        --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
        --seed 1 \
        --generation-database none \
        --no-color \
        --report junit --report-dir "$target_dir/schemathesis/$backend"

    server_db sdk
    start_server "sdk-$backend" "${db_var[@]}" \
        PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS=127.0.0.0/8 \
        PATCHBAY__PROVIDERS__DISCORD__EXTRA_HOSTS="$mock_host" \
        PATCHBAY__PROVIDERS__SLACK__EXTRA_HOSTS="$mock_host" \
        PATCHBAY__PROVIDERS__SLACK__BASE_URL="$mock/slack/api/" \
        PATCHBAY__PROVIDERS__TELEGRAM__BASE_URL="$mock/tg/" \
        PATCHBAY__PROVIDERS__SENDGRID__BASE_URL="$mock/sendgrid/" \
        PATCHBAY__PROVIDERS__SENDGRID__EU_BASE_URL="$mock/sendgrid/" \
        PATCHBAY__PROVIDERS__RESEND__BASE_URL="$mock/resend/" \
        PATCHBAY__DELIVERY__POLL_INTERVAL_MS=50 \
        PATCHBAY__DELIVERY__PACING=false

    echo "== Python SDK ($backend: mypy --strict, then the round trip)"
    "$venv/bin/python" -m mypy --strict --cache-dir "$target_dir/mypy-cache" sdks/python/patchbay_api_client sdks/python/tests/roundtrip.py
    "$venv/bin/python" sdks/python/tests/roundtrip.py "$base" "$key" "$mock"

    echo "== TypeScript SDK ($backend: tsc --strict, the configs that must not compile, then the round trip)"
    scripts/sdk.sh --typecheck
    # Node runs JavaScript: the suite and the SDK sources it imports are
    # compiled to CommonJS, whose extensionless imports Node resolves.
    ts_out="$target_dir/sdk-ts-test"
    rm -rf "$ts_out"
    node "$target_dir/sdk-node/node_modules/typescript/bin/tsc" --strict --skipLibCheck --target ES2022 \
        --lib ES2022,DOM,DOM.Iterable --module commonjs --moduleResolution node10 \
        --rootDir sdks/typescript --outDir "$ts_out" sdks/typescript/tests/roundtrip.ts
    echo '{"type": "commonjs"}' > "$ts_out/package.json"
    node "$ts_out/tests/roundtrip.js" "$base" "$key" "$mock"
}

run_suites sqlite
passed=3
if psql -q "$pg_admin" -c 'select 1' >/dev/null 2>&1; then
    run_suites postgres
    passed=6
else
    case "${CI:-}" in
        [Tt][Rr][Uu][Ee] | 1) echo "Postgres is unreachable: the contract tests must run on it under CI" >&2; exit 1 ;;
    esac
    echo "!! Postgres is unreachable: the contract tests did NOT run on Postgres" >&2
fi

for log in "$work"/*/err.log; do
    if grep -q 'panicked' "$log"; then
        echo "the server panicked during the contract tests ($log)" >&2
        grep -A5 panicked "$log" >&2
        exit 1
    fi
done
echo "contract tests: $passed passed, 0 failed"

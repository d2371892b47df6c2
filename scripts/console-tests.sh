#!/usr/bin/env bash
# The web console in a real browser: tests/console/suite.mjs drives the
# console in headless Chromium (Debian's chromium at /usr/bin/chromium,
# through playwright-core pinned in tests/console/package-lock.json; no
# browser is downloaded) against the binary, on SQLite and then on a fresh
# Postgres database. Screenshots go to target/console/.
#
# Under CI=true a missing chromium or node fails; elsewhere the suite is
# skipped with a banner (and so is its Postgres half without Postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target_dir="${CARGO_TARGET_DIR:-$root/target}"
chromium=/usr/bin/chromium

case "${CI:-}" in
    [Tt][Rr][Uu][Ee] | 1) ci=true ;;
    *) ci=false ;;
esac

missing=()
command -v node >/dev/null 2>&1 || missing+=(node)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x "$chromium" ] || missing+=("$chromium (apt-get install chromium)")
if [ "${#missing[@]}" -gt 0 ]; then
    if $ci; then
        echo "the browser suite needs ${missing[*]}: it must run under CI" >&2
        exit 1
    fi
    rule='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    {
        echo; echo "$rule"
        echo "!! THE CONSOLE'S BROWSER SUITE DID NOT RUN: missing ${missing[*]}."
        echo "!! Install them (apt-get install chromium nodejs npm) to test the console."
        echo "$rule"; echo
    } >&2
    exit 0
fi

# playwright-core and axe-core, exactly as locked; reinstalled only when
# the lock file changes.
suite=tests/console
stamp="$suite/node_modules/.patchbay-lock"
lock_hash=$(sha256sum "$suite/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
    (cd "$suite" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" > "$stamp"
fi

cargo build -q -p patchbay
export PATCHBAY_BIN="$target_dir/debug/patchbay"
export CONSOLE_SCREENSHOTS="$target_dir/console"
rm -rf "$CONSOLE_SCREENSHOTS"
mkdir -p "$CONSOLE_SCREENSHOTS"

default_pg=$(grep -A1 'DEFAULT_POSTGRES_URL: &str' crates/storage/src/testing.rs |
    grep -o '"postgres://[^"]*"' | tr -d '"')
pg_admin="${PATCHBAY_TEST_POSTGRES_URL:-$default_pg}"
database=""
cleanup() {
    if [ -n "$database" ]; then
        psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

suites=0
run() {
    echo "== console in Chromium ($1)"
    local started=$SECONDS
    CONSOLE_BACKEND=$1 node --test --test-reporter=spec "$suite/suite.mjs"
    echo "console suite on $1: $((SECONDS - started)) s"
    suites=$((suites + 1))
}

run sqlite
if command -v psql >/dev/null 2>&1 && psql -q "$pg_admin" -c 'select 1' >/dev/null 2>&1; then
    database="patchbay_console_$$"
    psql -q "$pg_admin" -c "CREATE DATABASE \"$database\"" >/dev/null
    PATCHBAY_CONSOLE_DATABASE_URL=$(python3 - "$pg_admin" "$database" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
u = urlsplit(sys.argv[1])
print(urlunsplit((u.scheme, u.netloc, "/" + sys.argv[2], u.query, u.fragment)))
PY
)
    export PATCHBAY_CONSOLE_DATABASE_URL
    run postgres
else
    if $ci; then
        echo "Postgres is unreachable: the browser suite must run on it under CI" >&2
        exit 1
    fi
    echo "!! Postgres is unreachable: the browser suite did NOT run on Postgres" >&2
fi
echo "console suites: $suites passed, 0 failed"

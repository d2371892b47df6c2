#!/usr/bin/env bash
# Can the tests reach the Postgres server they create their databases on?
# `make test` runs this first. Half of the suite runs on Postgres; without
# it those tests are skipped and still reported as `ok`, so say so loudly.
#
#   scripts/check-test-postgres.sh             check, print the outcome
#   scripts/check-test-postgres.sh --reminder  print the banner again if
#                                              unreachable (after the tests)
#
# The server is the one the tests use: $PATCHBAY_TEST_POSTGRES_URL, or the
# default in crates/storage/src/testing.rs. With CI=true an unreachable
# server is an error (the tests would fail on it too); elsewhere it is a
# warning. Checked with psql (a real login), else pg_isready, else a TCP
# connect; with none of them the check is skipped and the tests decide.
set -uo pipefail
cd "$(dirname "$0")/.."

reminder=false
[ "${1:-}" = "--reminder" ] && reminder=true

default_url=$(grep -A1 'DEFAULT_POSTGRES_URL: &str' crates/storage/src/testing.rs 2>/dev/null |
    grep -o '"postgres://[^"]*"' | tr -d '"')
url="${PATCHBAY_TEST_POSTGRES_URL:-${default_url:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}}"
# Never print a password.
shown=$(printf '%s' "$url" | sed -E 's#(://[^:@/]*):[^@]*@#\1:***@#')

case "${CI:-}" in
    [Tt][Rr][Uu][Ee] | 1) ci=true ;;
    *) ci=false ;;
esac

# Host and port of a postgres://user:pass@host:port/db?... URL.
hostport=$(printf '%s' "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')
host=${hostport%:*}
port=${hostport##*:}
[ "$host" = "$hostport" ] && port=5432
host=${host:-127.0.0.1}

reachable=unknown
how=""
if command -v psql >/dev/null 2>&1; then
    how="psql"
    if PGCONNECT_TIMEOUT=5 psql -X -q -tA -d "$url" -c 'select 1' >/dev/null 2>&1; then
        reachable=yes
    else
        reachable=no
    fi
elif command -v pg_isready >/dev/null 2>&1; then
    how="pg_isready"
    if pg_isready -q -t 5 -d "$url" >/dev/null 2>&1; then reachable=yes; else reachable=no; fi
elif command -v timeout >/dev/null 2>&1; then
    how="a TCP connect to $host:$port"
    if timeout 5 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
        reachable=yes
    else
        reachable=no
    fi
fi

banner() {
    local rule='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    echo >&2
    echo "$rule" >&2
    echo "!! Postgres for tests is NOT reachable at $shown" >&2
    echo "!! (checked with $how)." >&2
    echo "!! HALF OF THE SUITE WILL NOT RUN: every Postgres test is skipped, and" >&2
    echo "!! cargo still reports it as 'ok' (look for 'SKIPPED, NOT RUN' lines)." >&2
    echo "!! Start Postgres, or set PATCHBAY_TEST_POSTGRES_URL to a server where" >&2
    echo "!! the tests may create databases." >&2
    echo "$rule" >&2
    echo >&2
}

case "$reachable" in
    yes)
        $reminder || echo "Postgres for tests: reachable at $shown (checked with $how)."
        exit 0
        ;;
    unknown)
        $reminder || echo "Postgres for tests: not checked (no psql, pg_isready or timeout);" \
            "a Postgres test that cannot connect prints 'SKIPPED, NOT RUN'."
        exit 0
        ;;
esac

banner
if $ci && ! $reminder; then
    echo "CI=true: the Postgres tests must run in CI; stopping." >&2
    exit 1
fi
exit 0

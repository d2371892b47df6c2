#!/usr/bin/env bash
# The dependency direction of design.md, checked rather than hoped for:
# the domain knows no database, HTTP framework or HTTP client; the API knows
# no database; providers know neither the database nor the HTTP framework.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
forbid() {
    local crate=$1; shift
    local tree
    tree=$(cargo tree -q -p "$crate" -e normal,build --prefix none --no-dedupe | awk '{print $1}' | sort -u)
    for dep in "$@"; do
        if grep -qx "$dep" <<<"$tree"; then
            echo "dependency direction broken: $crate depends on $dep" >&2
            fail=1
        fi
    done
}

forbid patchbay-domain diesel diesel_migrations actix-web reqwest hyper patchbay-storage patchbay-api
forbid patchbay-storage actix-web reqwest patchbay-api
forbid patchbay-api diesel patchbay-storage
for p in kit chat email webhook web3 ai; do
    forbid "patchbay-provider-$p" diesel actix-web patchbay-storage patchbay-api
done

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "dependency direction ok"

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
# The delivery workers know the domain and tokio: no database, no HTTP.
forbid patchbay-delivery diesel diesel_migrations actix-web reqwest hyper patchbay-storage patchbay-api
for p in kit chat email webhook web3 ai; do
    forbid "patchbay-provider-$p" diesel actix-web patchbay-storage patchbay-api
done

# Every outbound request goes through the kit's guarded client: no other
# crate may depend on reqwest or build an HTTP client of its own. (The
# end-to-end tests drive the app over HTTP with a test client; that is a
# dev-dependency of the test crate, never linked into the service.)
for manifest in crates/domain crates/storage crates/api crates/delivery bin/patchbay \
    crates/providers/chat crates/providers/email crates/providers/webhook \
    crates/providers/web3 crates/providers/ai; do
    if sed -n '/^\[dependencies\]/,/^\[/p' "$manifest/Cargo.toml" | grep -Eq '^(reqwest|hyper|ureq|isahc|awc|surf)\b'; then
        echo "outbound HTTP outside the kit: $manifest depends on an HTTP client" >&2
        fail=1
    fi
done
if grep -rEn 'reqwest::(Client|ClientBuilder)|hyper::client' --include=*.rs crates bin | grep -v '^crates/providers/kit/' | grep -v '/tests/'; then
    echo "outbound HTTP outside the kit: build requests with patchbay_provider_kit::OutboundClient" >&2
    fail=1
fi

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "dependency direction ok"

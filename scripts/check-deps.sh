#!/usr/bin/env bash
# The dependency direction of design.md, checked rather than hoped for:
# the domain knows no database, HTTP framework or HTTP client; the API knows
# no database; providers know neither the database nor the HTTP framework.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
# forbid CRATE DEP...: CRATE's normal and build dependencies include no DEP.
# CARGO_TREE_FLAGS adds flags to the tree (e.g. --no-default-features).
forbid() {
    local crate=$1; shift
    local tree
    # shellcheck disable=SC2086
    tree=$(cargo tree -q -p "$crate" -e normal,build --prefix none --no-dedupe ${CARGO_TREE_FLAGS:-} | awk '{print $1}' | sort -u)
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
    forbid "patchbay-provider-$p" diesel actix-web patchbay-storage patchbay-api patchbay-embed
done
# The entry point (patchbay-embed) is the one library that knows its
# siblings; none of them knows it. Without its `http` feature it pulls in
# no HTTP framework, for a service that embeds Patchbay without actix.
for c in patchbay-domain patchbay-storage patchbay-api patchbay-delivery; do
    forbid "$c" patchbay-embed
done
CARGO_TREE_FLAGS=--no-default-features forbid patchbay-embed actix-web actix-http patchbay-api

# Every outbound request goes through the kit's guarded client: no other
# crate may depend on reqwest or build an HTTP client of its own. (The
# end-to-end tests and the embedding examples drive an app over HTTP with a
# test client; that is a dev-dependency, never linked into the service.)
for manifest in crates/domain crates/storage crates/api crates/delivery crates/embed bin/patchbay \
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

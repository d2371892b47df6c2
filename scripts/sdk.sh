#!/usr/bin/env bash
# Generates the shipped SDKs from openapi/openapi.json with the pinned
# generators: sdks/typescript (@hey-api/openapi-ts, versions in its
# package-lock.json) and sdks/python (openapi-python-client, version below).
# `scripts/sdk.sh --check` regenerates into a scratch copy and fails when
# the committed SDKs differ (run by `make lint`), then type-checks the
# TypeScript example with `tsc --strict`, whose `@ts-expect-error` lines
# prove a misspelled or missing config field does not compile.
# `scripts/sdk.sh --typecheck` is that type check alone (run by
# scripts/contract-tests.sh, so `make test` proves it too).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target_dir="${CARGO_TARGET_DIR:-$root/target}"
python_generator="openapi-python-client==0.29.1"

venv="$target_dir/sdk-pyenv"
if [ ! -x "$venv/bin/openapi-python-client" ] || [ "$(cat "$venv/.patchbay-deps" 2>/dev/null)" != "$python_generator" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "$python_generator"
    echo "$python_generator" > "$venv/.patchbay-deps"
fi
# node_modules live under target/, outside the committed package.
node_dir="$target_dir/sdk-node"
if [ ! -d "$node_dir/node_modules" ] || ! cmp -s sdks/typescript/package-lock.json "$node_dir/package-lock.json"; then
    rm -rf "$node_dir" && mkdir -p "$node_dir"
    cp sdks/typescript/package.json sdks/typescript/package-lock.json "$node_dir/"
    (cd "$node_dir" && npm ci --no-audit --no-fund --cache "$target_dir/npm-cache" >/dev/null)
fi

generate() { # into $1: a copy of sdks/ with regenerated code
    local out=$1
    rm -rf "$out/typescript/src/client" "$out/python/patchbay_api_client"
    mkdir -p "$out/typescript/src"
    (cd "$out/typescript" && ln -sfn "$node_dir/node_modules" node_modules \
        && node node_modules/@hey-api/openapi-ts/bin/run.js -f openapi-ts.config.ts -i "$root/openapi/openapi.json" >/dev/null \
        && rm node_modules)
    local py_out
    py_out=$(mktemp -d)
    "$venv/bin/openapi-python-client" generate --path openapi/openapi.json --output-path "$py_out/gen" \
        --overwrite --config scripts/sdk-generator.yaml >/dev/null
    cp -r "$py_out/gen/patchbay_api_client" "$out/python/"
    rm -rf "$py_out"
}

typecheck() { # tsc --strict over the package: its client, examples and tests
    (cd sdks/typescript && ln -sfn "$node_dir/node_modules" node_modules \
        && node node_modules/typescript/bin/tsc -p tsconfig.json; rc=$?; rm node_modules; exit $rc)
}

case "${1:-}" in
--check)
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    cp -r sdks/. "$scratch/"
    generate "$scratch"
    if ! diff -r -x node_modules sdks "$scratch" >/dev/null; then
        diff -r -x node_modules sdks "$scratch" | head -20 >&2
        echo "sdks/ is stale: run \`make sdk\` and commit the result" >&2
        exit 1
    fi
    typecheck
    echo "SDKs up to date; the TypeScript example type-checks (tsc --strict)"
    ;;
--typecheck)
    typecheck
    echo "the TypeScript SDK, its example and its tests type-check (tsc --strict), and the configs that must not compile do not"
    ;;
*)
    generate sdks
    ;;
esac

#!/usr/bin/env bash
# Builds and runs every example of examples/Cargo.toml: each starts its own
# local mocks and exits 0 only when every step it checks passed.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}

examples=$(sed -n '/^\[\[example\]\]/,/^$/s/^name = "\(.*\)"/\1/p' examples/Cargo.toml)
if [ -z "$examples" ]; then
    echo "no examples found in examples/Cargo.toml" >&2
    exit 1
fi
"$CARGO" build -q -p patchbay-examples --examples
passed=0
failed=0
for example in $examples; do
    echo "== example $example"
    if "$CARGO" run -q -p patchbay-examples --example "$example"; then
        passed=$((passed + 1))
    else
        echo "example $example FAILED" >&2
        failed=$((failed + 1))
    fi
done
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Regenerates loyalty-ffi/src/result.rs (the C result enum, from the core's error table) and
# loyalty-ffi/include/loyalty.h with the pinned cbindgen; with --check, fails if the committed
# header differs from what the sources generate (`cargo test` checks result.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
CBINDGEN_VERSION=0.29.4
if ! cbindgen --version 2>/dev/null | grep -q " $CBINDGEN_VERSION\$"; then
  cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --quiet
fi
out=loyalty-ffi/include/loyalty.h
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp)
  cbindgen --quiet --config loyalty-ffi/cbindgen.toml --crate loyalty-ffi --output "$tmp" loyalty-ffi
  if ! diff -u "$out" "$tmp"; then
    echo "loyalty.h is stale: run scripts/header.sh and commit it" >&2
    exit 1
  fi
  rm -f "$tmp"
else
  # The C result enum is generated from the core's error table first (src/result.rs).
  LOYALTY_REGENERATE=1 cargo test --quiet -p loyalty-ffi --test result_enum > /dev/null
  cbindgen --quiet --config loyalty-ffi/cbindgen.toml --crate loyalty-ffi --output "$out" loyalty-ffi
fi

#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, the Rust suites, every scenario through
# every binding, the C tests under valgrind, and the Python package's tests and type checks.
# Installs what it needs (Debian tools and PostgreSQL when run as root, Python tools into .venv)
# so that it passes on a bare machine as written in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/prereqs.sh
source scripts/prereqs.sh
SCENARIOS=${LOYALTY_SCENARIOS:-../shared/scenarios}

# Each suite's output goes to the terminal and to build/logs/, from which the closing summary
# takes one line per suite (counts, and the reason of every skipped test).
mkdir -p build/logs
rm -f build/logs/*.log
summary=()
suite() {
  local name=$1 log started=$SECONDS
  shift
  log="build/logs/$(printf '%02d' $((${#summary[@]} + 1))).log"
  printf '\n== %s\n' "$name"
  if "$@" 2>&1 | tee "$log"; then
    summary+=("$(printf '%-46s ok %5ds   %s' "$name" $((SECONDS - started)) "$(python3 scripts/summarize-log.py "$log")")")
  else
    summary+=("$(printf '%-46s FAILED (log: %s)' "$name" "$log")")
    report
    exit 1
  fi
}
report() {
  printf '\n== summary (suite, result, seconds, counts)\n'
  printf '%s\n' "${summary[@]}"
}
# PostgreSQL tests fail rather than skip here: prereqs.sh found or started a server.
export LOYALTY_REQUIRE_PG=1

suite "rustfmt" cargo fmt --all --check
suite "clippy (warnings are errors)" cargo clippy --workspace --all-targets --locked -- -D warnings
suite "no yanked crates in Cargo.lock" python3 scripts/check-yanked.py Cargo.lock
suite "code shape: short functions, no import cycles, state written through the transaction" python3 scripts/check-structure.py
suite "Rust tests (with PostgreSQL)" cargo test --workspace --locked
suite "scenarios through the Rust runner" \
  cargo run --release --locked --example scenario -- "$SCENARIOS"/*.json scenarios/*.json $(scripts/v3-scenarios.sh "$SCENARIOS")
suite "benchmarks build" cargo bench --locked --no-run
suite "C binding (valgrind; pkg-config and CMake)" scripts/test-c.sh
suite "Python package" scripts/test-py.sh
suite "Python wheel, installed where no Rust is" scripts/test-wheel.sh
suite "README and docs code blocks, run as written" .venv/bin/python scripts/check-docs.py

report
printf 'suites: %d passed, 0 failed, in %d s\n' "${#summary[@]}" "$SECONDS"

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

suites=0
step() { printf '\n== %s\n' "$*"; suites=$((suites + 1)); }

step "rustfmt"
cargo fmt --all --check

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "no yanked crates in Cargo.lock (crates.io index)"
python3 scripts/check-yanked.py Cargo.lock

step "Rust tests"
cargo test --workspace --locked

step "scenarios through the Rust runner"
cargo run --release --locked --example scenario -- "$SCENARIOS"/*.json scenarios/*.json

step "benchmarks build"
cargo bench --locked --no-run

if [ -x scripts/test-c.sh ]; then
  step "C binding"
  scripts/test-c.sh
fi

if [ -x scripts/test-py.sh ]; then
  step "Python package"
  scripts/test-py.sh
  step "Python wheel, installed where no Rust toolchain is"
  scripts/test-wheel.sh
fi

# Any failure above stopped the script (set -e), so reaching here means every suite passed.
printf '\nsuites: %d passed, 0 failed\n' "$suites"

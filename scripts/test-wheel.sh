#!/usr/bin/env bash
# The Python package as an analyst gets it: one abi3 wheel built by maturin, installed into a
# fresh venv, and the pytest suite run against it with no Rust toolchain on PATH (so nothing
# can be compiled behind the test's back, and the tests import the installed wheel).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=.venv/bin          # scripts/test-py.sh made this venv, with maturin in it
WHEEL_ENV=.venv-wheel

rm -rf dist "$WHEEL_ENV"
(cd loyalty-py && VIRTUAL_ENV="$PWD/../.venv" "../$BUILD/maturin" build --release --locked --quiet --out ../dist)
wheels=(dist/loyalty-*-abi3-*.whl)
[ ${#wheels[@]} -eq 1 ] || { echo "expected one abi3 wheel, got: ${wheels[*]}"; exit 1; }

python3 -m venv "$WHEEL_ENV"
# With both extras, as a user installs them: `sim` (numpy, pandas, tqdm, matplotlib, Dask) and
# `postgres` (psycopg).
"$WHEEL_ENV/bin/python" -m pip install --quiet --disable-pip-version-check "${wheels[0]}[sim,postgres]" \
  "pytest>=8" "hypothesis>=6" "psycopg[binary]>=3.3"

# Only the venv and the system's own tools: no ~/.cargo/bin.
CLEAN_PATH="$PWD/$WHEEL_ENV/bin:/usr/local/bin:/usr/bin:/bin"
if env PATH="$CLEAN_PATH" sh -c 'command -v cargo || command -v rustc' >/dev/null; then
  echo "a Rust toolchain is still on the clean PATH"; exit 1
fi
# Built by test-py.sh; compiled programs, so they run without a toolchain: the PostgreSQL
# writer, the C library and the Rust scenario runner (the conformance tests compare all three).
export LOYALTY_PG_WRITER_BIN="$PWD/target/release/examples/pg_writer"
export LOYALTY_C_LIB="$PWD/target/release/libloyalty.so"
export LOYALTY_SCENARIO_BIN="$PWD/target/release/examples/scenario"
(cd loyalty-py && env PATH="$CLEAN_PATH" python -c 'import loyalty, sys; assert "site-packages" in loyalty.__file__, loyalty.__file__' \
  && env PATH="$CLEAN_PATH" python -m pytest -q -rs -W error -p no:cacheprovider tests)
# The console script is the Rust command line: it checks every example program, and a bad one
# exits 1 naming the file.
for program in examples/programs/*; do
  env PATH="$CLEAN_PATH" loyalty check "$program" > /dev/null
done
if env PATH="$CLEAN_PATH" loyalty check README.md 2> build/wheel-cli.err; then
  echo "loyalty check README.md passed"; exit 1
fi
grep -q "README.md: invalid program" build/wheel-cli.err
env PATH="$CLEAN_PATH" python -m loyalty --help | grep -q "Usage: loyalty"
echo "console script: loyalty check ok on $(ls examples/programs | wc -l) example programs"

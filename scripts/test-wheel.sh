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
"$WHEEL_ENV/bin/python" -m pip install --quiet --disable-pip-version-check "${wheels[0]}" "pytest>=8" "hypothesis>=6" \
  numpy "dask[distributed]" "psycopg[binary]>=3.3"

# Only the venv and the system's own tools: no ~/.cargo/bin.
CLEAN_PATH="$PWD/$WHEEL_ENV/bin:/usr/local/bin:/usr/bin:/bin"
if env PATH="$CLEAN_PATH" sh -c 'command -v cargo || command -v rustc' >/dev/null; then
  echo "a Rust toolchain is still on the clean PATH"; exit 1
fi
export LOYALTY_PG_WRITER_BIN="$PWD/target/release/examples/pg_writer"   # built by test-py.sh
(cd loyalty-py && env PATH="$CLEAN_PATH" python -c 'import loyalty, sys; assert "site-packages" in loyalty.__file__, loyalty.__file__' \
  && env PATH="$CLEAN_PATH" python -m pytest -q -rs -W error -p no:cacheprovider tests)

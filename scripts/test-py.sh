#!/usr/bin/env bash
# The Python package: build it into .venv with maturin, run the pytest suite (warnings are
# errors), type-check a typed usage file against the stubs, stubtest the stubs against the
# built module, and play every scenario through the Python API.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIOS=${LOYALTY_SCENARIOS:-$PWD/../shared/scenarios}
PY=.venv/bin/python

if [ ! -x "$PY" ]; then
  python3 -m venv .venv
fi
"$PY" -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2" "pytest>=8" "hypothesis>=6" "mypy>=1.10" \
  numpy pandas "dask[distributed]" tqdm matplotlib "psycopg[binary]>=3.3"
(cd loyalty-py && VIRTUAL_ENV="$PWD/../.venv" ../.venv/bin/maturin develop --release --locked --quiet)

# The C library and the Rust scenario runner too: the runner tests play malformed scenarios
# through the ctypes runner as well, and the conformance test compares all three bindings.
cargo build --release --locked -p loyalty-ffi
cargo build --release --locked -p loyalty --example scenario
# A Rust writer for the test that writes one PostgreSQL journal from Rust and Python at once.
cargo build --release --locked -p loyalty-postgres --example pg_writer
export LOYALTY_PG_WRITER_BIN="$PWD/target/release/examples/pg_writer"
(cd loyalty-py && LOYALTY_C_LIB="$PWD/../target/release/libloyalty.so" \
  LOYALTY_SCENARIO_BIN="$PWD/../target/release/examples/scenario" ../"$PY" -m pytest -q -rs -W error tests)
# The shop back-end example over HTTP (4 uvicorn workers), installed as its README says.
"$PY" -m pip install --quiet --disable-pip-version-check -r examples/shop/requirements.txt
"$PY" -m pytest -q -rs -W error -p no:cacheprovider examples/shop/test_shop.py
(cd loyalty-py && ../"$PY" -m mypy --strict python/loyalty tests/typed_usage.py)
(cd loyalty-py && ../"$PY" -m mypy.stubtest loyalty)
"$PY" -m loyalty.scenario "$SCENARIOS"/*.json scenarios/*.json $(scripts/v3-scenarios.sh "$SCENARIOS")
"$PY" examples/simulate.py --members 20000 --days 60 --quiet
out=$(mktemp -d)
"$PY" examples/sweep.py --members 2000 --days 30 --csv "$out/sweep.csv" --png "$out/sweep.png" 2>/dev/null
test "$(wc -l < "$out/sweep.csv")" -eq 28 && test -s "$out/sweep.png"
rm -rf "$out"
"$PY" examples/journal_report.py > /dev/null
# The Python benchmark needs no test framework: run it small with hypothesis made unimportable.
"$PY" - <<'PYEOF'
import runpy, sys
sys.modules["hypothesis"] = None  # type: ignore[assignment]
sys.argv = ["bench.py", "--members", "200", "--orders", "2000"]
runpy.run_path("loyalty-py/bench/bench.py", run_name="__main__")
PYEOF

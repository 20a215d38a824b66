#!/usr/bin/env bash
# The shop back-end, one command: installs what it needs into the project's .venv (the loyalty
# package built from this checkout, FastAPI, uvicorn, psycopg) and serves it with 4 uvicorn
# workers on http://127.0.0.1:${PORT:-8000}. LOYALTY_SHOP_DSN names the database.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2" -r examples/shop/requirements.txt
.venv/bin/python -c 'import loyalty.postgres' 2>/dev/null \
  || (cd loyalty-py && VIRTUAL_ENV="$PWD/../.venv" ../.venv/bin/maturin develop --release --locked --quiet)
echo "shop: http://127.0.0.1:${PORT:-8000} (API docs at /docs), ${WORKERS:-4} workers," \
  "database ${LOYALTY_SHOP_DSN:-host=127.0.0.1 user=postgres dbname=test}, program ${LOYALTY_SHOP_PROGRAM:-falcon-shop}"
exec .venv/bin/python -m uvicorn app:app --app-dir examples/shop --workers "${WORKERS:-4}" \
  --host 127.0.0.1 --port "${PORT:-8000}" --log-level warning

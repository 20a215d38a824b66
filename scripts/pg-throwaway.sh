#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests when LOYALTY_TEST_PG is not set.
#   pg-throwaway.sh start DIR   → initdb + pg_ctl start in DIR, prints the DSN on stdout
#   pg-throwaway.sh stop DIR    → stops it
# Exit code 3 (with a message on stderr) when PostgreSQL's own initdb/pg_ctl are not installed.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?DIR}
bin=""
for d in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bin=$d; break; fi
done
if [ -z "$bin" ]; then
    echo "PostgreSQL's initdb/pg_ctl are not installed: set LOYALTY_TEST_PG to a server's DSN" >&2
    exit 3
fi
as_owner=()
if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the postgres user.
    id postgres >/dev/null 2>&1 || { echo "running as root without a postgres user" >&2; exit 3; }
    as_owner=(runuser -u postgres --)
fi
case $cmd in
start)
    mkdir -p "$dir"; chmod 777 "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-c listen_addresses='' -k $dir -p 5433 -c max_connections=200" start >/dev/null
    echo "host=$dir port=5433 user=postgres dbname=postgres"
    ;;
stop)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    ;;
esac

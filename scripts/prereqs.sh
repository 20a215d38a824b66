# Sourced by scripts/test.sh, so that the README's test command passes on a bare machine: installs
# the tools the tests need (Debian packages, when run as root as CI is; otherwise it names the one
# command to run), and finds or starts a PostgreSQL server for the shared-journal tests, exporting
# LOYALTY_TEST_PG (so those tests never skip for want of a server).

need=()
for tool in gcc valgrind pkg-config cmake; do
  command -v "$tool" >/dev/null || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing tools: ${need[*]}. Install them first, e.g.: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# PostgreSQL: LOYALTY_TEST_PG when set; else the machine's server when it answers with trust
# authentication; else a throwaway cluster of our own (installing PostgreSQL first when root and
# it is missing), stopped when the tests end.
if [ -z "${LOYALTY_TEST_PG:-}" ]; then
  local_dsn="host=127.0.0.1 user=postgres dbname=test"
  if command -v psql >/dev/null && psql "$local_dsn" -Atc 'select 1' >/dev/null 2>&1; then
    export LOYALTY_TEST_PG="$local_dsn"
  else
    if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql postgresql-client >/dev/null
      fi
    fi
    pg_dir=$(mktemp -d /tmp/loyalty-test-pg.XXXXXX)
    if LOYALTY_TEST_PG=$(PATH="$PATH:/usr/sbin:/sbin" bash scripts/pg-throwaway.sh start "$pg_dir"); then
      export LOYALTY_TEST_PG
      trap 'PATH="$PATH:/usr/sbin:/sbin" bash scripts/pg-throwaway.sh stop "$pg_dir"' EXIT
    else
      echo "no PostgreSQL server: set LOYALTY_TEST_PG to a server's DSN, or install PostgreSQL" >&2
      exit 1
    fi
  fi
fi
echo "PostgreSQL for the tests: $LOYALTY_TEST_PG"

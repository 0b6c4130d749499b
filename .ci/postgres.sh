#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the tests: installs the Debian packages when the
# server is missing, runs it as the `postgres` user in a temporary directory on a free port
# on 127.0.0.1, and prints `export EVSESSIONS_TEST_POSTGRES_URL=…` and `export PGSTOP_DIR=…`
# for the caller to eval. `.ci/postgres.sh stop DIR` stops it.
set -euo pipefail

if [ "${1:-}" = "stop" ]; then
  dir="$2"
  bin="$(cat "$dir/bindir")"
  su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

find_bin() {
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

if ! bin="$(find_bin)"; then
  echo "== installing PostgreSQL (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin="$(find_bin)"
fi
id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/sh postgres

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
dir="$(mktemp -d /tmp/evsessions-pg.XXXXXX)"
echo "$bin" > "$dir/bindir"
chown -R postgres "$dir"
su postgres -s /bin/sh -c "'$bin/initdb' -D '$dir/data' -U postgres --auth=trust -E UTF8 >/dev/null"
su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null"
su postgres -s /bin/sh -c "'$bin/psql' -h 127.0.0.1 -p $port -U postgres -q -c 'CREATE DATABASE evsessions_test'" >/dev/null
echo "export EVSESSIONS_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/evsessions_test"
echo "export EVSESSIONS_PG_DIR=$dir"

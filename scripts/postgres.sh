#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 for the tests (source this file).
# A free port unless one is given, so a leftover server never blocks the run.
PG_PORT="${PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
PG_URL="postgresql+asyncpg://postgres@127.0.0.1:${PG_PORT}/postgres"

_pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

_as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi
}

start_postgres() {
  PG_DATA="$(mktemp -d /tmp/commune-bot-pg.XXXXXX)"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DATA"
  local bin; bin="$(_pg_bin)"
  _as_postgres "'$bin/initdb' -D '$PG_DATA' -A trust -U postgres -E UTF8 --no-locale >/dev/null"
  _as_postgres "'$bin/pg_ctl' -D '$PG_DATA' -l '$PG_DATA/server.log' -w \
    -o \"-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null"
  export PG_URL PG_DATA
}

stop_postgres() {
  [ -n "${PG_DATA:-}" ] || return 0
  _as_postgres "'$(_pg_bin)/pg_ctl' -D '$PG_DATA' -m fast stop >/dev/null" || true
  rm -rf "$PG_DATA"
}

#!/usr/bin/env bash
# Installs (apt) and starts the project's own PostgreSQL 15 on 127.0.0.1.
#   scripts/pg.sh start   -> prints nothing but progress; exports nothing (see scripts/env.sh)
#   scripts/pg.sh stop
#   scripts/pg.sh status
# Data lives under .data/pg of the checkout (ignored by git). Port: OOTD_PG_PORT (default 25432: below Linux's
# ephemeral range 32768-60999, so an outgoing connection's local port can never hold it when PostgreSQL restarts).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${OOTD_PG_PORT:-25432}"
DATA_ROOT="${OOTD_PG_DIR:-$ROOT/.data/pg}"
PGVER=15
EPHEMERAL_LOW=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
EPHEMERAL_HIGH=$(cut -f2 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 60999)

log() { echo "[pg] $*" >&2; }

find_bin() {
  for d in /usr/lib/postgresql/$PGVER/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

ensure_installed() {
  if BIN="$(find_bin)"; then return 0; fi
  log "PostgreSQL not found; installing postgresql-$PGVER from apt"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq "postgresql-$PGVER" >&2
  BIN="$(find_bin)"
}

# As root, PostgreSQL refuses to run: use the postgres account. As anyone else, run as yourself.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

prepare_dirs() {
  mkdir -p "$DATA_ROOT"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$DATA_ROOT"
    if ! runuser -u postgres -- test -w "$DATA_ROOT"; then
      # The checkout sits where the postgres account cannot reach (e.g. under /root): keep data elsewhere.
      local alt="/var/lib/ootd-pg/$(echo -n "$ROOT" | sha1sum | cut -c1-12)"
      log "postgres cannot write $DATA_ROOT; using $alt"
      DATA_ROOT="$alt"; mkdir -p "$DATA_ROOT"; chown postgres:postgres "$DATA_ROOT"
    fi
  fi
  DATA="$DATA_ROOT/data"; SOCK="$DATA_ROOT/run"; LOGF="$DATA_ROOT/postgres.log"
  as_owner mkdir -p "$SOCK"
}

is_up() { as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  if [ "$PORT" -ge "$EPHEMERAL_LOW" ] && [ "$PORT" -le "$EPHEMERAL_HIGH" ]; then
    log "warning: port $PORT is in the ephemeral range $EPHEMERAL_LOW-$EPHEMERAL_HIGH: a restart can fail with 'Address already in use'"
  fi
  ensure_installed
  prepare_dirs
  if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initialising a new cluster in $DATA"
    local pw; pw="$(mktemp)"; echo "${OOTD_PG_PASSWORD:-ootd}" > "$pw"; chmod 644 "$pw"
    as_owner "$BIN/initdb" -D "$DATA" -U ootd --pwfile="$pw" -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pw"
  fi
  if is_up; then log "already running on 127.0.0.1:$PORT"; else
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOGF" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$SOCK -c max_connections=300 -c shared_buffers=256MB -c fsync=on" >/dev/null
    log "started on 127.0.0.1:$PORT (data $DATA)"
  fi
  if ! as_owner "$BIN/psql" -h "$SOCK" -p "$PORT" -U ootd -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='ootd'" | grep -q 1; then
    as_owner "$BIN/psql" -h "$SOCK" -p "$PORT" -U ootd -d postgres -qc "CREATE DATABASE ootd" >/dev/null
    log "created database ootd"
  fi
}

stop() {
  BIN="$(find_bin)" || exit 0
  prepare_dirs
  if is_up; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; log "stopped"; fi
}

# Creates (or recreates) a scratch database for one test run; prints its name.
createdb_scratch() {
  BIN="$(find_bin)"; prepare_dirs
  local name="$1"
  as_owner "$BIN/psql" -h "$SOCK" -p "$PORT" -U ootd -d postgres -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
  as_owner "$BIN/psql" -h "$SOCK" -p "$PORT" -U ootd -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
  echo "$name"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) BIN="$(find_bin)"; prepare_dirs; if is_up; then echo up; else echo down; exit 1; fi ;;
  createdb) createdb_scratch "$2" ;;
  *) echo "usage: $0 start|stop|status|createdb NAME" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local production runs.
#
#   scripts/postgres.sh start   # initdb in a temp folder, listen on a free port (loopback unless PG_LISTEN)
#   scripts/postgres.sh env     # print DB_* exports for the running cluster
#   scripts/postgres.sh stop    # stop it and delete the folder
#   scripts/postgres.sh status
#   scripts/postgres.sh run CMD...  # CMD with DB_* set; stops the cluster after
#                                   # if (and only if) this call started it
#   scripts/postgres.sh pause|resume  # stop/start the server, keeping its data and port
#                                     # (the database-outage tests use these)
#   scripts/postgres.sh replica-start   # a streaming replica of the running cluster
#                                       # (pg_basebackup -R), on its own free port
#   scripts/postgres.sh replica-delay MS  # recovery_min_apply_delay on the replica
#   scripts/postgres.sh replica-pause|replica-resume  # stop/restart WAL replay
#   scripts/postgres.sh replica-env   # print DB_REPLICA_* exports
#
# PG_STATE names the state file (default .run/postgres.env), so tests can run
# a cluster of their own beside the suite's.
# PG_LISTEN is the address the server listens on (default 127.0.0.1; on a
# private network, the host's address there), PG_REPLICA_LISTEN the replica's
# (default 127.0.0.1), PG_ALLOW the networks (CIDR, space-separated) trusted
# beside loopback, for connections and replication (default: none).
# State lives in .run/postgres.env so that stop finds what start made. Uses
# PostgreSQL 15 server binaries (pg_ctl, initdb) when present, else installs
# Debian's postgresql package. PostgreSQL refuses to run as root, so as root
# the server runs as the `postgres` system user (created if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

STATE="${PG_STATE:-.run/postgres.env}"
STATE_DIR=$(dirname "$STATE")
DB_NAME_DEFAULT=backend

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_binaries() {
  if find_bin pg_ctl >/dev/null && find_bin initdb >/dev/null; then return; fi
  echo "PostgreSQL server binaries not found." >&2
  # Debian's package starts a cluster of its own on 5432; we do not use it.
  apt_install postgresql postgresql
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  as_owner "$(find_bin pg_ctl)" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

# On LISTEN only (loopback unless PG_LISTEN); fsync off because the data is thrown away.
server_start() {
  local data=$1 port=$2 listen=$3
  as_owner "$(find_bin pg_ctl)" -D "$data" -l "$data/../server.log" -w -t 30 \
    -o "-c listen_addresses=$listen -p $port -k $data/../socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$data/../server.log" >&2; exit 1; }
}

pause() {
  # shellcheck disable=SC1090
  source "$STATE"
  as_owner "$(find_bin pg_ctl)" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
  echo "PostgreSQL paused (data kept in $PGDATA_DIR)." >&2
}

resume() {
  # shellcheck disable=SC1090
  source "$STATE"
  server_start "$PGDATA_DIR" "$DB_PORT" "$DB_HOST"
  echo "PostgreSQL resumed on $DB_HOST:$DB_PORT." >&2
}

start() {
  if running; then
    echo "PostgreSQL already running on $DB_HOST:$DB_PORT (data in $PGDATA_DIR)" >&2
    return
  fi
  ensure_binaries
  local initdb psql dir port listen=${PG_LISTEN:-127.0.0.1}
  initdb=$(find_bin initdb)
  psql=$(find_bin psql)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/backend-pg.XXXXXX")
  chmod 755 "$dir"
  mkdir -p "$dir/data" "$dir/socket"
  [ "$(id -u)" -eq 0 ] && { as_owner true; chown -R postgres "$dir"; }
  port=$(free_port "$listen")
  as_owner "$initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  allow_networks "$dir/data/pg_hba.conf"
  server_start "$dir/data" "$port" "$listen"
  "$psql" -h "$listen" -p "$port" -U postgres -d postgres -qc "CREATE DATABASE $DB_NAME_DEFAULT" >/dev/null
  mkdir -p "$STATE_DIR"
  cat >"$STATE" <<STATE
PGDATA_DIR=$dir/data
PG_ROOT=$dir
DB_NAME=$DB_NAME_DEFAULT
DB_USER=postgres
DB_PASSWORD=
DB_HOST=$listen
DB_PORT=$port
STATE
  echo "PostgreSQL started on $listen:$port (data in $dir)" >&2
}

# Trust PG_ALLOW's networks as initdb --auth=trust trusts loopback: for
# connections and for replication (the replica's pg_basebackup and stream).
# A replica copies this file, so it trusts the same networks.
allow_networks() {
  local hba=$1 network
  for network in ${PG_ALLOW:-}; do
    printf 'host all all %s trust\nhost replication all %s trust\n' "$network" "$network" >>"$hba"
  done
}

replica_start() {
  running || { echo "PostgreSQL is not running; run: scripts/postgres.sh start" >&2; exit 1; }
  if [ -n "${REPLICA_PGDATA:-}" ] && as_owner "$(find_bin pg_ctl)" -D "$REPLICA_PGDATA" status >/dev/null 2>&1; then
    echo "Replica already running on $DB_REPLICA_HOST:$DB_REPLICA_PORT" >&2
    return
  fi
  local port data listen=${PG_REPLICA_LISTEN:-127.0.0.1}
  port=$(free_port "$listen")
  data="$PG_ROOT/replica"
  mkdir -p "$data" "$PG_ROOT/replica-socket"
  [ "$(id -u)" -eq 0 ] && chown postgres "$data" "$PG_ROOT/replica-socket"
  chmod 700 "$data"
  # The default pg_hba.conf of a trust cluster lets loopback replicate (PG_ALLOW
  # adds networks); -R writes primary_conninfo and standby.signal, so the copy
  # starts as a streaming standby of DB_HOST.
  as_owner "$(find_bin pg_basebackup)" -h "$DB_HOST" -p "$DB_PORT" -U postgres -D "$data" -R -X stream -c fast \
    >"$PG_ROOT/basebackup.log" 2>&1 || { cat "$PG_ROOT/basebackup.log" >&2; exit 1; }
  as_owner "$(find_bin pg_ctl)" -D "$data" -l "$PG_ROOT/replica.log" -w -t 30 \
    -o "-c listen_addresses=$listen -p $port -k $PG_ROOT/replica-socket -c hot_standby=on -c max_connections=200" \
    start >/dev/null || { cat "$PG_ROOT/replica.log" >&2; exit 1; }
  printf 'REPLICA_PGDATA=%s\nDB_REPLICA_HOST=%s\nDB_REPLICA_PORT=%s\n' "$data" "$listen" "$port" >>"$STATE"
  echo "Replica started on $listen:$port (streaming from $DB_HOST:$DB_PORT)" >&2
}

replica_sql() {
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${DB_REPLICA_PORT:-}" ] || { echo "No replica; run: scripts/postgres.sh replica-start" >&2; exit 1; }
  "$(find_bin psql)" -h "$DB_REPLICA_HOST" -p "$DB_REPLICA_PORT" -U postgres -d postgres -qAtc "$1"
}

replica_delay() {
  local ms=${1:?usage: replica-delay MS}
  # ALTER SYSTEM writes postgresql.auto.conf, not the database, so a standby takes it.
  replica_sql "ALTER SYSTEM SET recovery_min_apply_delay = '${ms}ms'" >/dev/null
  replica_sql "SELECT pg_reload_conf()" >/dev/null
  echo "Replica applies WAL ${ms} ms late." >&2
}

replica_env() {
  running || { echo "PostgreSQL is not running" >&2; exit 1; }
  [ -n "${DB_REPLICA_PORT:-}" ] || { echo "No replica; run: scripts/postgres.sh replica-start" >&2; exit 1; }
  echo "export DB_REPLICA_HOST=$DB_REPLICA_HOST DB_REPLICA_PORT=$DB_REPLICA_PORT"
}

stop() {
  if [ ! -f "$STATE" ]; then
    echo "No PostgreSQL started by this script." >&2
    return
  fi
  # shellcheck disable=SC1090
  source "$STATE"
  if [ -n "${REPLICA_PGDATA:-}" ]; then
    as_owner "$(find_bin pg_ctl)" -D "$REPLICA_PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  as_owner "$(find_bin pg_ctl)" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_ROOT" "$STATE"
  echo "PostgreSQL stopped." >&2
}

print_env() {
  running || { echo "PostgreSQL is not running; run: scripts/postgres.sh start" >&2; exit 1; }
  echo "export DB_NAME=$DB_NAME DB_USER=$DB_USER DB_PASSWORD=$DB_PASSWORD DB_HOST=$DB_HOST DB_PORT=$DB_PORT"
}

run_with() {
  local started=0 status=0
  if ! running; then
    start
    started=1
    trap stop EXIT INT TERM
  fi
  # shellcheck disable=SC1090
  source "$STATE"
  DB_NAME=$DB_NAME DB_USER=$DB_USER DB_PASSWORD=$DB_PASSWORD DB_HOST=$DB_HOST DB_PORT=$DB_PORT "$@" || status=$?
  return "$status"
}

case "${1:-}" in
  run) shift; run_with "$@" ;;
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume) resume ;;
  env) print_env ;;
  replica-start) replica_start ;;
  replica-delay) shift; replica_delay "$@" ;;
  replica-pause) replica_sql "SELECT pg_wal_replay_pause()" >/dev/null; echo "Replica replay paused." >&2 ;;
  replica-resume) replica_sql "SELECT pg_wal_replay_resume()" >/dev/null; echo "Replica replay resumed." >&2 ;;
  replica-env) replica_env ;;
  status) if running; then echo "running on $DB_HOST:$DB_PORT"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|env|status|run CMD...|pause|resume|replica-start|replica-delay MS|replica-pause|replica-resume|replica-env" >&2; exit 2 ;;
esac

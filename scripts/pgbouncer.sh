#!/usr/bin/env bash
# A throwaway PgBouncer (transaction pooling) on a free port (loopback unless
# PGBOUNCER_LISTEN), in front of the PostgreSQL of scripts/postgres.sh.
#
#   scripts/pgbouncer.sh start | stop | status | env | run CMD...
#
# `env` prints the DB_HOST/DB_PORT of the pooler and DB_POOLER=pgbouncer: what
# the app servers and task workers use. Migrations and `manage.py
# set_statement_timeout` run against PostgreSQL directly (scripts/postgres.sh env).
#
# Upstream: PGBOUNCER_UPSTREAM_HOST/PGBOUNCER_UPSTREAM_PORT, by default the
# cluster of scripts/postgres.sh (PG_STATE picks which one). Every database
# name is forwarded to it as is. PGBOUNCER_PORT picks the port (default: a
# free one), PGBOUNCER_POOL_SIZE the server connections per database and user
# (default 20), PGBOUNCER_STATE the state file (default .run/pgbouncer.env).
# PGBOUNCER_LISTEN is the listen address (default 127.0.0.1). Clients are
# trusted by user name from loopback and from the networks (CIDR,
# space-separated) in PGBOUNCER_ALLOW (default: none), the user names listed
# in PGBOUNCER_USERS (default: postgres); any other address is refused.
# Uses Debian's pgbouncer, installing the package when it is missing.
# PgBouncer refuses to run as root, so as root it runs as the `postgres`
# system user (created if missing), like scripts/postgres.sh's server.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE="${PGBOUNCER_STATE:-.run/pgbouncer.env}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_binary() {
  command -v pgbouncer >/dev/null 2>&1 && return
  echo "pgbouncer not found." >&2
  # The package may start a system-wide pooler on 6432; we do not use it.
  apt_install pgbouncer pgbouncer
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  [ -f "$PGBOUNCER_DIR/pgbouncer.pid" ] && kill -0 "$(cat "$PGBOUNCER_DIR/pgbouncer.pid")" 2>/dev/null
}

upstream() {
  if [ -n "${PGBOUNCER_UPSTREAM_PORT:-}" ]; then
    echo "${PGBOUNCER_UPSTREAM_HOST:-127.0.0.1} $PGBOUNCER_UPSTREAM_PORT"
    return
  fi
  local exports
  exports=$(scripts/postgres.sh env) || { echo "No upstream: start scripts/postgres.sh or set PGBOUNCER_UPSTREAM_PORT" >&2; exit 1; }
  # Only DB_HOST and DB_PORT are needed; a subshell keeps the rest out of this one.
  (eval "$exports"; echo "$DB_HOST $DB_PORT")
}

start() {
  if running; then
    echo "PgBouncer already running at $PGBOUNCER_HOST:$PGBOUNCER_PORT" >&2
    return
  fi
  ensure_binary
  local dir port host upstream_port user network listen=${PGBOUNCER_LISTEN:-127.0.0.1}
  read -r host upstream_port < <(upstream)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/backend-pgbouncer.XXXXXX")
  port=${PGBOUNCER_PORT:-$(free_port "$listen")}
  : >"$dir/userlist.txt"
  for user in ${PGBOUNCER_USERS:-postgres}; do printf '"%s" ""\n' "$user" >>"$dir/userlist.txt"; done
  # auth_type = hba: trust by address, as the PostgreSQL of scripts/postgres.sh does.
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$dir/pg_hba.conf"
  for network in ${PGBOUNCER_ALLOW:-}; do printf 'host all all %s trust\n' "$network" >>"$dir/pg_hba.conf"; done
  # Transaction pooling: a server connection belongs to a client for one
  # transaction only. Startup parameters other than the ones PgBouncer tracks
  # (`options` among them) are refused, not forwarded: the app sends none in
  # this mode (DB_POOLER). server_round_robin hands server connections out in
  # turn, so consecutive transactions of one client rarely share one: a
  # client that relies on session state fails here, not only under load.
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$host port=$upstream_port

[pgbouncer]
listen_addr = $listen
listen_port = $port
unix_socket_dir = $dir
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
auth_type = hba
auth_hba_file = $dir/pg_hba.conf
auth_file = $dir/userlist.txt
admin_users = ${PGBOUNCER_USERS:-postgres}
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
max_client_conn = 1000
server_round_robin = 1
server_check_delay = 0
log_connections = 0
log_disconnections = 0
INI
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && { as_owner true; chown -R postgres "$dir"; }
  as_owner pgbouncer -d -q "$dir/pgbouncer.ini" || { cat "$dir/pgbouncer.log" >&2 2>/dev/null; exit 1; }
  wait_listening "$listen" "$port" 5 || {
    echo "PgBouncer did not listen on $listen:$port" >&2
    cat "$dir/pgbouncer.log" >&2
    exit 1
  }
  mkdir -p "$(dirname "$STATE")"
  printf 'PGBOUNCER_DIR=%s\nPGBOUNCER_HOST=%s\nPGBOUNCER_PORT=%s\nPGBOUNCER_UPSTREAM=%s:%s\n' \
    "$dir" "$listen" "$port" "$host" "$upstream_port" >"$STATE"
  echo "PgBouncer started on $listen:$port (transaction pooling, in front of $host:$upstream_port)" >&2
}

stop() {
  if [ ! -f "$STATE" ]; then
    echo "No PgBouncer started by this script." >&2
    return
  fi
  # shellcheck disable=SC1090
  source "$STATE"
  if [ -f "$PGBOUNCER_DIR/pgbouncer.pid" ]; then
    local pid
    pid=$(cat "$PGBOUNCER_DIR/pgbouncer.pid")
    # SIGINT: close every connection now ("fast shutdown"), not wait for clients.
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$PGBOUNCER_DIR" "$STATE"
  echo "PgBouncer stopped." >&2
}

print_env() {
  running || { echo "PgBouncer is not running; run: scripts/pgbouncer.sh start" >&2; exit 1; }
  echo "export DB_HOST=$PGBOUNCER_HOST DB_PORT=$PGBOUNCER_PORT DB_POOLER=pgbouncer"
}

run_with() {
  local status=0
  if ! running; then
    start
    trap stop EXIT INT TERM
  fi
  # shellcheck disable=SC1090
  source "$STATE"
  DB_HOST=$PGBOUNCER_HOST DB_PORT=$PGBOUNCER_PORT DB_POOLER=pgbouncer "$@" || status=$?
  return "$status"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  run) shift; run_with "$@" ;;
  env) print_env ;;
  status) if running; then echo "running at $PGBOUNCER_HOST:$PGBOUNCER_PORT (in front of $PGBOUNCER_UPSTREAM)"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|env|run CMD..." >&2; exit 2 ;;
esac

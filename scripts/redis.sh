#!/usr/bin/env bash
# A throwaway Redis server on a free port (loopback unless REDIS_BIND), for the shared cache.
#
#   scripts/redis.sh start | stop | status | env | run CMD...
#
# REDIS_PORT picks the port (default: a free one): a test that stops Redis
# and starts it again keeps the address its servers were given.
# Uses Debian's redis-server, installing the package when it is missing.
# REDIS_BIND is the listen address (default 127.0.0.1; on a private network,
# the host's address there). REDIS_STATE names the state file (default .run/redis.env).
set -euo pipefail
cd "$(dirname "$0")/.."

STATE="${REDIS_STATE:-.run/redis.env}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_binary() {
  command -v redis-server >/dev/null 2>&1 && return
  echo "redis-server not found." >&2
  # The package may start a system-wide server on 6379; we do not use it.
  apt_install redis-server redis-server
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  [ -f "$REDIS_DIR/redis.pid" ] && kill -0 "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null
}

start() {
  if running; then
    echo "Redis already running at $REDIS_URL" >&2
    return
  fi
  ensure_binary
  local dir port bind=${REDIS_BIND:-127.0.0.1}
  dir=$(mktemp -d "${TMPDIR:-/tmp}/backend-redis.XXXXXX")
  port=${REDIS_PORT:-$(free_port "$bind")}
  # One address (loopback unless REDIS_BIND), nothing persisted: it holds a
  # cache. Protected mode refuses every client not on loopback when there is
  # no password, so off the loopback it is off: the address is a private one.
  local protected=yes
  [ "$bind" = 127.0.0.1 ] || protected=no
  redis-server --bind "$bind" --port "$port" --dir "$dir" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --protected-mode "$protected"
  for _ in $(seq 1 50); do
    [ "$(redis-cli -h "$bind" -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  mkdir -p "$(dirname "$STATE")"
  printf 'REDIS_DIR=%s\nREDIS_URL=redis://%s:%s/0\n' "$dir" "$bind" "$port" >"$STATE"
  echo "Redis started at redis://$bind:$port/0" >&2
}

stop() {
  if [ ! -f "$STATE" ]; then
    echo "No Redis started by this script." >&2
    return
  fi
  # shellcheck disable=SC1090
  source "$STATE"
  if [ -f "$REDIS_DIR/redis.pid" ]; then
    local pid
    pid=$(cat "$REDIS_DIR/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$REDIS_DIR" "$STATE"
  echo "Redis stopped." >&2
}

run_with() {
  if ! running; then
    start
    trap stop EXIT INT TERM
  fi
  # shellcheck disable=SC1090
  source "$STATE"
  REDIS_URL=$REDIS_URL "$@"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  run) shift; run_with "$@" ;;
  env) running || { echo "Redis is not running; run: scripts/redis.sh start" >&2; exit 1; }; echo "export REDIS_URL=$REDIS_URL" ;;
  status) if running; then echo "running at $REDIS_URL"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|env|run CMD..." >&2; exit 2 ;;
esac

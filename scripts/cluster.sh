#!/usr/bin/env bash
# A small production cluster on one machine, from the project's own scripts:
# nginx on $HOST:$PORT balancing CLUSTER_NODES app nodes (default 2), each a
# gunicorn with its task worker; PgBouncer (transaction pooling) in front of a
# PostgreSQL primary with a streaming replica; Redis.
#
#   scripts/cluster.sh up            # start everything, print the address; Ctrl-C stops it all
#   scripts/cluster.sh status
#   scripts/cluster.sh stop NODE     # SIGTERM the node's gunicorn (it drains, then exits)
#   scripts/cluster.sh kill NODE     # SIGKILL the node's gunicorn and its workers
#   scripts/cluster.sh start NODE    # start the node's gunicorn again, on its port
#   scripts/cluster.sh replica-delay MS   # the replica applies WAL MS late
#   scripts/cluster.sh redis down|up      # stop Redis / start it again on its port
#   scripts/cluster.sh kill-worker NODE   # SIGKILL the node's task worker (its whole session)
#   scripts/cluster.sh start-worker NODE  # start the node's task worker again
#   scripts/cluster.sh down          # stop everything (what Ctrl-C on `up` does)
#
# NODE is 1..CLUSTER_NODES (or node1, ...). Every host is a loopback port of
# this machine (no network namespaces); the nodes read the replica directly
# and write through PgBouncer. Migrations run once, against PostgreSQL
# directly, before the nodes start. CLUSTER_DIR holds the state (default
# .run/cluster): the verbs find what `up` started there. EMAIL_BACKEND,
# EMAIL_HOST, EMAIL_PORT and the TASK_* reaper settings, when set in the
# environment of `up`, are passed on to the nodes and workers.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${CLUSTER_DIR:-.run/cluster}"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
export PG_STATE="$DIR/postgres.env" REDIS_STATE="$DIR/redis.env" PGBOUNCER_STATE="$DIR/pgbouncer.env" NGINX_STATE="$DIR/nginx.env"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

node_number() {
  local node=${1:?NODE (1..N) required}
  node=${node#node}
  [ -f "$DIR/node$node.port" ] || { echo "No node $node in this cluster (see: $0 status)" >&2; exit 2; }
  echo "$node"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# gunicorn of node N, in a session of its own (so `kill` reaches its workers), logging to its file.
start_node() {
  local n=$1
  if alive "$DIR/node$n.pid"; then echo "node$n already running" >&2; return; fi
  (
    # shellcheck disable=SC1091
    source "$DIR/app.env"
    export GUNICORN_BIND="127.0.0.1:$(cat "$DIR/node$n.port")"
    setsid .venv/bin/gunicorn -c gunicorn.conf.py backend.asgi:application >>"$DIR/node$n.log" 2>&1 &
    echo $! >"$DIR/node$n.pid"
  )
  local port
  port=$(cat "$DIR/node$n.port")
  for _ in $(seq 1 300); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health/", timeout=1)' "$port" 2>/dev/null && {
      echo "node$n serving on 127.0.0.1:$port (pid $(cat "$DIR/node$n.pid"))" >&2
      return
    }
    alive "$DIR/node$n.pid" || break
    sleep 0.1
  done
  echo "node$n did not start; its log:" >&2
  tail -n 40 "$DIR/node$n.log" >&2
  exit 1
}

start_worker() {
  local n=$1
  (
    # shellcheck disable=SC1091
    source "$DIR/app.env"
    setsid .venv/bin/python manage.py task_worker --queue-name '*' >>"$DIR/worker$n.log" 2>&1 &
    echo $! >"$DIR/worker$n.pid"
  )
}

# The worker of node N and everything it started, SIGKILLed at once (a worker killed mid-send).
kill_worker() {
  local n pid
  n=$(node_number "$1")
  alive "$DIR/worker$n.pid" || { echo "worker$n is not running" >&2; return; }
  pid=$(cat "$DIR/worker$n.pid")
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  echo "worker$n stopped (SIGKILL)." >&2
}

restart_worker() {
  local n
  n=$(node_number "$1")
  if alive "$DIR/worker$n.pid"; then echo "worker$n already running" >&2; return; fi
  start_worker "$n"
  echo "worker$n started (pid $(cat "$DIR/worker$n.pid"))." >&2
}

# The mail and task-reaper settings of the caller's environment, as exports for app.env.
passthrough_env() {
  local name
  for name in EMAIL_BACKEND EMAIL_HOST EMAIL_PORT TASK_RUNNING_TIMEOUT_SECONDS TASK_REAP_INTERVAL_SECONDS TASK_MAX_CLAIMS; do
    if [ -n "${!name:-}" ]; then printf 'export %s=%q\n' "$name" "${!name}"; fi
  done
}

signal_node() {
  local signal=$1 n
  n=$(node_number "$2")
  alive "$DIR/node$n.pid" || { echo "node$n is not running" >&2; return; }
  local pid
  pid=$(cat "$DIR/node$n.pid")
  if [ "$signal" = KILL ]; then
    # The whole session: the master and its workers, as when the machine dies.
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  else
    kill -TERM "$pid"
  fi
  # Bounded: the drain plus gunicorn's graceful timeout, then it is gone.
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  echo "node$n stopped (SIG$signal)." >&2
}

up() {
  local nodes=${CLUSTER_NODES:-2}
  if [ -f "$DIR/app.env" ]; then
    echo "A cluster already has state in $DIR; stop it first: $0 down" >&2
    exit 1
  fi
  echo $$ >"$DIR/up.pid"
  trap 'down; exit 130' INT
  trap 'down; exit 143' TERM
  trap down EXIT
  scripts/postgres.sh start
  scripts/postgres.sh replica-start
  local redis_port
  redis_port=$(free_port)
  echo "$redis_port" >"$DIR/redis.port"
  REDIS_PORT=$redis_port scripts/redis.sh start
  local direct
  direct=$(scripts/postgres.sh env)
  local replica
  replica=$(scripts/postgres.sh replica-env)
  # The release step: once, against PostgreSQL directly.
  (
    eval "$direct"
    export DJANGO_SETTINGS_MODULE=backend.settings.production SECRET_KEY=release ALLOWED_HOSTS=localhost
    .venv/bin/python manage.py migrate --noinput
    .venv/bin/python manage.py set_statement_timeout
    .venv/bin/python manage.py collectstatic --noinput -v 0
  )
  scripts/pgbouncer.sh start
  local pooled
  pooled=$(scripts/pgbouncer.sh env)
  local secret
  secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')
  {
    echo "$direct"
    echo "$replica"
    echo "$pooled"
    echo "export REDIS_URL=redis://127.0.0.1:$redis_port/0"
    echo "export DJANGO_SETTINGS_MODULE=backend.settings.production"
    echo "export SECRET_KEY=${SECRET_KEY:-$secret}"
    echo "export ALLOWED_HOSTS=${ALLOWED_HOSTS:-localhost,127.0.0.1}"
    echo "export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0} SECURE_HSTS_SECONDS=${SECURE_HSTS_SECONDS:-0}"
    echo "export NUM_PROXIES=1"
    echo "export HTTP_DRAIN_SECONDS=${HTTP_DRAIN_SECONDS:-2}"
    echo "export GUNICORN_WORKERS=${GUNICORN_WORKERS:-1}"
    passthrough_env
  } >"$DIR/app.env"
  local upstreams="" n port
  for n in $(seq 1 "$nodes"); do
    port=$(free_port)
    echo "$port" >"$DIR/node$n.port"
    upstreams+="${upstreams:+,}127.0.0.1:$port"
    start_worker "$n"
    start_node "$n"
  done
  PROXY_UPSTREAMS=$upstreams scripts/nginx.sh start
  echo "Cluster serving on http://${HOST:-127.0.0.1}:${PORT:-8000}/ ($nodes nodes: $upstreams; Ctrl-C stops everything)" >&2
  echo "Drills: $0 stop|kill|start NODE, $0 kill-worker|start-worker NODE, $0 replica-delay MS, $0 redis down|up, $0 status" >&2
  while true; do
    sleep 1 &
    wait $! || true
  done
}

# `down` from another shell asks the `up` process to stop (SIGTERM, as Ctrl-C), and waits for it.
request_down() {
  if alive "$DIR/up.pid" && [ "$(cat "$DIR/up.pid")" != "$$" ]; then
    local pid
    pid=$(cat "$DIR/up.pid")
    kill -TERM "$pid"
    for _ in $(seq 1 1200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    echo "The cluster (pid $pid) did not stop in 120 s" >&2
    exit 1
  fi
  down
}

down() {
  trap - EXIT INT TERM
  local file
  # Nodes first (graceful), then the services they use.
  for file in "$DIR"/node*.pid "$DIR"/worker*.pid; do
    [ -f "$file" ] || continue
    kill -TERM "$(cat "$file")" 2>/dev/null || true
  done
  for file in "$DIR"/node*.pid "$DIR"/worker*.pid; do
    [ -f "$file" ] || continue
    for _ in $(seq 1 600); do kill -0 "$(cat "$file")" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$(cat "$file")" 2>/dev/null || true
  done
  scripts/nginx.sh stop || true
  scripts/pgbouncer.sh stop || true
  scripts/redis.sh stop || true
  scripts/postgres.sh stop || true
  rm -f "$DIR"/node*.pid "$DIR"/worker*.pid "$DIR"/*.port "$DIR/app.env" "$DIR/up.pid"
  echo "Cluster stopped." >&2
}

status() {
  local file n
  echo "balancer:  $(scripts/nginx.sh status 2>&1 || true)"
  for file in "$DIR"/node*.port; do
    [ -f "$file" ] || continue
    n=$(basename "$file" .port)
    n=${n#node}
    if alive "$DIR/node$n.pid"; then
      echo "node$n:     running on 127.0.0.1:$(cat "$file") (pid $(cat "$DIR/node$n.pid"))"
    else
      echo "node$n:     stopped (port 127.0.0.1:$(cat "$file"))"
    fi
    if alive "$DIR/worker$n.pid"; then echo "worker$n:   running"; else echo "worker$n:   stopped"; fi
  done
  echo "pgbouncer: $(scripts/pgbouncer.sh status 2>&1 || true)"
  echo "postgres:  $(scripts/postgres.sh status 2>&1 || true)"
  echo "redis:     $(scripts/redis.sh status 2>&1 || true)"
}

case "${1:-}" in
  up) up ;;
  down) request_down ;;
  status) status ;;
  stop) signal_node TERM "${2:-}" ;;
  kill) signal_node KILL "${2:-}" ;;
  start) start_node "$(node_number "${2:-}")" ;;
  kill-worker) kill_worker "${2:-}" ;;
  start-worker) restart_worker "${2:-}" ;;
  replica-delay) scripts/postgres.sh replica-delay "${2:?usage: $0 replica-delay MS}" ;;
  redis)
    case "${2:-}" in
      down) scripts/redis.sh stop ;;
      up) REDIS_PORT=$(cat "$DIR/redis.port") scripts/redis.sh start ;;
      *) echo "usage: $0 redis down|up" >&2; exit 2 ;;
    esac
    ;;
  *) echo "usage: $0 up|down|status|stop NODE|kill NODE|start NODE|kill-worker NODE|start-worker NODE|replica-delay MS|redis down|up" >&2; exit 2 ;;
esac

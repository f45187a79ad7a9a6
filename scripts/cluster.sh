#!/usr/bin/env bash
# A small production cluster on one machine, from the project's own scripts:
# nginx on $HOST:$PORT balancing CLUSTER_NODES app nodes (default 2), each a
# gunicorn with its task worker; PgBouncer (transaction pooling) in front of a
# PostgreSQL primary with a streaming replica; Redis.
#
#   scripts/cluster.sh up            # start everything, print the address; Ctrl-C stops it all
#   scripts/cluster.sh status        # each host: its namespace, address and state
#   scripts/cluster.sh stop NODE     # SIGTERM the node's gunicorn (it drains, then exits)
#   scripts/cluster.sh kill NODE     # SIGKILL the node's gunicorn and its workers
#   scripts/cluster.sh start NODE    # start the node's gunicorn again, on its address
#   scripts/cluster.sh replica-delay MS   # the replica applies WAL MS late
#   scripts/cluster.sh redis down|up      # stop Redis / start it again on its address
#   scripts/cluster.sh kill-worker NODE   # SIGKILL the node's task worker (its whole session)
#   scripts/cluster.sh start-worker NODE  # start the node's task worker again
#   scripts/cluster.sh down          # stop everything (what Ctrl-C on `up` does)
#   scripts/cluster.sh mode          # print the mode `up` would choose (netns|loopback)
#
# Hosts (CLUSTER_NETNS=auto|1|0, default auto): with namespaces (root and a
# working `ip netns`; auto falls back to loopback and says why, 1 insists),
# every host is a network namespace on a private bridge with a free /24
# (10.213.x.0/24 when free): `db` (.2: PostgreSQL primary and PgBouncer, as on
# a database host), `replica` (.3: the streaming replica), `redis` (.4),
# `nodeN` (.10+N: gunicorn and its task worker). The balancer stays in the
# root namespace (.1 on the bridge), the only listener on $HOST:$PORT; the
# other services listen on their private address only. Without namespaces
# every host is a loopback port of this machine.
# Names derive from CLUSTER_DIR (c + 6 hex: c1a2b3c-node1, bridge c1a2b3c-br),
# so clusters in other folders coexist; `down`, Ctrl-C and a failed `up`
# remove every namespace, veth and the bridge. NODE is 1..CLUSTER_NODES (or
# node1, ...). The nodes read the replica directly and write through
# PgBouncer; migrations run once, against PostgreSQL directly (from the root
# namespace), before the nodes start. CLUSTER_DIR holds the state (default
# .run/cluster): the verbs find what `up` started there (nodeN.host and
# nodeN.port: a node's address; nodeN.metrics: its metrics port; network.env: the mode and subnet).
# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT and the TASK_* reaper settings, when set in
# the environment of `up`, are passed on to the nodes and workers; EMAIL_HOST=root
# names this machine as the hosts reach it (root.host: the bridge's .1, or 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

DIR="${CLUSTER_DIR:-.run/cluster}"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
export PG_STATE="$DIR/postgres.env" REDIS_STATE="$DIR/redis.env" PGBOUNCER_STATE="$DIR/pgbouncer.env" NGINX_STATE="$DIR/nginx.env"

# Every namespace, veth and bridge of this cluster starts with this (and only
# this cluster's do): 1 + 6 + 1 + 7 ("replica") stays within 15 characters,
# the kernel's limit for an interface name.
NET_ID=c$(printf '%s' "$DIR" | sha1sum | cut -c1-6)
BRIDGE=$NET_ID-br
# Two clusters starting at once must not pick the same subnet.
SUBNET_LOCK=/tmp/backend-cluster-netns.lock
MODE=loopback
PREFIX=""
# shellcheck disable=SC1091
[ -f "$DIR/network.env" ] && source "$DIR/network.env"

# Why the hosts cannot be network namespaces here (prints nothing when they can).
netns_obstacle() {
  if [ "$(id -u)" -ne 0 ]; then echo "not root"; return; fi
  if ! command -v ip >/dev/null 2>&1; then echo "no ip command (iproute2)"; return; fi
  local probe=$NET_ID-probe
  if ! ip netns add "$probe" 2>/dev/null; then echo "ip netns add failed"; return; fi
  ip netns del "$probe"
  if ! ip link add "$probe" type bridge 2>/dev/null; then echo "ip link add type bridge failed"; return; fi
  ip link del "$probe"
}

# netns or loopback, from CLUSTER_NETNS (auto|1|0); one line on stderr says why when not netns.
choose_mode() {
  local wanted=${CLUSTER_NETNS:-auto} obstacle
  case "$wanted" in
    0)
      echo "Hosts: loopback ports of this machine (CLUSTER_NETNS=0)." >&2
      echo loopback
      ;;
    1 | auto)
      obstacle=$(netns_obstacle)
      if [ -z "$obstacle" ]; then
        echo netns
      elif [ "$wanted" = 1 ]; then
        echo "CLUSTER_NETNS=1, but network namespaces are unavailable: $obstacle." >&2
        return 1
      else
        echo "Hosts: loopback ports of this machine (network namespaces unavailable: $obstacle)." >&2
        echo loopback
      fi
      ;;
    *)
      echo "CLUSTER_NETNS must be auto, 1 or 0 (not: $wanted)" >&2
      return 2
      ;;
  esac
}

# The address of host NAME (db, replica, redis, nodeN): its own on the bridge, or loopback.
host_address() {
  local name=$1
  [ "$MODE" = netns ] || { echo 127.0.0.1; return; }
  case "$name" in
    db) echo "$PREFIX.2" ;;
    replica) echo "$PREFIX.3" ;;
    redis) echo "$PREFIX.4" ;;
    node*) echo "$PREFIX.$((10 + ${name#node}))" ;;
  esac
}

# Where host NAME runs, for status lines.
host_place() {
  if [ "$MODE" = netns ]; then echo "namespace $NET_ID-$1"; else echo "loopback"; fi
}

# The command prefix that runs a command on host NAME, one word per line (none on loopback).
host_prefix() {
  if [ "$MODE" = netns ]; then printf '%s\n' ip netns exec "$NET_ID-$1"; fi
}

# Run a command on host NAME.
on_host() {
  local name=$1 prefix
  shift
  mapfile -t prefix < <(host_prefix "$name")
  "${prefix[@]}" "$@"
}

# The first private /24 (10.213.x.0/24, from a start derived from NET_ID) that
# overlaps no address or route of this machine, as its first three octets.
free_subnet() {
  python3 - "$NET_ID" "$(ip -4 -o addr show)" "$(ip -4 route show table all)" <<'PY'
import ipaddress, re, sys

used = [
    ipaddress.ip_network(token, strict=False)
    for token in re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\b", sys.argv[2] + "\n" + sys.argv[3])
]
used = [network for network in used if network.prefixlen > 0]  # the default route is not a collision
start = int(sys.argv[1][1:], 16) % 256
for offset in range(256):
    candidate = ipaddress.ip_network(f"10.213.{(start + offset) % 256}.0/24")
    if not any(candidate.overlaps(network) for network in used):
        print(str(candidate.network_address).rsplit(".", 1)[0])
        sys.exit(0)
sys.exit("no free /24 in 10.213.0.0/16")
PY
}

# Host NAME as a namespace: a veth (named like the namespace) from the bridge
# to its eth0, its address, loopback up.
add_host() {
  local name=$1 ns=$NET_ID-$1
  ip netns add "$ns"
  ip link add "$ns" type veth peer name eth0 netns "$ns"
  ip link set "$ns" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$(host_address "$name")/24" dev eth0
  ip -n "$ns" link set eth0 up
}

# The private network: the bridge in the root namespace (.1, where the
# balancer and the release step run) and one namespace per host.
netns_up() {
  local nodes=$1 name
  exec 9>"$SUBNET_LOCK"
  flock 9
  PREFIX=$(free_subnet)
  # The bridge's address adds the subnet's route, which the next cluster's free_subnet sees.
  ip link add "$BRIDGE" type bridge
  ip addr add "$PREFIX.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  exec 9>&-
  MODE=netns
  printf 'MODE=netns\nPREFIX=%s\n' "$PREFIX" >"$DIR/network.env"
  for name in db replica redis $(seq -f 'node%g' 1 "$nodes"); do add_host "$name"; done
  echo "Hosts: network namespaces on bridge $BRIDGE, $PREFIX.0/24 (the balancer at $PREFIX.1 in the root namespace)." >&2
}

# Every namespace and interface of this cluster, found by name (so a half-built
# network goes too). A process still inside a namespace here was started by
# this cluster and outlived its stop: it is killed, or the namespace would live on.
netns_down() {
  command -v ip >/dev/null 2>&1 || return 0
  local ns pid link
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NET_ID-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    # Deleting the veth here removes its peer now; the namespace's own cleanup is deferred.
    ip link del "$ns" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$NET_ID-" || true); do
    ip link del "$link" 2>/dev/null || true
  done
  rm -f "$DIR/network.env"
}

node_number() {
  local node=${1:?NODE (1..N) required}
  node=${node#node}
  [ -f "$DIR/node$node.port" ] || { echo "No node $node in this cluster (see: $0 status)" >&2; exit 2; }
  echo "$node"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# gunicorn of node N on its host, in a session of its own (so `kill` reaches
# its workers), logging to its file. `ip netns exec` and setsid both exec, so
# the pid is gunicorn's.
start_node() {
  local n=$1 host port prefix
  if alive "$DIR/node$n.pid"; then echo "node$n already running" >&2; return; fi
  host=$(cat "$DIR/node$n.host")
  port=$(cat "$DIR/node$n.port")
  mapfile -t prefix < <(host_prefix "node$n")
  (
    # shellcheck disable=SC1091
    source "$DIR/app.env"
    export GUNICORN_BIND="$host:$port"
    export METRICS_BIND="$host:$(cat "$DIR/node$n.metrics")"
    export PROMETHEUS_MULTIPROC_DIR="$DIR/node$n-metrics"
    "${prefix[@]}" setsid .venv/bin/gunicorn -c gunicorn.conf.py backend.asgi:application >>"$DIR/node$n.log" 2>&1 &
    echo $! >"$DIR/node$n.pid"
  )
  for _ in $(seq 1 300); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(f"http://{sys.argv[1]}/health/", timeout=1)' "$host:$port" 2>/dev/null && {
      echo "node$n serving on $host:$port, metrics on $host:$(cat "$DIR/node$n.metrics") (pid $(cat "$DIR/node$n.pid"), $(host_place "node$n"))" >&2
      return
    }
    alive "$DIR/node$n.pid" || break
    sleep 0.1
  done
  echo "node$n did not start; its log:" >&2
  tail -n 40 "$DIR/node$n.log" >&2
  exit 1
}

# The task worker of node N, on the node's host.
start_worker() {
  local n=$1 prefix
  mapfile -t prefix < <(host_prefix "node$n")
  (
    # shellcheck disable=SC1091
    source "$DIR/app.env"
    "${prefix[@]}" setsid .venv/bin/python manage.py task_worker --queue-name '*' >>"$DIR/worker$n.log" 2>&1 &
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
    [ -n "${!name:-}" ] || continue
    if [ "$name" = EMAIL_HOST ] && [ "${!name}" = root ]; then
      # `root`: a mail server of this machine, at the address the hosts reach it by.
      printf 'export EMAIL_HOST=%q\n' "$(cat "$DIR/root.host")"
    else
      printf 'export %s=%q\n' "$name" "${!name}"
    fi
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

start_redis() {
  on_host redis env REDIS_BIND="$(cat "$DIR/redis.host")" REDIS_PORT="$(cat "$DIR/redis.port")" scripts/redis.sh start
}

up() {
  local nodes=${CLUSTER_NODES:-2}
  # Node N's address is .10+N of the /24.
  [[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 200 ] \
    || { echo "CLUSTER_NODES must be 1..200 (not: $nodes)" >&2; exit 2; }
  if [ -f "$DIR/app.env" ]; then
    echo "A cluster already has state in $DIR; stop it first: $0 down" >&2
    exit 1
  fi
  local mode
  mode=$(choose_mode)
  echo $$ >"$DIR/up.pid"
  trap 'down; exit 130' INT
  trap 'down; exit 143' TERM
  trap down EXIT
  if [ "$mode" = netns ]; then
    netns_up "$nodes"
  else
    printf 'MODE=loopback\n' >"$DIR/network.env"
  fi
  # What the hosts reach the root namespace at (a service a drill runs for them binds there).
  if [ "$MODE" = netns ]; then echo "$PREFIX.1" >"$DIR/root.host"; else echo 127.0.0.1 >"$DIR/root.host"; fi
  local private=""
  if [ "$MODE" = netns ]; then private="$PREFIX.0/24"; fi
  on_host db env PG_LISTEN="$(host_address db)" PG_ALLOW="$private" scripts/postgres.sh start
  on_host replica env PG_REPLICA_LISTEN="$(host_address replica)" scripts/postgres.sh replica-start
  host_address redis >"$DIR/redis.host"
  free_port >"$DIR/redis.port"
  start_redis
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
  on_host db env PGBOUNCER_LISTEN="$(host_address db)" PGBOUNCER_ALLOW="$private" scripts/pgbouncer.sh start
  local pooled
  pooled=$(scripts/pgbouncer.sh env)
  local secret
  secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')
  local upstreams="" hosts="localhost,127.0.0.1" n
  for n in $(seq 1 "$nodes"); do
    host_address "node$n" >"$DIR/node$n.host"
    free_port >"$DIR/node$n.port"
    # The node's metrics listener: its own address, a port nginx has no upstream for.
    free_port >"$DIR/node$n.metrics"
    upstreams+="${upstreams:+,}$(cat "$DIR/node$n.host"):$(cat "$DIR/node$n.port")"
    # A node is also asked by its own address (drills, health checks).
    if [ "$MODE" = netns ]; then hosts+=",$(cat "$DIR/node$n.host")"; fi
  done
  {
    echo "$direct"
    echo "$replica"
    echo "$pooled"
    echo "export REDIS_URL=redis://$(cat "$DIR/redis.host"):$(cat "$DIR/redis.port")/0"
    echo "export DJANGO_SETTINGS_MODULE=backend.settings.production"
    echo "export SECRET_KEY=${SECRET_KEY:-$secret}"
    echo "export ALLOWED_HOSTS=${ALLOWED_HOSTS:-$hosts}"
    echo "export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0} SECURE_HSTS_SECONDS=${SECURE_HSTS_SECONDS:-0}"
    echo "export NUM_PROXIES=1"
    echo "export HTTP_DRAIN_SECONDS=${HTTP_DRAIN_SECONDS:-2}"
    echo "export GUNICORN_WORKERS=${GUNICORN_WORKERS:-1}"
    passthrough_env
  } >"$DIR/app.env"
  for n in $(seq 1 "$nodes"); do
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
  # Nodes first (graceful), then the services they use, then the network.
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
  netns_down
  rm -f "$DIR"/node*.pid "$DIR"/worker*.pid "$DIR"/*.port "$DIR"/*.host "$DIR/app.env" "$DIR/up.pid"
  echo "Cluster stopped." >&2
}

status() {
  local file n
  if [ "$MODE" = netns ]; then
    echo "network:   namespaces on bridge $BRIDGE, $PREFIX.0/24"
    echo "balancer:  root namespace ($PREFIX.1 on the bridge), $(scripts/nginx.sh status 2>&1 || true)"
  else
    echo "network:   loopback ports (no namespaces)"
    echo "balancer:  $(scripts/nginx.sh status 2>&1 || true)"
  fi
  for file in "$DIR"/node*.port; do
    [ -f "$file" ] || continue
    n=$(basename "$file" .port)
    n=${n#node}
    local address
    address="$(cat "$DIR/node$n.host" 2>/dev/null || echo 127.0.0.1):$(cat "$file")"
    if alive "$DIR/node$n.pid"; then
      echo "node$n:     $(host_place "node$n"), running on $address (pid $(cat "$DIR/node$n.pid"))"
    else
      echo "node$n:     $(host_place "node$n"), stopped ($address)"
    fi
    if alive "$DIR/worker$n.pid"; then echo "worker$n:   $(host_place "node$n"), running"; else echo "worker$n:   $(host_place "node$n"), stopped"; fi
  done
  echo "pgbouncer: $(host_place db), $(scripts/pgbouncer.sh status 2>&1 || true)"
  echo "postgres:  $(host_place db), $(scripts/postgres.sh status 2>&1 || true)"
  local replica
  replica=$(scripts/postgres.sh replica-env 2>/dev/null | sed -E 's/.*DB_REPLICA_HOST=([^ ]+) DB_REPLICA_PORT=([^ ]+).*/\1:\2/' || true)
  if [ -n "$replica" ]; then echo "replica:   $(host_place replica), streaming on $replica"; else echo "replica:   $(host_place replica), stopped"; fi
  echo "redis:     $(host_place redis), $(scripts/redis.sh status 2>&1 || true)"
}

case "${1:-}" in
  up) up ;;
  down) request_down ;;
  status) status ;;
  mode) choose_mode ;;
  stop) signal_node TERM "${2:-}" ;;
  kill) signal_node KILL "${2:-}" ;;
  start) start_node "$(node_number "${2:-}")" ;;
  kill-worker) kill_worker "${2:-}" ;;
  start-worker) restart_worker "${2:-}" ;;
  replica-delay) scripts/postgres.sh replica-delay "${2:?usage: $0 replica-delay MS}" ;;
  redis)
    case "${2:-}" in
      down) scripts/redis.sh stop ;;
      up) start_redis ;;
      *) echo "usage: $0 redis down|up" >&2; exit 2 ;;
    esac
    ;;
  *) echo "usage: $0 up|down|status|mode|stop NODE|kill NODE|start NODE|kill-worker NODE|start-worker NODE|replica-delay MS|redis down|up" >&2; exit 2 ;;
esac

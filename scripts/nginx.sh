#!/usr/bin/env bash
# The public edge: nginx on $HOST:$PORT in front of the app servers.
#
#   scripts/nginx.sh start | stop | status | env
#
# PROXY_UPSTREAMS lists the app servers, comma-separated host:port (default:
# GUNICORN_BIND); they listen on loopback or the private network only.
# PROXY_LISTEN is the public address (default $HOST:$PORT). The limits are
# in scripts/nginx.conf.template and README "Deploying" (PROXY_*).
# Uses Debian's nginx-light, installing the package when nginx is missing.
# Everything nginx writes (config, pid, logs, body buffers) stays in its own
# temp folder; NGINX_STATE names the state file (default .run/nginx.env).
set -euo pipefail
cd "$(dirname "$0")/.."

STATE="${NGINX_STATE:-.run/nginx.env}"
NGINX="${NGINX:-/usr/sbin/nginx}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_binary() {
  [ -x "$NGINX" ] && return
  echo "nginx not found." >&2
  # The package may start a system-wide nginx on port 80; we do not use it.
  apt_install nginx-light nginx
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  [ -f "$NGINX_DIR/nginx.pid" ] && kill -0 "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null
}

# The upstream block's lines, one `server` per app server.
upstream_servers() {
  local list="${PROXY_UPSTREAMS:-${GUNICORN_BIND:-}}"
  if [ -z "$list" ]; then
    echo "PROXY_UPSTREAMS (or GUNICORN_BIND) must name the app server(s)." >&2
    exit 2
  fi
  local server
  IFS=',' read -ra servers <<<"$list"
  for server in "${servers[@]}"; do
    server="${server// /}"
    [ -n "$server" ] && printf '        server %s max_fails=1 fail_timeout=5s;\n' "$server"
  done
}

render() {
  local dir=$1 user=""
  # As root, the workers drop to nobody (they only need their temp folders).
  if [ "$(id -u)" -eq 0 ]; then user="user nobody $(id -gn nobody);"; fi
  local servers
  servers=$(upstream_servers)
  # The upstream lines go in with awk: sed would need them escaped.
  sed \
    -e "s|@USER@|$user|" \
    -e "s|@DIR@|$dir|g" \
    -e "s|@LISTEN@|${PROXY_LISTEN:-${HOST:-127.0.0.1}:${PORT:-8000}}|" \
    -e "s|@WORKERS@|${PROXY_WORKERS:-auto}|" \
    -e "s|@WORKER_CONNECTIONS@|${PROXY_WORKER_CONNECTIONS:-1024}|" \
    -e "s|@HEADER_BUFFERS@|${PROXY_HEADER_BUFFERS:-4}|g" \
    -e "s|@HEADER_BUFFER@|${PROXY_HEADER_BUFFER:-8k}|g" \
    -e "s|@CLIENT_TIMEOUT@|${PROXY_CLIENT_TIMEOUT:-10s}|g" \
    -e "s|@KEEPALIVE_TIMEOUT@|${PROXY_KEEPALIVE_TIMEOUT:-15s}|" \
    -e "s|@MAX_BODY@|${PROXY_MAX_BODY:-${DATA_UPLOAD_MAX_MEMORY_SIZE:-1048576}}|" \
    -e "s|@UPSTREAM_TIMEOUT@|${PROXY_UPSTREAM_TIMEOUT:-60s}|g" \
    -e "s|@TUNNEL_TIMEOUT@|${PROXY_TUNNEL_TIMEOUT:-3600s}|g" \
    scripts/nginx.conf.template |
    awk -v servers="$servers" '{ if ($0 == "@UPSTREAM_SERVERS@") print servers; else print }'
}

start() {
  if running; then
    echo "nginx already running at $NGINX_URL" >&2
    return
  fi
  ensure_binary
  local dir listen
  dir=$(mktemp -d "${TMPDIR:-/tmp}/backend-nginx.XXXXXX")
  # The workers (nobody, when started as root) must reach their temp folders.
  chmod 0711 "$dir"
  render "$dir" >"$dir/nginx.conf"
  listen="${PROXY_LISTEN:-${HOST:-127.0.0.1}:${PORT:-8000}}"
  # -e: even the messages before the config is read stay in this folder.
  if ! "$NGINX" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf"; then
    cat "$dir/error.log" >&2 || true
    rm -rf "$dir"
    exit 1
  fi
  for _ in $(seq 1 50); do
    [ -s "$dir/nginx.pid" ] && break
    sleep 0.1
  done
  mkdir -p "$(dirname "$STATE")"
  printf 'NGINX_DIR=%s\nNGINX_URL=http://%s/\n' "$dir" "$listen" >"$STATE"
  echo "nginx started at http://$listen/ (logs in $dir)" >&2
}

stop() {
  if [ ! -f "$STATE" ]; then
    echo "No nginx started by this script." >&2
    return
  fi
  # shellcheck disable=SC1090
  source "$STATE"
  if [ -f "$NGINX_DIR/nginx.pid" ]; then
    local pid
    pid=$(cat "$NGINX_DIR/nginx.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$NGINX_DIR" "$STATE"
  echo "nginx stopped." >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) running || { echo "nginx is not running; run: scripts/nginx.sh start" >&2; exit 1; }; echo "export NGINX_URL=$NGINX_URL" ;;
  status) if running; then echo "running at $NGINX_URL"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac

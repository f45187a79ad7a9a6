#!/usr/bin/env bash
# `make bench`: build a PostgreSQL database, serve the app with gunicorn under
# production settings (benchmarks.settings) twice, on its uvicorn workers
# (backend.asgi, the product) and on the gthread workers it used before
# (backend.wsgi, the *_wsgi entries), nginx in front of the first
# (scripts/nginx.sh with the product's template, the *_proxy entries), and the
# graphene reference with its own gunicorn from reference/.venv
# (reference.settings_bench, the same database), and the machine's floor
# (benchmarks/floor.py: a bare WSGI callable on the product's worker class and
# settings, the floor_* entries), drive them with wrk, write
# benchmarks/results/latest.json, latest.md and throughput.png and the
# results section of BENCHMARKS.md. Everything started here is stopped on exit.
#
# Knobs (environment): BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS,
# BENCH_WARMUP (see benchmarks/drive.py), BENCH_WORKERS (2), BENCH_THREADS (4),
# BENCH_NO_REPORT=1 to leave the committed results alone (results stay in .run/bench),
# BENCH_ONLY=name,name to run only those entries (no live-updates runs; the
# committed results are left alone, the entries' numbers go to BENCH_OUT,
# default .run/bench/only.json),
# BENCH_LAYERS=1 to measure the middleware layers in a BENCH_ONLY run too
# (benchmarks/layers.py; BENCH_LAYER_REQUESTS, BENCH_LAYER_ROUNDS),
# BENCH_LIVE_SUBSCRIBERS (100) and BENCH_LIVE_WRITES (20) for the live-updates
# latency (benchmarks/live.py, over a Redis channel layer started here),
# BENCH_FLOOD_SOCKETS (10), BENCH_FLOOD_SUBSCRIPTIONS (20) and
# BENCH_FLOOD_HANDSHAKES (30) for another user's connection_ack under one
# user's flood (benchmarks/live_flood.py).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=.run/bench
PY=.venv/bin/python
REF=reference/.venv/bin
mkdir -p "$WORK"
export PG_STATE="$WORK/postgres.env"

gunicorn_pid=""
reference_pid=""
wsgi_pid=""
floor_pid=""
export REDIS_STATE="$WORK/redis.env"
export NGINX_STATE="$WORK/nginx.env"
cleanup() {
  for pid in "$gunicorn_pid" "$reference_pid" "$wsgi_pid" "$floor_pid"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  gunicorn_pid=""
  reference_pid=""
  wsgi_pid=""
  floor_pid=""
  scripts/nginx.sh stop >/dev/null 2>&1 || true
  scripts/postgres.sh stop >/dev/null 2>&1 || true
  scripts/redis.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started_at=$(date +%s)

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk not found; installing Debian's wrk package..." >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >&2
fi

# A cluster of our own; a leftover from an interrupted run is thrown away first.
scripts/postgres.sh stop >/dev/null 2>&1 || true
scripts/postgres.sh start
eval "$(scripts/postgres.sh env)"
# Redis for the live-updates channel layer only (the cache stays in memory, as before).
scripts/redis.sh stop >/dev/null 2>&1 || true
scripts/redis.sh start
scripts/nginx.sh stop >/dev/null 2>&1 || true
channel_layer_url=$(scripts/redis.sh env | sed -n 's/^export REDIS_URL=//p' | tr -d "'\"")

export DJANGO_SETTINGS_MODULE=benchmarks.settings
export SECRET_KEY="bench-$($PY -c 'import secrets; print(secrets.token_urlsafe(40))')"
export ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
unset REDIS_URL

$PY manage.py migrate --noinput -v 0
$PY manage.py collectstatic --noinput -v 0
$PY -m benchmarks.seed "$WORK/fixture.json"
# The graphene endpoints' SQL is counted by the reference's own environment.
DJANGO_SETTINGS_MODULE=reference.settings_bench \
  $REF/python -m benchmarks.inspect_sql "$WORK/fixture.json" "$WORK/sql-reference.json" --server reference
$PY -m benchmarks.inspect_sql "$WORK/fixture.json" "$WORK/sql.json" --merge "$WORK/sql-reference.json"
# What each middleware and the authentication cost a list request, in process (benchmarks/layers.py):
# every full run; a BENCH_ONLY run with BENCH_LAYERS=1.
rm -f "$WORK/layers.json"
if [ -z "${BENCH_ONLY:-}" ] || [ "${BENCH_LAYERS:-0}" = "1" ]; then
  $PY -m benchmarks.layers "$WORK/fixture.json" "$WORK/layers.json"
fi

free_port() {
  $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
# wait_for PORT PID LOG: until /health/ answers 200, or the process exits (90 s: a preloading
# server starts slowly on a loaded machine).
wait_for() {
  $PY - "$1" "$2" "$3" <<'PY'
import os, sys, time, urllib.request
port, pid, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
deadline = time.monotonic() + 90
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"the server exited; see {log}")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as reply:
            if reply.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(f"the server did not answer within 90s; see {log}")
PY
}

# Both servers get the same gunicorn settings (gunicorn.conf.py, the same
# worker and thread counts); the reference's is its own environment's gunicorn.
export GUNICORN_WORKERS="${BENCH_WORKERS:-2}" GUNICORN_THREADS="${BENCH_THREADS:-4}" GUNICORN_MAX_REQUESTS=0
port=$(free_port)
# benchmarks/live.py opens 100 sockets of one user from one address: past the default socket caps.
GUNICORN_BIND="127.0.0.1:$port" CHANNEL_LAYER_REDIS_URL="$channel_layer_url" \
  LIVE_MAX_SOCKETS_PER_USER=1000 LIVE_MAX_SOCKETS_PER_ADDRESS=1000 \
  .venv/bin/gunicorn -c gunicorn.conf.py backend.asgi:application >"$WORK/gunicorn.log" 2>&1 &
gunicorn_pid=$!
wait_for "$port" "$gunicorn_pid" "$WORK/gunicorn.log"
# The server before live updates: the same app, settings and worker count on gthread + WSGI.
wsgi_port=$(free_port)
GUNICORN_BIND="127.0.0.1:$wsgi_port" GUNICORN_WORKER_CLASS=gthread \
  .venv/bin/gunicorn -c gunicorn.conf.py backend.wsgi >"$WORK/gunicorn-wsgi.log" 2>&1 &
wsgi_pid=$!
wait_for "$wsgi_port" "$wsgi_pid" "$WORK/gunicorn-wsgi.log"
reference_port=$(free_port)
# The reference is a WSGI app on gthread, like the product before live updates.
GUNICORN_BIND="127.0.0.1:$reference_port" DJANGO_SETTINGS_MODULE=reference.settings_bench GUNICORN_WORKER_CLASS=gthread \
  $REF/gunicorn -c gunicorn.conf.py reference.wsgi >"$WORK/reference.log" 2>&1 &
reference_pid=$!
wait_for "$reference_port" "$reference_pid" "$WORK/reference.log"
# The machine's floor: the product's gunicorn settings and worker class, a bare WSGI callable.
floor_port=$(free_port)
GUNICORN_BIND="127.0.0.1:$floor_port" \
  BENCH_FLOOR_USER_ID="$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["reader_id"])' "$WORK/fixture.json")" \
  .venv/bin/gunicorn -c gunicorn.conf.py benchmarks.floor:application >"$WORK/floor.log" 2>&1 &
floor_pid=$!
wait_for "$floor_port" "$floor_pid" "$WORK/floor.log"
# The production edge in front of the product's gunicorn: the same template and
# defaults as `make serve` (scripts/nginx.conf.template, worker_processes auto).
proxy_port=$(free_port)
PROXY_UPSTREAMS="127.0.0.1:$port" PROXY_LISTEN="127.0.0.1:$proxy_port" scripts/nginx.sh start
proxy_master=$(cat "$(sed -n 's/^NGINX_DIR=//p' "$NGINX_STATE")/nginx.pid")
wait_for "$proxy_port" "$proxy_master" "$(sed -n 's/^NGINX_DIR=//p' "$NGINX_STATE")/error.log"
echo "gunicorn (pid $gunicorn_pid) on 127.0.0.1:$port, nginx in front of it on 127.0.0.1:$proxy_port," \
  "the reference's (pid $reference_pid) on 127.0.0.1:$reference_port; driving them with wrk..." >&2
$PY -m benchmarks.drive "$WORK/fixture.json" "$gunicorn_pid" "http://127.0.0.1:$port" "$WORK/drive.json" \
  "$reference_pid" "http://127.0.0.1:$reference_port" "$wsgi_pid" "http://127.0.0.1:$wsgi_port" \
  "http://127.0.0.1:$proxy_port" "$floor_pid" "http://127.0.0.1:$floor_port"
rm -f "$WORK/live.json" "$WORK/live_flood.json"
if [ -z "${BENCH_ONLY:-}" ]; then
  $PY -m benchmarks.live "$WORK/fixture.json" "http://127.0.0.1:$port" "$WORK/live.json"
  $PY -m benchmarks.live_flood "$WORK/fixture.json" "http://127.0.0.1:$port" "$WORK/live_flood.json"
fi
cleanup

if [ -n "${BENCH_ONLY:-}" ]; then
  $PY -m benchmarks.report "$WORK" --only "${BENCH_OUT:-$WORK/only.json}"
elif [ "${BENCH_NO_REPORT:-0}" = "1" ]; then
  $PY -m benchmarks.report "$WORK" --print-only
else
  $PY -m benchmarks.report "$WORK"
fi
echo "make bench: done in $(( $(date +%s) - started_at ))s" >&2

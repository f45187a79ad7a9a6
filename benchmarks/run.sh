#!/usr/bin/env bash
# `make bench`: build a PostgreSQL database, serve the app with gunicorn under
# production settings (benchmarks.settings), drive it with wrk, write
# benchmarks/results/latest.json, benchmarks/results/throughput.png and the
# results section of BENCHMARKS.md. Everything started here is stopped on exit.
#
# Knobs (environment): BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS,
# BENCH_WARMUP (see benchmarks/drive.py), BENCH_WORKERS (2), BENCH_THREADS (4),
# BENCH_NO_REPORT=1 to leave the committed results alone (results stay in .run/bench).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=.run/bench
PY=.venv/bin/python
mkdir -p "$WORK"
export PG_STATE="$WORK/postgres.env"

gunicorn_pid=""
cleanup() {
  if [ -n "$gunicorn_pid" ] && kill -0 "$gunicorn_pid" 2>/dev/null; then
    kill -TERM "$gunicorn_pid" 2>/dev/null || true
    wait "$gunicorn_pid" 2>/dev/null || true
  fi
  gunicorn_pid=""
  scripts/postgres.sh stop >/dev/null 2>&1 || true
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

export DJANGO_SETTINGS_MODULE=benchmarks.settings
export SECRET_KEY="bench-$($PY -c 'import secrets; print(secrets.token_urlsafe(40))')"
export ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
unset REDIS_URL

$PY manage.py migrate --noinput -v 0
$PY manage.py collectstatic --noinput -v 0
$PY -m benchmarks.seed "$WORK/fixture.json"
$PY -m benchmarks.inspect_sql "$WORK/fixture.json" "$WORK/sql.json"

port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
GUNICORN_BIND="127.0.0.1:$port" \
GUNICORN_WORKERS="${BENCH_WORKERS:-2}" \
GUNICORN_THREADS="${BENCH_THREADS:-4}" \
GUNICORN_MAX_REQUESTS=0 \
  .venv/bin/gunicorn -c gunicorn.conf.py backend.wsgi >"$WORK/gunicorn.log" 2>&1 &
gunicorn_pid=$!
$PY - "$port" "$gunicorn_pid" <<'PY'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("gunicorn exited; see .run/bench/gunicorn.log")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as reply:
            if reply.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("gunicorn did not answer within 30s; see .run/bench/gunicorn.log")
PY
echo "gunicorn (pid $gunicorn_pid) on 127.0.0.1:$port; driving it with wrk..." >&2
$PY -m benchmarks.drive "$WORK/fixture.json" "$gunicorn_pid" "http://127.0.0.1:$port" "$WORK/drive.json"
cleanup

if [ "${BENCH_NO_REPORT:-0}" = "1" ]; then
  $PY -m benchmarks.report "$WORK" --print-only
else
  $PY -m benchmarks.report "$WORK"
fi
echo "make bench: done in $(( $(date +%s) - started_at ))s" >&2

#!/usr/bin/env bash
# The production stack on one machine: nginx on $HOST:$PORT (the public
# edge, scripts/nginx.sh) in front of gunicorn on a private loopback port,
# with production settings, PostgreSQL and Redis started by the project's
# scripts on loopback. Everything this script started is stopped when it
# exits (Ctrl-C, or SIGTERM to this script).
set -euo pipefail
cd "$(dirname "$0")/.."

started=()
worker_pid=""
server_pid=""
cleanup() {
  # gunicorn finishes the requests in flight (SIGTERM: graceful), then the
  # task worker finishes the mail it is sending; then the services.
  for pid in "$server_pid" "$worker_pid"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  server_pid=""
  worker_pid=""
  for service in "${started[@]}"; do "scripts/$service.sh" stop || true; done
  started=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

if ! scripts/postgres.sh status >/dev/null 2>&1; then scripts/postgres.sh start; started+=(postgres); fi
if ! scripts/redis.sh status >/dev/null 2>&1; then scripts/redis.sh start; started+=(redis); fi
eval "$(scripts/postgres.sh env)"
eval "$(scripts/redis.sh env)"

export DJANGO_SETTINGS_MODULE=backend.settings.production
# Local stand-ins for what a real deployment provides.
export SECRET_KEY="${SECRET_KEY:-local-serve-$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost,127.0.0.1}"
# No TLS on loopback: no redirect to https. Cookies stay Secure, which browsers
# accept on http://localhost.
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-0}"
export SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
# The app server listens on loopback only; nginx is the only way in and
# appends the client's address to X-Forwarded-For: one trusted proxy.
export GUNICORN_BIND="${GUNICORN_BIND:-127.0.0.1:$(free_port)}"
export NUM_PROXIES="${NUM_PROXIES:-1}"
# Prometheus metrics from the gunicorn master, on loopback: nginx never routes to it.
export METRICS_BIND="${METRICS_BIND:-127.0.0.1:$(free_port)}"

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput -v 0
# The background task worker (password reset and email-change mail): it reads
# the database queue, so tasks enqueued while it was down are sent when it
# starts again.
.venv/bin/python manage.py task_worker --queue-name '*' &
worker_pid=$!
echo "Task worker started (pid $worker_pid): manage.py task_worker" >&2
if scripts/nginx.sh status >/dev/null 2>&1; then
  echo "An nginx started earlier still runs ($(scripts/nginx.sh status)); stop it: scripts/nginx.sh stop" >&2
  exit 1
fi
scripts/nginx.sh start
started=(nginx "${started[@]}")
.venv/bin/gunicorn -c gunicorn.conf.py backend.asgi:application &
server_pid=$!
echo "Serving the production stack on http://${HOST:-127.0.0.1}:${PORT:-8000}/ (nginx, then gunicorn on $GUNICORN_BIND; metrics on http://$METRICS_BIND/metrics; Ctrl-C stops everything)" >&2
# `wait` (not gunicorn in the foreground) lets a signal to this script run
# the cleanup at once.
wait "$server_pid" || true

#!/usr/bin/env bash
# The production stack on one machine: production settings, gunicorn,
# PostgreSQL and Redis started by the project's scripts on loopback.
# Everything this script started is stopped when it exits (Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

started=()
worker_pid=""
cleanup() {
  # The task worker first: it finishes the mail it is sending, then exits (SIGTERM).
  if [ -n "$worker_pid" ]; then kill -TERM "$worker_pid" 2>/dev/null || true; wait "$worker_pid" 2>/dev/null || true; fi
  worker_pid=""
  for service in "${started[@]}"; do "scripts/$service.sh" stop || true; done
  started=()
}
trap cleanup EXIT INT TERM

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

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput -v 0
# The background task worker (password reset and email-change mail): it reads
# the database queue, so tasks enqueued while it was down are sent when it
# starts again.
.venv/bin/python manage.py task_worker --queue-name '*' &
worker_pid=$!
echo "Task worker started (pid $worker_pid): manage.py task_worker" >&2
echo "Serving the production stack on http://${HOST:-127.0.0.1}:${PORT:-8000}/ (Ctrl-C stops everything)" >&2
.venv/bin/gunicorn -c gunicorn.conf.py backend.asgi:application

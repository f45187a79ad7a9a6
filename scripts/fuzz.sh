#!/usr/bin/env bash
# Fuzz the running API with schemathesis: the REST surface from its OpenAPI
# document and the GraphQL surface from its schema.
#
#   scripts/fuzz.sh        # `make fuzz`: the default length
#   scripts/fuzz.sh ci     # `make fuzz-ci`: a short slice, the same every run
#
# Starts the development server (runserver, DEBUG off, as a deployment
# answers) on a free loopback port against a fresh SQLite database in a temp
# folder, registers a user for a token, runs schemathesis authenticated with
# `Authorization: Token ...`, and stops the server and deletes the folder on
# any exit. Exits non-zero when schemathesis reports a failure.
#
# Environment: FUZZ_SEED (default 20240101), FUZZ_MAX_EXAMPLES (default 100,
# ci 8), PYTHON_BIN (default .venv/bin).
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-full}
BIN=${PYTHON_BIN:-.venv/bin}
SEED=${FUZZ_SEED:-20240101}
case "$MODE" in
  full) MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-100} ;;
  ci) MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-8} ;;
  *) echo "usage: $0 [full|ci]" >&2; exit 2 ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/backend-fuzz.XXXXXX")
SERVER_PID=""
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$WORK/server.log" ]; then
    echo "--- last lines of the server log ---" >&2
    tail -n 40 "$WORK/server.log" >&2
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"

# A server of its own: SQLite in the temp folder, whatever DB_* or REDIS_URL
# the shell has. DEBUG off: clients of a deployment never see Django's debug
# pages, and neither should the fuzzer. The auth throttle (10/min by default)
# is raised: at that rate nearly every generated login, register and reset
# request would be answered 429 (documented, so not a failure) and the
# fuzzer would never reach their validation. Throttling has its own tests.
# Mail goes to memory instead of the console log.
export DJANGO_SETTINGS_MODULE=backend.settings.development
export SQLITE_PATH="$WORK/db.sqlite3"
export DEBUG=0
export AUTH_THROTTLE_RATE=1000000/min
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export LOG_LEVEL=WARNING
unset DB_NAME REDIS_URL

"$BIN/python" manage.py migrate --noinput -v 0
"$BIN/python" manage.py runserver --noreload --nothreading "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

# Wait (bounded) for /health/, then register the user the fuzzer acts as.
TOKEN=$("$BIN/python" - "$BASE" "$SERVER_PID" <<'PY'
import json, os, sys, time, urllib.error, urllib.request

base, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited before answering")
    try:
        with urllib.request.urlopen(base + "/health/", timeout=5) as reply:
            if reply.status == 200:
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("the server did not answer /health/ within 60 s")
    time.sleep(0.2)

body = json.dumps({"email": "fuzzer@example.com", "username": "fuzzer", "password": "fuzz-Passw0rd-long-enough"})
request = urllib.request.Request(
    base + "/api/auth/register/", data=body.encode(), method="POST",
    headers={"Content-Type": "application/json"},
)
with urllib.request.urlopen(request, timeout=30) as reply:
    print(json.load(reply)["token"])
PY
)

# schemathesis keeps a cache of failures in ./.schemathesis by default; this
# run's goes into the temp folder instead, so nothing is left in the tree.
printf '[cache]\ndirectory = "%s"\n' "$WORK/schemathesis-cache" >"$WORK/schemathesis.toml"
ST=("$BIN/schemathesis" --config-file "$WORK/schemathesis.toml")

COMMON=(
  --seed "$SEED"
  --max-examples "$MAX_EXAMPLES"
  --workers 1
  --generation-database none
  --header "Authorization: Token $TOKEN"
  --request-timeout 30
  --no-color
)

status=0
echo "== REST: $BASE/api/schema/ (max $MAX_EXAMPLES examples per operation, seed $SEED)"
# Logout is left out: it would delete the token every later request uses.
"${ST[@]}" run "$BASE/api/schema/" "${COMMON[@]}" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-path /api/auth/logout/ \
  || status=$?

echo "== GraphQL: $BASE/graphql/ (max $MAX_EXAMPLES examples per field, seed $SEED)"
"${ST[@]}" run "$BASE/graphql/" "${COMMON[@]}" \
  --checks not_a_server_error \
  || status=$?

exit "$status"

#!/usr/bin/env bash
# `make bench-ratio`: benchmarks/ratio.py on a throwaway PostgreSQL seeded as
# `make bench` seeds it (benchmarks/seed.py): the worker CPU time per request
# of each list endpoint, the product's gunicorn and the graphene reference's,
# 1 worker x 1 thread each, endpoints interleaved. Ratios of CPU time hold on
# a busy machine, where requests/s do not (docs/decisions/0007-cpu-time-ratios.md).
# Everything started here is stopped on exit.
#
# Knobs (environment): RATIO_ROUNDS (10), RATIO_BLOCK (30 requests per block),
# RATIO_ARGS (more arguments for ratio.py, e.g. "--names strawberry_detail graphene_detail").
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=.run/bench-ratio
PY=.venv/bin/python
mkdir -p "$WORK"
export PG_STATE="$WORK/postgres.env"
trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM

scripts/postgres.sh stop >/dev/null 2>&1 || true
scripts/postgres.sh start
eval "$(scripts/postgres.sh env)"

export DJANGO_SETTINGS_MODULE=benchmarks.settings
export SECRET_KEY="bench-$($PY -c 'import secrets; print(secrets.token_urlsafe(40))')"
export ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
unset REDIS_URL

$PY manage.py migrate --noinput -v 0
$PY -m benchmarks.seed "$WORK/fixture.json"
# shellcheck disable=SC2086
$PY -m benchmarks.ratio "$WORK/fixture.json" --logs "$WORK" --out "$WORK/ratio.json" ${RATIO_ARGS:-}

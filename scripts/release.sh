#!/bin/sh
# The release step: once per deploy, before the new web servers start, against
# PostgreSQL directly (not through PgBouncer): the schema, then the database's
# statement timeout. The image runs it as `docker run IMAGE scripts/release.sh`.
set -eu
cd "$(dirname "$0")/.."
python manage.py migrate --noinput
python manage.py set_statement_timeout

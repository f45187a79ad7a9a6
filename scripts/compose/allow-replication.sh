#!/bin/sh
# Run by the postgres image at the first start (docker-entrypoint-initdb.d): the
# compose file's replica connects for replication with the app's password.
set -eu
echo "host replication ${POSTGRES_USER} all scram-sha-256" >>"$PGDATA/pg_hba.conf"

"""Production settings plus what only the benchmarks mount.

The driver (benchmarks/run.sh) provides what production requires from the
environment (SECRET_KEY, ALLOWED_HOSTS, DB_*). Plain HTTP on loopback, so no
redirect to HTTPS and no HSTS; everything else is exactly production.
"""

from backend.settings.production import *  # noqa: F403

DEBUG = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# backend.urls plus the `raw` floor. The graphene reference is a server of its
# own (reference/.venv, reference.settings_bench), started by benchmarks/run.sh.
ROOT_URLCONF = "benchmarks.urls"
# One server answers the same operation as text and as a trusted document id
# (benchmarks.endpoints), so text must run: production would refuse it.
GRAPHQL_TRUSTED_DOCUMENTS_ONLY = False

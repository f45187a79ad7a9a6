"""Production settings plus what only the benchmarks mount.

The driver (benchmarks/run.sh) provides what production requires from the
environment (SECRET_KEY, ALLOWED_HOSTS, DB_*). Plain HTTP on loopback, so no
redirect to HTTPS and no HSTS; everything else is exactly production.
"""

from backend.settings.production import *  # noqa: F403
from backend.settings.production import INSTALLED_APPS

DEBUG = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# backend.urls plus the `raw` floor and the graphene reference.
ROOT_URLCONF = "benchmarks.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "graphene_django"]
# One server answers the same operation as text and as a trusted document id
# (benchmarks.endpoints), so text must run: production would refuse it.
GRAPHQL_TRUSTED_DOCUMENTS_ONLY = False

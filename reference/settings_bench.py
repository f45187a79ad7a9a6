"""The reference as ``make bench`` serves it: production settings, as benchmarks.settings has them.

benchmarks/run.sh provides what production requires from the environment
(SECRET_KEY, ALLOWED_HOSTS, DB_*). Plain HTTP on loopback, so no HTTPS
redirect and no HSTS, exactly as the product's benchmark server.
"""

from backend.settings.production import *  # noqa: F403
from reference.settings import (  # noqa: F401 (settings)
    GRAPHENE,
    INSTALLED_APPS,
    MIDDLEWARE,
    REST_FRAMEWORK,
    ROOT_URLCONF,
    WSGI_APPLICATION,
)

DEBUG = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
REFERENCE_SQL_HEADER = False

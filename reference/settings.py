"""Settings of the reference server: the product's base settings, without its GraphQL surface.

The same database (``DATABASES`` from the same environment variables: DB_* for
PostgreSQL, SQLITE_PATH for SQLite), the same user model, time zone, page
sizes and middleware; the apps are only those the reference's imports need,
all of them installed by reference/requirements.txt. It never migrates: the
product owns the schema of the database.
"""

from backend.settings.base import *  # noqa: F403
from backend.settings.base import MIDDLEWARE

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework.authtoken",
    "graphene_django",
    "authentication",
    "api",
    # The product's middleware reads the audit trail's context (audit/context.py).
    "audit",
]
# The product's stack, minus what this environment does not install (static
# files, CORS and the Prometheus metrics mean nothing to a GraphQL endpoint
# read by tests and wrk).
MIDDLEWARE = [
    name for name in MIDDLEWARE if not name.startswith(("whitenoise.", "corsheaders.", "backend.metrics."))
]
ROOT_URLCONF = "reference.urls"
WSGI_APPLICATION = "reference.wsgi.application"
# The product's REST_FRAMEWORK names classes of packages this environment does
# not have (drf-spectacular, django-filter); the reference only calls
# TokenAuthentication itself.
REST_FRAMEWORK: dict = {}
GRAPHENE = {"SCHEMA": "reference.schema.schema"}

# Every SQL statement of a /graphql/ request in an X-Reference-SQL header.
# Only reference.settings_test turns it on (the tests count the reference's
# queries from the outside); it would leak the SQL to any caller.
REFERENCE_SQL_HEADER = False

"""Production: every secret and host from the environment, PostgreSQL, HTTPS only.

A missing required variable stops start-up with a message naming it.
"""

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_required, env_str

DEBUG = False
SECRET_KEY = env_required("SECRET_KEY", "a long random string")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    env_required("ALLOWED_HOSTS", "comma-separated host names this site answers to")

env_required("DB_NAME", "production runs on PostgreSQL; also set DB_USER, DB_PASSWORD, DB_HOST, DB_PORT")

# HTTPS everywhere. SECURE_PROXY_SSL_HEADER is trusted only when the app sits
# behind a proxy that sets it (USE_X_FORWARDED_PROTO=1).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# Health checks from the load balancer arrive over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]

# Hashed, compressed static files that browsers may cache forever.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per log line, with the request id.
LOGGING["handlers"]["console"]["formatter"] = env_str("LOG_FORMAT", "json")  # noqa: F405

GRAPHIQL_ENABLED = env_bool("GRAPHIQL_ENABLED", False)
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", False)
GRAPHQL_TRUSTED_DOCUMENTS_ONLY = env_bool("GRAPHQL_TRUSTED_DOCUMENTS_ONLY", True)

# Mail and other background work wait in the database for `manage.py
# task_worker` (started by scripts/serve.sh), surviving restarts of either.
TASKS = tasks_from_env("database")  # noqa: F405

"""Settings for the test suite (pytest-django and `manage.py test`)."""

from .base import *  # noqa: F403
from .base import DATABASES, LOCAL_FRONTEND_ORIGINS
from .env import env_list

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"

# Fast hashing: the suite creates many users; security is not under test here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    # Tests open and close many connections; keep none around between them.
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# The in-process socket tests run a socket's database calls on the test's own thread,
# inside its transaction; tests/live/test_fairness.py turns the pool on.
LIVE_DB_THREADS = 0

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", LOCAL_FRONTEND_ORIGINS)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", LOCAL_FRONTEND_ORIGINS)
GRAPHIQL_ENABLED = True
# Any query runs unless a test turns trusted documents only on.
GRAPHQL_TRUSTED_DOCUMENTS_ONLY = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"], "level": "WARNING"},
}
# Serve static files from the apps without collectstatic (as DEBUG would).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# A model written the team guide's way (ForeignKey to the built-in User), for
# tests/guide_app/test_guide_model.py: it must pass Django's system checks.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.guide_app"]  # noqa: F405

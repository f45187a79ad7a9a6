"""Local development: DEBUG on, SQLite unless DB_NAME is set, mail to the console."""

from .base import *  # noqa: F403
from .base import LOCAL_FRONTEND_ORIGINS
from .env import env_bool, env_list, env_str

DEBUG = env_bool("DEBUG", True)
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", LOCAL_FRONTEND_ORIGINS)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", LOCAL_FRONTEND_ORIGINS)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
GRAPHIQL_ENABLED = env_bool("GRAPHIQL_ENABLED", True)

"""Settings shared by every environment.

Environment-specific modules (development, test, production) import this and
override what differs. Anything a deployment may change is read from the
environment through ``backend.settings.env``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Overridden in production, where it is required from the environment.
SECRET_KEY = env_str("SECRET_KEY") or "django-insecure-development-only-key-change-me-0123456789"
# Keys being rotated out (comma-separated, newest first): sessions, password
# reset links and cursors signed with one of them stay valid while it is
# listed. Rotate by moving the old SECRET_KEY here; drop it after the longest
# lifetime you want to honour (sessions: SESSION_COOKIE_AGE).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    # First, so `runserver` is this one: daphne's (HTTP and WebSocket, live updates, in
    # development), answering an over-long request line with a 414 as production does.
    "backend.devserver",
    "daphne",
    # django.contrib.admin, with a throttled login form (authentication/admin_site.py).
    "authentication.admin_site.ThrottledAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's files, pinned in requirements.txt and served by this backend.
    "drf_spectacular_sidecar",
    "strawberry_django",
    "channels",
    # Background tasks (Django 6's tasks framework, backported) and their
    # database queue: mail leaves the request path (authentication/tasks.py).
    "django_tasks",
    "django_tasks_db",
    "authentication",
    "api",
    "graphql_api",
    # The audit trail and event outbox: records every write of a policy-registered model.
    "audit",
]

MIDDLEWARE = [
    # Outermost: sees every response, the ones answered before routing included (backend/metrics.py).
    "backend.metrics.MetricsMiddleware",
    "backend.request_id.RequestIDMiddleware",
    # Which surface and request a write comes from, for the audit trail (audit/context.py).
    "audit.context.AuditContextMiddleware",
    # A coded 503 with Retry-After is logged once as our warning, not again by django.request.
    "backend.middleware.OutageLoggedOnce",
    # Decides, before anything reads, whether this request may read the replica (backend/replica.py).
    "backend.replica.ReplicaReadsMiddleware",
    # API_STATEMENT_TIMEOUT_MS for all of a request's SQL (PostgreSQL), whichever layer sends it.
    "backend.middleware.RequestStatementTimeout",
    "django.middleware.security.SecurityMiddleware",
    # Both see every response below them, the debug pages included.
    "backend.middleware.ContentSecurityPolicyMiddleware",
    "backend.middleware.APIErrorsAsJSONMiddleware",
    # RateLimit-Policy / RateLimit from what the throttles counted (backend.ratelimit).
    "backend.ratelimit.RateLimitHeadersMiddleware",
    # Static files (admin, Swagger UI, GraphiQL assets) straight from the app.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # CORS answers preflights before anything else can reject them.
    "corsheaders.middleware.CorsMiddleware",
    "backend.middleware.SafeCommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "backend.urls"
# `manage.py test` runs the pytest suite (see backend/test_runner.py).
TEST_RUNNER = "backend.test_runner.PytestTestRunner"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The Swagger UI page (backend/templates/backend/swagger_ui.html).
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# A connection pooler between the app and PostgreSQL: "" (none, the default) or
# "pgbouncer" (PgBouncer in transaction pooling, scripts/pgbouncer.sh). With one,
# a client's transactions may each run on another server connection, so nothing
# may rely on session state: no server-side cursors, no `options` startup
# parameter (PgBouncer refuses it); the statement timeout is then the database's
# own default (`manage.py set_statement_timeout`) and a request's is set per
# transaction (backend.middleware.RequestStatementTimeout).
def database_pooler() -> str:
    pooler = (env_str("DB_POOLER") or "").strip().lower()
    if pooler not in ("", "pgbouncer"):
        raise ImproperlyConfigured(f"DB_POOLER must be empty or 'pgbouncer', got {pooler!r}.")
    return pooler


def database_from_env() -> dict:
    """SQLite by default; PostgreSQL as soon as DB_NAME is set."""
    if env_str("DB_NAME"):
        pooler = database_pooler()
        options: dict = {"connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)}
        if not pooler:
            # Directly connected: the timeout travels with the connection.
            timeout = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000, minimum=0)
            options["options"] = f"-c statement_timeout={timeout}"
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env_str("DB_NAME"),
            "USER": env_str("DB_USER", ""),
            "PASSWORD": env_str("DB_PASSWORD", ""),
            "HOST": env_str("DB_HOST", "localhost"),
            "PORT": env_str("DB_PORT", "5432"),
            # Persistent connections, checked before reuse so that a restarted
            # database costs one failed request at most, not a worker restart.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
            # A server-side cursor (`.iterator()`, the admin's choice lists) lives in
            # one server session, which a transaction pooler does not keep.
            "DISABLE_SERVER_SIDE_CURSORS": bool(pooler),
            "OPTIONS": options,
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("SQLITE_PATH") or str(BASE_DIR / "db.sqlite3"),
    }


DATABASE_POOLER = database_pooler()
# statement_timeout of every connection that is not a request's (migrations,
# commands, the task worker); 0 turns it off.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000, minimum=0)
DATABASES = {"default": database_from_env()}
# How long `manage.py migrate` waits for another run's lock (api/management/commands/migrate.py).
MIGRATE_LOCK_TIMEOUT_SECONDS = env_int("MIGRATE_LOCK_TIMEOUT_SECONDS", 600, minimum=1)

# A streaming replica for data-model reads (backend/replica.py): read-your-writes
# per credential, only while it is at most REPLICA_MAX_LAG_SECONDS behind.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10, minimum=1)
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5, minimum=0)
REPLICA_ENABLED = bool(env_str("DB_REPLICA_HOST")) and DATABASES["default"]["ENGINE"].endswith("postgresql")
if REPLICA_ENABLED:
    if REPLICA_PIN_SECONDS <= REPLICA_MAX_LAG_SECONDS:
        raise ImproperlyConfigured(
            "REPLICA_PIN_SECONDS must exceed REPLICA_MAX_LAG_SECONDS: a caller who wrote must read "
            "the primary for longer than any replica in use can lag."
        )
    DATABASES["replica"] = {
        **DATABASES["default"],
        "HOST": env_str("DB_REPLICA_HOST"),
        "PORT": env_str("DB_REPLICA_PORT", DATABASES["default"]["PORT"]),
        # The test runner must not create a second test database: the replica is a copy.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["backend.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Project-level assets (the Swagger UI page's style); GraphiQL's are in graphql_api/static.
STATICFILES_DIRS = [BASE_DIR / "backend" / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# One limit for every surface: larger bodies are refused with a JSON 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

CSRF_FAILURE_VIEW = "backend.views.csrf_failure"
# The frontend reads the csrftoken cookie from JavaScript to send X-CSRFToken.
CSRF_COOKIE_HTTPONLY = False

# Throttle counts and anything else cached live here. A shared cache
# (REDIS_URL) makes limits hold across worker processes and machines.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "backend"),
            # A Redis that stops answering fails a throttled request (503) in
            # bounded time instead of holding its thread forever.
            "OPTIONS": {
                "socket_connect_timeout": env_int("CACHE_TIMEOUT_SECONDS", 2, minimum=1),
                "socket_timeout": env_int("CACHE_TIMEOUT_SECONDS", 2, minimum=1),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Live updates (graphql_api.live): the channel layer that carries events between
# processes. Redis (channels-redis) when CHANNEL_LAYER_REDIS_URL or REDIS_URL is
# set, so every server process delivers every event; otherwise in memory, which
# reaches only the sockets of the process that made the change (development).
CHANNEL_LAYER_REDIS_URL = env_str("CHANNEL_LAYER_REDIS_URL") or REDIS_URL
if CHANNEL_LAYER_REDIS_URL:
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, the same as
                # channels-redis's blocking pop (brpop_timeout = 5): the pop would time
                # out on a quiet socket and crash its consumer. A read timeout above
                # the pop's keeps a dead Redis from hanging a socket forever.
                # retry: a command on a pooled connection that a Redis restart closed is sent
                # once more on a new one (redis-py retries nothing by default), so the first
                # sockets after an outage are not refused; a Redis still down fails it again.
                "hosts": [
                    {"address": CHANNEL_LAYER_REDIS_URL, "socket_timeout": 15, "retry": Retry(NoBackoff(), 1)}
                ],
                "prefix": env_str("CHANNEL_LAYER_PREFIX", "live"),
                # A socket that stops reading loses events past this many, instead of growing Redis.
                "capacity": env_int("CHANNEL_LAYER_CAPACITY", 100, minimum=1),
                "expiry": 60,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Per-socket limits of the WebSocket endpoint (graphql_api.live).
LIVE_MAX_SUBSCRIPTIONS_PER_SOCKET = env_int("LIVE_MAX_SUBSCRIPTIONS_PER_SOCKET", 20, minimum=1)
LIVE_MAX_MESSAGE_BYTES = env_int("LIVE_MAX_MESSAGE_BYTES", 64 * 1024, minimum=1024)
LIVE_CONNECTION_INIT_TIMEOUT_SECONDS = env_int("LIVE_CONNECTION_INIT_TIMEOUT_SECONDS", 10, minimum=1)
LIVE_IDLE_TIMEOUT_SECONDS = env_int("LIVE_IDLE_TIMEOUT_SECONDS", 300, minimum=1)
# Open sockets per user (from connection_init) and per client address (from the
# handshake), counted across processes in the default cache (graphql_api.live_caps).
LIVE_MAX_SOCKETS_PER_USER = env_int("LIVE_MAX_SOCKETS_PER_USER", 10, minimum=1)
LIVE_MAX_SOCKETS_PER_ADDRESS = env_int("LIVE_MAX_SOCKETS_PER_ADDRESS", 50, minimum=1)
# The sockets' database calls, per process: this many threads (each its own
# connection), at most LIVE_DB_CALLS_PER_USER of them for one user's calls at
# once (graphql_api.live_work). 0: asgiref's one shared thread (the tests' setting).
LIVE_DB_THREADS = env_int("LIVE_DB_THREADS", 8, minimum=0)
LIVE_DB_CALLS_PER_USER = env_int("LIVE_DB_CALLS_PER_USER", 2, minimum=1)

# CORS: only listed origins get CORS headers; credentials are allowed so the
# frontend can send the session cookie.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
# The development and test defaults (never production's): where a frontend's
# dev server runs on this machine, the usual port 3000 and Vite's 5173.
LOCAL_FRONTEND_ORIGINS = ["http://localhost:3000", "http://localhost:5173"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CORS_ALLOW_CREDENTIALS = True
# Readable by the frontend's JavaScript: ETag (conditional requests) and the RateLimit fields.
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID", "ETag", "RateLimit", "RateLimit-Policy"]
# Sendable cross-origin (the preflight allows them): django-cors-headers' defaults
# (corsheaders.defaults.default_headers, spelled out: reference/settings.py imports this
# module without corsheaders installed; tests/auth/test_ratelimit_headers.py checks the
# list still holds all of them) plus If-Match and If-None-Match.
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
    "if-match",
    "if-none-match",
)

# Outgoing mail. Only the task worker talks to the mail server (see TASKS):
# a slow or absent server never holds up a request.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both on; set at most one "
        "(EMAIL_USE_TLS for STARTTLS, usually port 587; EMAIL_USE_SSL for implicit TLS, usually 465)."
    )
# Seconds; Django's default is no timeout, which would let a dead mail server
# hold a worker forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)

# Background tasks. "immediate" runs a task inside the call that enqueues it
# (development and tests: no extra process); "database" stores it in the
# database for `manage.py task_worker` (production: it survives a restart).
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}


def tasks_from_env(default: str) -> dict:
    """The TASKS setting for TASKS_BACKEND (immediate or database)."""
    name = env_str("TASKS_BACKEND", default)
    if name not in TASK_BACKENDS:
        raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(TASK_BACKENDS)}, got {name!r}.")
    return {"default": {"BACKEND": TASK_BACKENDS[name]}}


TASKS = tasks_from_env("immediate")
# A mail that fails is tried again after 30 s, 60 s, 120 s, ... up to this many
# attempts in all; every failure is logged, the last one as an error.
MAIL_TASK_MAX_ATTEMPTS = env_int("MAIL_TASK_MAX_ATTEMPTS", 5, minimum=1)
MAIL_TASK_RETRY_SECONDS = env_int("MAIL_TASK_RETRY_SECONDS", 30, minimum=1)
# A task RUNNING longer than this lost its worker (killed, OOM, machine gone):
# `manage.py task_worker` puts it back in the queue (authentication.task_reaper),
# checking every TASK_REAP_INTERVAL_SECONDS; after TASK_MAX_CLAIMS claims it fails.
# Keep it well above EMAIL_TIMEOUT: a slow send reaped early is sent twice.
TASK_RUNNING_TIMEOUT_SECONDS = env_int("TASK_RUNNING_TIMEOUT_SECONDS", 300, minimum=1)
TASK_REAP_INTERVAL_SECONDS = env_int("TASK_REAP_INTERVAL_SECONDS", 60, minimum=1)
TASK_MAX_CLAIMS = env_int("TASK_MAX_CLAIMS", 3, minimum=1)
# host:port of the task worker's Prometheus listener (authentication.task_metrics); empty: none.
TASK_METRICS_BIND = env_str("TASK_METRICS_BIND", "")

# Traces (backend/tracing.py), off by default. OTEL_TRACES_EXPORTER=otlp sends
# them over OTLP/HTTP, where the SDK's own OTEL_EXPORTER_OTLP_* variables say;
# console prints them. Off, nothing of OpenTelemetry is even imported.
OTEL_TRACES_EXPORTER = env_str("OTEL_TRACES_EXPORTER", "none").strip().lower() or "none"
if OTEL_TRACES_EXPORTER not in ("none", "otlp", "console"):
    raise ImproperlyConfigured(
        f"OTEL_TRACES_EXPORTER must be none, otlp or console, got {OTEL_TRACES_EXPORTER!r}."
    )
TRACING = OTEL_TRACES_EXPORTER != "none" and not env_bool("OTEL_SDK_DISABLED", False)
OTEL_SERVICE_NAME = env_str("OTEL_SERVICE_NAME", "").strip() or "backend"

# Pagination, shared by REST and GraphQL (one rule, api.paging).
API_PAGE_SIZE_DEFAULT = env_int("API_PAGE_SIZE_DEFAULT", 20, minimum=1)
API_PAGE_SIZE_MAX = env_int("API_PAGE_SIZE_MAX", 100, minimum=1)

# strawberry-django's own pagination bounds follow the same two settings, so
# GraphQL can never serve a page REST would not.
STRAWBERRY_DJANGO = {
    "PAGINATION_DEFAULT_LIMIT": API_PAGE_SIZE_DEFAULT,
    "PAGINATION_MAX_LIMIT": API_PAGE_SIZE_MAX,
}

# Project invitations: how long one may be accepted, and how many one user
# may send (per user, on REST and GraphQL together; 429 / RATE_LIMITED past it).
INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 14, minimum=1)
INVITATION_THROTTLE_RATE = env_rate("INVITATION_THROTTLE_RATE", "20/hour")
# The audit trail (audit/): days an entry is kept (manage.py prune_audit deletes older ones),
# and the most missed events one subscription resume replays before it says "refetch".
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 90, minimum=1)
AUDIT_RESUME_MAX_EVENTS = env_int("AUDIT_RESUME_MAX_EVENTS", 500, minimum=1)

# Login, register and password reset, per client address; the other account
# throttles default to the same rate.
AUTH_THROTTLE_RATE = env_rate("AUTH_THROTTLE_RATE", "10/min")
# Password change: per client address and per account (old_password guesses).
PASSWORD_CHANGE_THROTTLE_RATE = env_rate("PASSWORD_CHANGE_THROTTLE_RATE", AUTH_THROTTLE_RATE)
# Email changes through PATCH /api/auth/user/: per client address and per account.
EMAIL_CHANGE_THROTTLE_RATE = env_rate("EMAIL_CHANGE_THROTTLE_RATE", AUTH_THROTTLE_RATE)
# POSTs to the Django admin's login form, per client address.
ADMIN_LOGIN_THROTTLE_RATE = env_rate("ADMIN_LOGIN_THROTTLE_RATE", AUTH_THROTTLE_RATE)
# Number of trusted reverse proxies in front of the app; 0 means the client
# address is REMOTE_ADDR and X-Forwarded-For is ignored (it can be forged);
# n means the n-th address from the right of X-Forwarded-For
# (authentication.throttles.client_address, the one rule).
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0)

REST_FRAMEWORK = {
    # Token first, so an anonymous call is answered 401 with
    # "WWW-Authenticate: Token" rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only, on every /api/ endpoint: a form-encoded, multipart or
    # text/plain body is a 415. A page on another site can send those three
    # without a CORS preflight (an HTML form), so this is what stops a
    # cross-site form from logging a visitor in (login CSRF) or registering.
    # The browsable API still posts through its raw-data (JSON) form.
    "DEFAULT_PARSER_CLASSES": ["backend.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "backend.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # `?ordering=` for every list whose viewset names `ordering_fields`: one
    # strict parser (api.v1.ordering), not each FilterSet's own.
    "DEFAULT_FILTER_BACKENDS": [
        "api.v1.filters.ListFilterBackend",
        "api.v1.ordering.OrderingFilter",
    ],
    # Every list pages by the one rule of api.paging (default 20, at most 100);
    # PAGE_SIZE only tells DRF that pagination is on.
    "DEFAULT_PAGINATION_CLASS": "api.v1.pagination.PagePagination",
    "PAGE_SIZE": API_PAGE_SIZE_DEFAULT,
    "DEFAULT_SCHEMA_CLASS": "backend.openapi.DocumentedAutoSchema",
    "EXCEPTION_HANDLER": "backend.exceptions.api_exception_handler",
    # Our throttles use authentication.throttles.client_address; an integer
    # here (never None, which would key on the whole client-written header)
    # keeps any DRF throttle added later on REMOTE_ADDR when NUM_PROXIES=0.
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Backend API",
    "DESCRIPTION": (
        "REST surface of the backend. The same data is served over GraphQL at "
        "/graphql/. Authenticate with `Authorization: Token <key>` or the "
        "session cookie (unsafe requests then need X-CSRFToken)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # Swagger UI from drf-spectacular-sidecar's static files (a pinned PyPI
    # package), never a CDN; the page's CSP allows this origin only.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Two fields named `role`: a project's (the caller's, owner included) and a member's.
    "ENUM_NAME_OVERRIDES": {
        "CallerRoleEnum": ["owner", "editor", "viewer"],
        "MemberRoleEnum": "api.models.ProjectRole",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.openapi.share_error_responses",
    ],
}

# statement_timeout of a request's SQL on PostgreSQL (backend.middleware.RequestStatementTimeout);
# 0 leaves the connection's DB_STATEMENT_TIMEOUT_MS, which migrations and commands keep.
API_STATEMENT_TIMEOUT_MS = env_int("API_STATEMENT_TIMEOUT_MS", 5_000, minimum=0)
# Search (api.search): words in one request's search terms (REST `search`, every
# `search` of one GraphQL filter), and AND/OR/NOT branches in one GraphQL filter.
SEARCH_MAX_TERMS = env_int("SEARCH_MAX_TERMS", 8, minimum=1)
GRAPHQL_MAX_FILTER_BRANCHES = env_int("GRAPHQL_MAX_FILTER_BRANCHES", 8, minimum=0)
# Cost points (graphql_api.cost) of each condition of a list's `filters`.
GRAPHQL_COST_PER_FILTER_CONDITION = env_int("GRAPHQL_COST_PER_FILTER_CONDITION", 10, minimum=0)

# GraphQL safety limits (graphql_api.limits reads these).
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10, minimum=1)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15, minimum=0)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000, minimum=1)
# The estimated cost of one operation (graphql_api.cost) and its weights.
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 12000, minimum=1)
# Items of any list argument or input field that has no cap of its own (graphql_api.lists).
GRAPHQL_MAX_LIST_ITEMS = env_int("GRAPHQL_MAX_LIST_ITEMS", 100, minimum=1)
GRAPHQL_COST_DEFAULT_LIST_SIZE = env_int("GRAPHQL_COST_DEFAULT_LIST_SIZE", 100, minimum=0)
GRAPHQL_COST_CHARS_PER_POINT = env_int("GRAPHQL_COST_CHARS_PER_POINT", 1000, minimum=1)
GRAPHQL_COST_UNBOUNDED_TEXT_WEIGHT = env_int("GRAPHQL_COST_UNBOUNDED_TEXT_WEIGHT", 100, minimum=0)
# The backstop: the bytes of one response (graphql_api.views.encode_json).
GRAPHQL_MAX_RESPONSE_BYTES = env_int("GRAPHQL_MAX_RESPONSE_BYTES", 32 * 1024 * 1024, minimum=1024)
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", True)
GRAPHIQL_ENABLED = env_bool("GRAPHIQL_ENABLED", False)
# Trusted documents (graphql_api.persisted): the frontend's operations, compiled by
# `npm run codegen`. With the switch on, any other query is refused (staff excepted).
GRAPHQL_TRUSTED_DOCUMENTS_ONLY = env_bool("GRAPHQL_TRUSTED_DOCUMENTS_ONLY", False)
GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST = env_str(
    "GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST",
    str(BASE_DIR / "frontend" / "generated" / "persisted-documents.json"),
)
# Documents of earlier releases served beside the manifest, so the previous
# frontend keeps working during a rolling deploy (`make release-documents`).
GRAPHQL_RETAINED_DOCUMENTS = env_str(
    "GRAPHQL_RETAINED_DOCUMENTS", str(BASE_DIR / "frontend" / "released-documents.json")
)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# LOG_FORMAT=json gives one JSON object per line (the production default).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "backend.request_id.RequestIDFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "backend.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own default config also prints to the console; one copy is enough.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

# Link mailed by password reset; {uid} and {token} are filled in. Point it at
# the frontend page that posts them to /api/auth/password/reset/confirm/.
PASSWORD_RESET_URL = env_str(
    "PASSWORD_RESET_URL", "http://localhost:3000/reset-password?uid={uid}&token={token}"
)

"""Settings come from the environment; production refuses to start half-configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.settings.base import database_from_env

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "backend.settings.production",
    "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "api.example.com",
    "DB_NAME": "app",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DJANGO_", "SECRET", "ALLOWED"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_check_deploy_passes_when_configured():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DB_NAME"])
def test_production_names_a_missing_variable_without_traceback(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"The environment variable {missing} is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_are_hardened():
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "GRAPHIQL_ENABLED",
        "GRAPHQL_INTROSPECTION",
    ]
    code = (
        "from django.conf import settings as s; "
        f"print([getattr(s, n) for n in {names!r}], s.DATABASES['default']['ENGINE'])"
    )
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "[False, True, True, True, 31536000, False, False] django.db.backends.postgresql"
    )


def test_sqlite_is_the_default(monkeypatch):
    monkeypatch.delenv("DB_NAME", raising=False)
    config = database_from_env()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"].endswith("db.sqlite3")


def test_postgres_when_db_name_is_set(monkeypatch):
    for key, value in {
        "DB_NAME": "shop",
        "DB_USER": "app",
        "DB_PASSWORD": "pw",
        "DB_HOST": "db.internal",
        "DB_PORT": "6432",
        "DB_STATEMENT_TIMEOUT_MS": "1500",
    }.items():
        monkeypatch.setenv(key, value)
    config = database_from_env()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "shop",
        "app",
        "pw",
        "db.internal",
        "6432",
    )
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"]["options"] == "-c statement_timeout=1500"


def test_behind_pgbouncer_no_startup_options_and_no_server_side_cursors(monkeypatch):
    monkeypatch.setenv("DB_NAME", "shop")
    monkeypatch.setenv("DB_POOLER", "pgbouncer")
    config = database_from_env()
    # PgBouncer refuses the `options` startup parameter; its server sessions are not the client's.
    assert "options" not in config["OPTIONS"]
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True
    monkeypatch.delenv("DB_POOLER")
    direct = database_from_env()
    assert direct["OPTIONS"]["options"] == "-c statement_timeout=30000"
    assert direct["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_an_unknown_pooler_is_refused():
    result = manage(
        "check", env={"DJANGO_SETTINGS_MODULE": "backend.settings.development", "DB_POOLER": "pgpool"}
    )
    assert result.returncode != 0
    assert "DB_POOLER must be empty or 'pgbouncer', got 'pgpool'." in result.stderr


def test_bad_integer_in_environment_names_the_variable():
    result = manage(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "backend.settings.development",
            "DB_CONNECT_TIMEOUT": "soon",
            "DB_NAME": "x",
        },
    )
    assert result.returncode != 0
    assert "DB_CONNECT_TIMEOUT must be an integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_cors_origins_come_from_the_environment():
    code = "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS, settings.CSRF_TRUSTED_ORIGINS)"
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={
            "DJANGO_SETTINGS_MODULE": "backend.settings.development",
            "CORS_ALLOWED_ORIGINS": "https://app.example.com, https://admin.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://app.example.com",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['https://app.example.com', 'https://admin.example.com'] ['https://app.example.com']"
    )


def test_development_defaults_allow_the_frontend_origins():
    """localhost:3000 and Vite's localhost:5173, for CORS and for CSRF (a session from the dev frontend)."""
    code = (
        "from django.conf import settings; "
        "print(settings.CORS_ALLOWED_ORIGINS, settings.CSRF_TRUSTED_ORIGINS, settings.DEBUG)"
    )
    result = manage("shell", "--no-imports", "-c", code, env={})
    origins = "['http://localhost:3000', 'http://localhost:5173']"
    assert result.stdout.strip() == f"{origins} {origins} True"


def test_production_allows_no_origin_by_default():
    code = "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS, settings.CSRF_TRUSTED_ORIGINS)"
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] []"


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://localhost:5173"])
def test_the_test_settings_answer_cors_for_the_local_frontends(api_client, origin):
    response = api_client.options(
        "/api/auth/login/", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )

    assert response["Access-Control-Allow-Origin"] == origin
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_other_local_ports_get_no_cors_headers(api_client):
    response = api_client.options(
        "/api/auth/login/", HTTP_ORIGIN="http://localhost:8080", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )

    assert "Access-Control-Allow-Origin" not in response


def test_test_settings_use_a_fast_hasher(settings):
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_migrations_match_models(db):
    from django.core.management import call_command

    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as exc:  # pragma: no cover - only on drift
        pytest.fail(f"Models changed without a migration: run `make makemigrations` ({exc})")


def test_redis_url_selects_the_shared_cache():
    code = "from django.conf import settings as s; c = s.CACHES['default']; print(c['BACKEND'], c.get('LOCATION'))"
    shared = manage("shell", "--no-imports", "-c", code, env={"REDIS_URL": "redis://127.0.0.1:6390/2"})
    assert shared.stdout.strip() == "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6390/2"
    local = manage("shell", "--no-imports", "-c", code, env={})
    assert local.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache None"

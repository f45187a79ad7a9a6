"""Mail, task and throttle settings come from the environment and fail loudly at start-up."""

from __future__ import annotations

import pytest

from tests.test_settings import PRODUCTION_ENV, manage

SHOW = "from django.conf import settings as s; print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT, s.TASKS['default']['BACKEND'])"


def test_the_mail_server_comes_from_the_environment():
    env = {
        **PRODUCTION_ENV,
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": "587",
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": "1",
        "EMAIL_TIMEOUT": "7",
    }
    result = manage("shell", "-c", SHOW, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "smtp.example.com", "587", "mailer", "s3cret", "True", "False", "7", "django_tasks_db.DatabaseBackend",
    ]  # fmt: skip


def test_development_runs_tasks_immediately_with_a_bounded_smtp_timeout():
    result = manage("shell", "-c", SHOW, env={"DJANGO_SETTINGS_MODULE": "backend.settings.development"})
    assert result.returncode == 0, result.stderr
    words = result.stdout.splitlines()[-1].split()
    assert words[-2:] == ["10", "django_tasks.backends.immediate.ImmediateBackend"]


def test_tls_and_ssl_together_is_a_start_up_error_naming_both():
    result = manage("check", env={**PRODUCTION_ENV, "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"})
    assert result.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are both on" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AUTH_THROTTLE_RATE", "ten"),
        ("PASSWORD_CHANGE_THROTTLE_RATE", "5/fortnight"),
        ("ADMIN_LOGIN_THROTTLE_RATE", "0/min"),
        ("TASKS_BACKEND", "celery"),
    ],
)
def test_a_bad_value_is_a_start_up_error_naming_the_variable(name, value):
    result = manage("check", env={**PRODUCTION_ENV, name: value})
    assert result.returncode != 0
    assert name in result.stderr

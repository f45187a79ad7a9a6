"""Task metrics (backend/metrics.py, authentication.task_metrics): failures, retries and the queue's depth."""

from __future__ import annotations

import urllib.request

import pytest
from django.core.management import call_command
from django.test import override_settings
from prometheus_client import REGISTRY, CollectorRegistry

from authentication import tasks
from authentication.task_metrics import TaskQueueCollector
from tests.production.conftest import free_port

from .test_password_reset_queue import DATABASE, flaky  # noqa: F401 (the fixture)

RESET_TASK = tasks.send_password_reset_mail.name


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db
def test_failed_attempts_and_retries_are_counted_by_task(user, flaky, settings):  # noqa: F811
    settings.MAIL_TASK_MAX_ATTEMPTS = 3
    flaky.failures = 100
    failures, retries = (
        _value("task_failures_total", task=RESET_TASK),
        _value("task_retries_total", task=RESET_TASK),
    )
    tasks.send_password_reset_mail.enqueue(email="alice@example.com")
    # Three attempts failed; the first two were enqueued again, the last gave up.
    assert _value("task_failures_total", task=RESET_TASK) == failures + 3
    assert _value("task_retries_total", task=RESET_TASK) == retries + 2


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE)
def test_the_queue_depth_is_the_ready_rows_when_scraped(user):
    registry = CollectorRegistry()
    registry.register(TaskQueueCollector())
    assert registry.get_sample_value("task_queue_depth", {"queue": "default"}) is None
    for email in ("alice@example.com", "nobody@example.com"):
        tasks.send_password_reset_mail.enqueue(email=email)
    assert registry.get_sample_value("task_queue_depth", {"queue": "default"}) == 2
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert registry.get_sample_value("task_queue_depth", {"queue": "default"}) is None


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_serves_its_metrics_on_its_own_listener(user, monkeypatch):
    port = free_port()
    monkeypatch.setattr(REGISTRY, "register", lambda collector: None)  # the suite's registry stays as it is
    with override_settings(TASKS=DATABASE, TASK_METRICS_BIND=f"127.0.0.1:{port}"):
        call_command("task_worker", "--batch", "--no-startup-delay", verbosity=0)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        assert b"task_failures_total" in reply.read()

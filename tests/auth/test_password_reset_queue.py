"""The reset mail leaves the request path; the answer tells nothing.

The request enqueues one task carrying the address, known or not; the task
(in the worker) looks the user up and sends or does nothing. Failed sends
are retried with a growing delay and logged.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from authentication import tasks

pytestmark = pytest.mark.django_db

RESET = "/api/auth/password/reset/"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class FlakyBackend(LocmemBackend):
    """Fails the first ``failures`` sends, then delivers to the locmem outbox."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("mail server went away")
        return super().send_messages(messages)


@pytest.fixture
def flaky():
    FlakyBackend.calls = 0
    with override_settings(EMAIL_BACKEND="tests.auth.test_password_reset_queue.FlakyBackend"):
        yield FlakyBackend


def _ours(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "authentication.tasks"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@override_settings(TASKS=DUMMY)
def test_known_and_unknown_address_do_the_same_work(api_client, user):
    backend = default_task_backend
    backend.clear()
    answers, query_counts = [], []
    for email in ("ALICE@example.com", "nobody@example.com"):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.post(RESET, {"email": email})
        answers.append((response.status_code, response.json(), sorted(response.headers)))
        query_counts.append(len(queries))
    assert answers[0] == answers[1]
    assert answers[0][0] == 202
    # No lookup in the request: the user table is not read for either address.
    assert query_counts == [0, 0]
    assert [(r.task.name, r.kwargs) for r in backend.results] == [
        ("send_password_reset_mail", {"email": "ALICE@example.com"}),
        ("send_password_reset_mail", {"email": "nobody@example.com"}),
    ]
    assert mail.outbox == []  # nothing is sent by the request itself


def test_the_task_mails_a_known_address_and_ignores_an_unknown_one(user, user_factory):
    user_factory(username="nopass", email="nopass@example.com", password=None).set_unusable_password()
    user_factory(username="gone", email="gone@example.com", is_active=False)
    tasks.send_password_reset_mail.call(email="nobody@example.com")
    tasks.send_password_reset_mail.call(email="gone@example.com")
    assert mail.outbox == []
    tasks.send_password_reset_mail.call(email="Alice@Example.com")
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "token: " in mail.outbox[0].body


def test_no_mail_server_is_a_202_for_every_address(api_client, user, caplog, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2
    settings.MAIL_TASK_MAX_ATTEMPTS = 2
    caplog.set_level(logging.WARNING, logger="authentication.tasks")
    known = api_client.post(RESET, {"email": "alice@example.com"})
    unknown = api_client.post(RESET, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    # The known address's mail was tried, failed, retried once and given up on (logged).
    levels = [r.levelname for r in _ours(caplog)]
    assert levels == ["WARNING", "ERROR"]
    assert "ConnectionRefusedError" in _ours(caplog)[-1].getMessage()
    assert "alice@example.com" not in caplog.text  # logs name the user id, not the address


def test_a_failed_send_is_retried_until_it_succeeds(user, flaky, caplog, settings):
    settings.MAIL_TASK_MAX_ATTEMPTS = 5
    flaky.failures = 2
    caplog.set_level(logging.WARNING, logger="authentication.tasks")
    result = tasks.send_password_reset_mail.enqueue(email="alice@example.com")
    assert flaky.calls == 3
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert [r.levelname for r in _ours(caplog)] == ["WARNING", "WARNING"]
    assert "attempt 1 of 5" in _ours(caplog)[0].getMessage()
    assert result.status == "FAILED"  # the first attempt's own record; the retry succeeded


def test_retries_stop_after_the_last_attempt(user, flaky, caplog, settings):
    settings.MAIL_TASK_MAX_ATTEMPTS = 3
    flaky.failures = 100
    caplog.set_level(logging.WARNING, logger="authentication.tasks")
    tasks.send_password_reset_mail.enqueue(email="alice@example.com")
    assert flaky.calls == 3
    assert mail.outbox == []
    assert [r.levelname for r in _ours(caplog)] == ["WARNING", "WARNING", "ERROR"]
    assert "giving up" in _ours(caplog)[-1].getMessage()


@override_settings(TASKS=DUMMY, MAIL_TASK_RETRY_SECONDS=30, MAIL_TASK_MAX_ATTEMPTS=3)
@pytest.mark.parametrize(("attempt", "delay"), [(1, 30), (2, 60)])
def test_a_retry_waits_longer_each_time(user, flaky, attempt, delay):
    flaky.failures = 100
    default_task_backend.clear()
    before = timezone.now()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        tasks.send_password_reset_mail.call(email="alice@example.com", attempt=attempt)
    (retry,) = default_task_backend.results
    assert retry.kwargs == {"email": "alice@example.com", "attempt": attempt + 1}
    wait = retry.task.run_after - before
    assert timedelta(seconds=delay) <= wait < timedelta(seconds=delay + 5)


@override_settings(TASKS=DUMMY, MAIL_TASK_MAX_ATTEMPTS=3)
def test_the_last_attempt_enqueues_nothing(user, flaky):
    flaky.failures = 100
    default_task_backend.clear()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        tasks.send_password_reset_mail.call(email="alice@example.com", attempt=3)
    assert default_task_backend.results == []


# db_worker closes connections between tasks (close_old_connections), as a
# real worker does: the data must be committed, not in a test transaction.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE)
def test_the_database_queue_holds_the_mail_until_the_worker_sends_it(api_client, user):
    """The production path: a row per request, sent by `manage.py db_worker`."""
    for email in ("alice@example.com", "nobody@example.com"):
        assert api_client.post(RESET, {"email": email}).status_code == 202
    rows = DBTaskResult.objects.order_by("enqueued_at")
    assert [(r.task_path, r.status) for r in rows] == [
        ("authentication.tasks.send_password_reset_mail", "READY")
    ] * 2
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


# db_worker closes connections between tasks (close_old_connections), as a
# real worker does: the data must be committed, not in a test transaction.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE, MAIL_TASK_MAX_ATTEMPTS=3)
def test_a_failed_send_in_the_worker_is_requeued_for_later(user, flaky):
    flaky.failures = 100
    tasks.send_password_reset_mail.enqueue(email="alice@example.com")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == "FAILED"
    assert retry.status == "READY"
    assert retry.args_kwargs["kwargs"] == {"email": "alice@example.com", "attempt": 2}
    assert retry.run_after > timezone.now() + timedelta(seconds=20)
    assert flaky.calls == 1  # the retry waits for its time; the batch did not run it

"""A task whose worker died mid-run is run again by the next worker (authentication.task_reaper).

django-tasks-db leaves such a row RUNNING forever; `manage.py task_worker`
(db_worker plus the reaper) puts it back in the queue, so a password-reset
mail whose worker was killed mid-send is still sent.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from authentication import tasks
from authentication.task_reaper import reap_stuck_tasks

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER = ("--batch", "--no-startup-delay")

# Workers close connections between tasks: the rows must be committed, not in a test transaction.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("user"),
]


def _claimed_by_a_dead_worker(*, claims: int = 1, minutes_ago: int = 60) -> DBTaskResult:
    """The reset mail for alice, claimed by workers that died while sending it."""
    tasks.send_password_reset_mail.enqueue(email="alice@example.com")
    row = DBTaskResult.objects.get()
    for n in range(claims):
        row.claim(f"dead-worker-{n}")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=minutes_ago))
    return row


@override_settings(TASKS=DATABASE, TASK_RUNNING_TIMEOUT_SECONDS=300)
def test_the_library_worker_alone_never_sends_it():
    """The control: db_worker does not look at RUNNING rows, so without the reaper the mail is lost."""
    row = _claimed_by_a_dead_worker()
    call_command("db_worker", *WORKER, verbosity=0)
    assert mail.outbox == []
    assert DBTaskResult.objects.get(pk=row.pk).status == "RUNNING"


@override_settings(TASKS=DATABASE, TASK_RUNNING_TIMEOUT_SECONDS=300)
def test_the_next_task_worker_sends_the_mail_of_a_worker_killed_mid_send():
    row = _claimed_by_a_dead_worker()
    call_command("task_worker", *WORKER, verbosity=0)
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert len(row.worker_ids) == 2  # the dead worker's claim, then the one that sent it


@override_settings(TASKS=DATABASE, TASK_RUNNING_TIMEOUT_SECONDS=300)
def test_a_task_running_within_its_time_is_left_to_its_worker():
    row = _claimed_by_a_dead_worker(minutes_ago=1)
    assert reap_stuck_tasks().requeued == 0
    call_command("task_worker", *WORKER, verbosity=0)
    assert mail.outbox == []
    assert DBTaskResult.objects.get(pk=row.pk).status == "RUNNING"


@override_settings(TASKS=DATABASE, TASK_RUNNING_TIMEOUT_SECONDS=300, TASK_MAX_CLAIMS=3)
def test_a_task_that_killed_its_worker_every_time_fails_instead_of_looping():
    row = _claimed_by_a_dead_worker(claims=3)
    reaped = reap_stuck_tasks()
    assert (reaped.requeued, reaped.failed) == (0, 1)
    row.refresh_from_db()
    assert row.status == "FAILED"
    assert row.exception_class_path == "authentication.task_reaper.TaskReaped"
    call_command("task_worker", *WORKER, verbosity=0)
    assert mail.outbox == []

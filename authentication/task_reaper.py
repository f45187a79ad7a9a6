"""Tasks whose worker died: put back in the queue, so mail is sent at least once.

django-tasks-db marks a row RUNNING when a worker claims it and FAILED or
SUCCESSFUL when the task ends. A worker killed in between (SIGKILL, OOM, a
lost machine) leaves the row RUNNING forever, and nothing else runs it: the
library has no timeout for claimed tasks. ``reap_stuck_tasks`` finds rows
RUNNING for longer than ``TASK_RUNNING_TIMEOUT_SECONDS`` and makes them READY
again; a row that has already been claimed ``TASK_MAX_CLAIMS`` times (a task
that kills its worker each time) is FAILED instead, so it cannot loop.

A task that is merely slow past the timeout may run twice: the timeout must be
well above the longest send (``EMAIL_TIMEOUT``), and mail is at-least-once.
The rows are locked with SKIP LOCKED, so two workers reaping at once never
reap one row twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from backend.metrics import TASKS_REAPED

logger = logging.getLogger(__name__)


class TaskReaped(Exception):
    """Recorded on a row whose workers all died while running it."""


@dataclass(frozen=True)
class Reaped:
    requeued: int
    failed: int


def reap_stuck_tasks(*, now: datetime | None = None) -> Reaped:
    """Requeue (or, past ``TASK_MAX_CLAIMS`` claims, fail) the tasks RUNNING past their time."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASK_RUNNING_TIMEOUT_SECONDS)
    requeued = failed = 0
    with transaction.atomic():
        stuck = (
            DBTaskResult.objects.running().filter(started_at__lt=cutoff).select_for_update(skip_locked=True)
        )
        for row in stuck:
            if len(row.worker_ids) >= settings.TASK_MAX_CLAIMS:
                row.set_failed(TaskReaped(f"claimed {len(row.worker_ids)} times, never finished"))
                logger.error("task %s (%s) reaped for good: its workers died", row.id, row.task_path)
                failed += 1
                continue
            row.status = TaskResultStatus.READY
            row.run_after = now
            row.save(update_fields=["status", "run_after"])
            logger.warning("task %s (%s) requeued: its worker died while running it", row.id, row.task_path)
            requeued += 1
    TASKS_REAPED.labels("requeued").inc(requeued)
    TASKS_REAPED.labels("failed").inc(failed)
    return Reaped(requeued=requeued, failed=failed)

"""``manage.py task_worker``: django-tasks-db's ``db_worker`` that also reaps tasks whose worker died.

Same arguments as ``db_worker``. It reaps once at start, then every
``TASK_REAP_INTERVAL_SECONDS`` in a background thread (its own database
connection), so any running worker brings back the tasks of one that was
killed (authentication.task_reaper). With ``TASK_METRICS_BIND`` it serves its
Prometheus metrics there (authentication.task_metrics); with traces on, each
task is a span (backend.tracing).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import connections
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from authentication.task_metrics import serve_task_metrics
from authentication.task_reaper import reap_stuck_tasks

logger = logging.getLogger(__name__)


def _reap_forever(stop: threading.Event) -> None:
    while not stop.wait(settings.TASK_REAP_INTERVAL_SECONDS):
        try:
            reap_stuck_tasks()
        except Exception:  # a database outage must not end the worker; the next round retries
            logger.exception("reaping stuck tasks failed")
        finally:
            connections.close_all()


class Command(DBWorkerCommand):
    help = "Run the database task worker, reaping tasks whose worker died (see authentication.task_reaper)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASK_METRICS_BIND:
            serve_task_metrics(settings.TASK_METRICS_BIND)
        if settings.TRACING:
            # A span per task (backend.tracing; instrumented when Django started), exported from here.
            from backend.tracing import start

            start()
        reap_stuck_tasks()
        stop = threading.Event()
        if not options.get("batch"):
            threading.Thread(target=_reap_forever, args=(stop,), name="task-reaper", daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

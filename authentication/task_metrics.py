"""The task queue's depth for the metrics (backend/metrics.py), read from the database when scraped.

The task worker (``manage.py task_worker``) is a process of its own, not a
gunicorn worker: with ``TASK_METRICS_BIND`` set it serves its counters
(failures, retries, reaped tasks) and this gauge on a listener of its own.
The depth is a count of the rows READY to run now, by queue; every worker
reports the same number (one database), so take ``max`` across them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError, connection
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


class TaskQueueCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("task_queue_depth", "Tasks ready to run now, by queue.", labels=["queue"])
        try:
            rows = DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id"))
            for row in rows:
                depth.add_metric([row["queue_name"]], row["n"])
        except DatabaseError as exc:
            # The database is down: no depth this scrape (database_up says why), not a failed scrape.
            logger.warning("task queue depth not read: %s", exc)
            return
        finally:
            # The listener's thread keeps no connection between scrapes.
            connection.close()
        yield depth


def serve_task_metrics(bind: str) -> None:
    """The worker's listener on ``bind`` (host:port, a loopback or private address)."""
    REGISTRY.register(TaskQueueCollector())
    host, _, port = bind.rpartition(":")
    start_http_server(int(port), addr=host or "127.0.0.1", registry=REGISTRY)

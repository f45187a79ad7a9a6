"""Metrics across gunicorn workers: the node's listener sums what every worker counted.

Two uvicorn workers under one master with ``METRICS_BIND``; requests are sent
until each worker's own files (PROMETHEUS_MULTIPROC_DIR, one set per pid)
show it served some, then the listener's count must be their sum. The app's
own port does not serve ``/metrics``.
"""

from __future__ import annotations

import re
import shutil
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from .conftest import free_port

HEALTH = {"route": "health/", "method": "GET", "status": "200"}


def _health_count_per_worker(metrics_dir: Path, master_pid: int, scratch: Path) -> dict[int, float]:
    """Each worker's own count of GET /health/ 200, read from its file alone."""
    counts: dict[int, float] = {}
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(re.fullmatch(r"counter_(\d+)\.db", path.name).group(1))
        if pid == master_pid:
            continue
        alone = scratch / str(pid)
        alone.mkdir(exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts[pid] = registry.get_sample_value("http_requests_total", HEALTH) or 0.0
    return counts


def _scraped_health_count(metrics_url: str) -> float:
    with urllib.request.urlopen(metrics_url, timeout=10) as reply:
        text = reply.read().decode()
    line = 'http_requests_total{method="GET",route="health/",status="200"} '
    values = [float(row[len(line) :]) for row in text.splitlines() if row.startswith(line)]
    assert len(values) == 1, text[:2000]
    return values[0]


def test_listener_sums_both_workers_and_the_public_port_has_no_metrics(start_server, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_port = free_port()
    server = start_server(
        GUNICORN_WORKERS="2",
        METRICS_BIND=f"127.0.0.1:{metrics_port}",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    deadline = time.monotonic() + 60
    counts: dict[int, float] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        while time.monotonic() < deadline:
            statuses = list(pool.map(lambda _: server.request("GET", "/health/").status, range(16)))
            assert statuses == [200] * 16
            counts = _health_count_per_worker(metrics_dir, server.process.pid, scratch)
            if len([count for count in counts.values() if count > 0]) >= 2:
                break
    served = {pid: count for pid, count in counts.items() if count > 0}
    assert len(served) == 2, f"only these workers served: {counts}"

    # Nothing is in flight now: the listener's sum equals the workers' own counts.
    assert _scraped_health_count(f"http://127.0.0.1:{metrics_port}/metrics") == sum(served.values())

    public = server.request("GET", "/metrics")
    assert public.status == 404
    assert b"http_requests_total" not in public.body

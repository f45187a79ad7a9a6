"""SIGTERM drains a node: /ready/ says 503 while requests are still answered, then it stops.

A load balancer polling /ready/ takes the node out before it stops
listening (backend/uvicorn_worker.py, backend/draining.py).
"""

from __future__ import annotations

import signal
import time

import pytest

pytestmark = pytest.mark.postgres


def test_sigterm_makes_ready_503_while_requests_are_still_answered(start_server):
    server = start_server(HTTP_DRAIN_SECONDS="3")
    assert server.request("GET", "/ready/").status == 200
    server.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 3
    ready = server.request("GET", "/ready/")
    while ready.status == 200:  # until the worker has the signal (the master forwards it)
        assert time.monotonic() < deadline, "the node never said it was draining"
        ready = server.request("GET", "/ready/")
    assert ready.status == 503
    assert ready.json() == {"status": "draining"}
    # Still serving while draining: the balancer's in-flight and next few requests are answered.
    assert server.request("GET", "/health/").status == 200
    assert server.process.wait(timeout=30) == 0

"""Prometheus metrics (prometheus-client), recorded per process and summed per node.

prometheus-client rather than django-prometheus: django-prometheus labels
requests by view name and adds model and cache metrics through its own
database backends (a swap of ENGINE), and its multiprocess support is the same
prometheus-client mode underneath. This project needs a handful of its own
metrics (GraphQL operations, live sockets, throttles) and one place that
bounds every label, so it uses the client directly.

Multiprocess mode: gunicorn.conf.py sets ``PROMETHEUS_MULTIPROC_DIR`` (one
folder per node, emptied when the master starts) before anything imports this
module, so every worker writes its values to files of its own, and the
master's listener (``METRICS_BIND``) sums the files of all workers, the dead
ones' counters included. Without that variable (tests, ``runserver``) the
values live in the process and ``REGISTRY`` reads them.

Every label value comes from a bounded set: the URL *pattern* of the route
(never the raw path), a fixed list of methods, the status code, an operation
name only when it is a trusted document's id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Gauge, Histogram

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A request no URL pattern matched (404s of random paths, whatever answered before routing).
UNMATCHED = "unmatched"
STATIC = "static"

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by route pattern, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from the request reaching Django to its response, by route pattern and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SQL_QUERIES = Histogram(
    "http_request_sql_queries",
    "SQL statements sent while answering one request, by route pattern.",
    ["route"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200),
)
# Where a throttle refusal was answered: an HTTP 429, a GraphQL RATE_LIMITED error (HTTP 200 or
# a socket's operation) or a WebSocket closed with 4429.
HTTP_SURFACE = "http"
GRAPHQL_SURFACE = "graphql"
WEBSOCKET_SURFACE = "websocket"
# The one route of GraphQL over HTTP and over WebSocket (backend/urls.py, backend/asgi.py).
GRAPHQL_ROUTE = "graphql/"
THROTTLED = Counter(
    "http_throttled_total",
    "Throttle refusals, by surface (http: 429; graphql: RATE_LIMITED; websocket: 4429) and route pattern.",
    ["surface", "route"],
)
GRAPHQL_OPERATIONS = Counter(
    "graphql_operations_total",
    "GraphQL operations over HTTP, by operation (a trusted document id or 'anonymous'), type and outcome.",
    ["operation", "type", "outcome"],
)
GRAPHQL_COST = Histogram(
    "graphql_operation_cost",
    "Estimated cost of the GraphQL operations executed (graphql_api.cost).",
    ["operation"],
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000),
)
# Live updates (graphql_api.live, graphql_api.subscriptions). "livesum": the
# sockets of a worker that died leave the sum with it.
LIVE_SOCKETS = Gauge(
    "live_sockets", "Open live-updates WebSockets (acknowledged).", multiprocess_mode="livesum"
)
LIVE_SUBSCRIPTIONS = Gauge(
    "live_subscriptions", "Running subscriptions on the open WebSockets.", multiprocess_mode="livesum"
)
LIVE_DELIVERIES = Counter("live_deliveries_total", "Events sent to a subscription.")
LIVE_DELIVERY_LATENCY = Histogram(
    "live_delivery_latency_seconds",
    "From the commit's announcement (api.events.publish) to the event's delivery to one subscription.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Background tasks (authentication.tasks, authentication.task_reaper), counted in
# the task worker; the queue's depth is read from the database when scraped
# (authentication.task_metrics). ``task`` is a task's name: a fixed set.
TASK_FAILURES = Counter("task_failures_total", "Task attempts that failed, by task.", ["task"])
TASK_RETRIES = Counter(
    "task_retries_total", "Failed tasks enqueued again for a later attempt, by task.", ["task"]
)
TASKS_REAPED = Counter(
    "tasks_reaped_total",
    "Tasks whose worker died while running them: requeued or failed for good.",
    ["outcome"],
)
DATABASE_UP = Gauge(
    "database_up",
    "1 when the database answered the last /ready/ probe, else 0.",
    multiprocess_mode="mostrecent",
)
REDIS_UP = Gauge(
    "redis_up", "1 when Redis answered the last /ready/ probe, else 0.", multiprocess_mode="mostrecent"
)


def route_of(request: HttpRequest) -> str:
    """The matched URL pattern (``api/v1/examples/(?P<pk>[0-9]+)/$``), so labels stay as many as the routes."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return str(match.route)
    if request.path.startswith(settings.STATIC_URL):
        return STATIC
    return UNMATCHED


def method_of(request: HttpRequest) -> str:
    method = (request.method or "").upper()
    return method if method in METHODS else "other"


class QueryCounter:
    """Counts the statements of every database alias (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class MetricsMiddleware:
    """Records every HTTP request: count by route, method and status; latency; SQL statements; 429s."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = QueryCounter()
        started = time.perf_counter()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counter))
            response = self.get_response(request)
        record_request(request, response.status_code, time.perf_counter() - started, counter.count)
        return response


def record_request(request: HttpRequest, status: int, seconds: float, queries: int) -> None:
    route, method = route_of(request), method_of(request)
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_LATENCY.labels(route, method).observe(seconds)
    SQL_QUERIES.labels(route).observe(queries)
    if status == 429:
        record_throttled(HTTP_SURFACE, route)


def record_throttled(surface: str, route: str) -> None:
    """One throttle refusal, however the surface answered it."""
    THROTTLED.labels(surface, route).inc()


def record_delivery(published_at: object) -> None:
    """One event delivered; its latency when the announcement carried its time."""
    LIVE_DELIVERIES.inc()
    if isinstance(published_at, (int, float)):
        LIVE_DELIVERY_LATENCY.observe(max(0.0, time.time() - published_at))


def record_availability(database: bool, redis: bool | None) -> None:
    """What /ready/ found; ``redis`` None when no Redis is configured (the gauge is left alone)."""
    DATABASE_UP.set(1 if database else 0)
    if redis is not None:
        REDIS_UP.set(1 if redis else 0)

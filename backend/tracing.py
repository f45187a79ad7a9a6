"""Traces over OpenTelemetry: a span per HTTP request, SQL query, Redis command, GraphQL operation, live delivery and task.

Off unless ``OTEL_TRACES_EXPORTER`` is ``otlp`` or ``console`` (``settings.TRACING``).
Off, nothing imports this module, so no instrumentation, middleware, schema
extension or log hook exists (tests/test_tracing.py proves it).

Two steps, because gunicorn forks its workers from a master that has loaded
the app (``preload_app``):

- ``instrument()`` (``api.apps``, when Django starts): Django's middleware
  goes into ``MIDDLEWARE`` before the first handler is built, the database
  drivers' ``connect`` and Redis' client are wrapped, log records get the
  trace and span ids. The tracers it hands out are the API's proxies: they
  record nothing until ``start()``.
- ``start()`` (gunicorn.conf.py's ``post_fork`` in every worker, uvicorn's
  and gthread's alike; ``manage.py task_worker``): the SDK's provider with
  its exporter thread, in the process that will use it.

The exporter is configured by the SDK from the standard variables
(``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_TRACES_HEADERS``,
``OTEL_TRACES_SAMPLER``, ``OTEL_RESOURCE_ATTRIBUTES``, ...).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.psycopg2 import Psycopg2Instrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    _get_from_env_or_default,
)
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.util.types import Attributes
from strawberry.extensions import SchemaExtension

from backend.request_id import current_request_id

REQUEST_ID = "request_id"
_INSTRUMENTORS = (DjangoInstrumentor, Psycopg2Instrumentor, SQLite3Instrumentor, RedisInstrumentor)
_tracer: trace.Tracer = trace.get_tracer(__name__)
_started_in: int | None = None
_plain_record_factory: Callable[..., logging.LogRecord] | None = None
_TASK_STARTED, _TASK_FINISHED = "backend.tracing.task_started", "backend.tracing.task_finished"
# The server span's ids, kept after its middleware has detached it: Django logs a
# 4xx/5xx response after the middleware chain returns (as backend.request_id keeps the id).
_request_trace: ContextVar[tuple[str, str] | None] = ContextVar("request_trace", default=None)


def _ids(span_context: trace.SpanContext) -> tuple[str, str]:
    return trace.format_trace_id(span_context.trace_id), trace.format_span_id(span_context.span_id)


def _server_span_started(span: trace.Span, request: HttpRequest) -> None:
    context = span.get_span_context()
    _request_trace.set(_ids(context) if context.is_valid else None)


def _server_span_ended(span: trace.Span, request: HttpRequest, response: HttpResponse) -> None:
    # Here, not at the start: RequestIDMiddleware runs inside the tracing middleware.
    request_id = getattr(request, "request_id", None)
    if request_id:
        span.set_attribute(REQUEST_ID, request_id)


def _with_trace_ids(make_record: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Log records made inside a span carry its ids (backend.logging writes them as fields)."""

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        context = trace.get_current_span().get_span_context()
        ids = _ids(context) if context.is_valid else _request_trace.get()
        if ids is not None:
            record.trace_id, record.span_id = ids
        return record

    return factory


def instrument(tracer_provider: trace.TracerProvider | None = None) -> None:
    """Wrap Django, psycopg2, sqlite3 and Redis; once per process (again is a no-op)."""
    global _tracer
    for instrumentor in _INSTRUMENTORS:
        if instrumentor().is_instrumented_by_opentelemetry:
            continue
        options: dict[str, Any] = {"tracer_provider": tracer_provider}
        if instrumentor is DjangoInstrumentor:
            options.update(request_hook=_server_span_started, response_hook=_server_span_ended)
        instrumentor().instrument(**options)
    _tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
    global _plain_record_factory
    if _plain_record_factory is None:
        _plain_record_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_with_trace_ids(_plain_record_factory))
    trace_tasks()


def uninstrument() -> None:
    """Undo ``instrument()`` (tests)."""
    for instrumentor in _INSTRUMENTORS:
        if instrumentor().is_instrumented_by_opentelemetry:
            instrumentor().uninstrument()
    global _plain_record_factory
    if _plain_record_factory is not None:
        logging.setLogRecordFactory(_plain_record_factory)
        _plain_record_factory = None
    from django_tasks.signals import task_finished, task_started

    task_started.disconnect(dispatch_uid=_TASK_STARTED)
    task_finished.disconnect(dispatch_uid=_TASK_FINISHED)


class _NoLoneClientSpans(Sampler):
    """A query or Redis command outside any request, operation or task is not traced.

    The task worker polls its queue and the reaper sweeps it every few seconds:
    traced, each poll would be a trace of its own, all day long.
    """

    def __init__(self, root: Sampler) -> None:
        self._root = root

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return self._root.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"NoLoneClientSpans{{{self._root.get_description()}}}"


def _exporter() -> SpanExporter:
    if settings.OTEL_TRACES_EXPORTER == "console":
        return ConsoleSpanExporter()
    # Imported here: the console exporter needs neither protobuf nor requests.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def start(processor: SpanProcessor | None = None) -> TracerProvider | None:
    """The SDK provider of this process, exporting as ``OTEL_*`` say; once per process."""
    global _started_in
    if _started_in == os.getpid():
        return None
    _started_in = os.getpid()
    # The sampler the SDK would take from OTEL_TRACES_SAMPLER, for traces this process starts.
    sampler = ParentBased(root=_NoLoneClientSpans(_get_from_env_or_default()))
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: settings.OTEL_SERVICE_NAME}), sampler=sampler
    )
    provider.add_span_processor(processor or BatchSpanProcessor(_exporter()))
    trace.set_tracer_provider(provider)
    return provider


def _running_in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class OperationSpan(SchemaExtension):
    """One span per GraphQL operation over HTTP, named ``query Examples``; its SQL spans are its children.

    Not Strawberry's OpenTelemetryExtension: that one also wraps every field's
    resolver (a span per resolved field of every list item, and Strawberry's
    per-field extension path for every field) and never makes the operation's
    span current, so the queries would not nest under it. On the WebSocket an
    operation lasts as long as its subscription; each delivery has a span of
    its own (``live_delivery``) instead.
    """

    def on_operation(self) -> Iterator[None]:
        if _running_in_event_loop():
            yield
            return
        with _tracer.start_as_current_span("graphql.operation", kind=SpanKind.INTERNAL) as span:
            span.set_attribute(REQUEST_ID, current_request_id.get())
            yield
            context = self.execution_context
            name = context.operation_name
            try:
                kind = context.operation_type.value
            except Exception:  # no document (a parse error) or no such operation: nothing ran
                kind = "unknown"
            span.update_name(f"{kind} {name}" if name else kind)
            span.set_attribute("graphql.operation.type", kind)
            if name:
                span.set_attribute("graphql.operation.name", name)
            if context.pre_execution_errors or (context.result is not None and context.result.errors):
                span.set_status(Status(StatusCode.ERROR))


def operation_extensions() -> list[type[SchemaExtension]]:
    return [OperationSpan]


@contextmanager
def live_delivery(kind: str, event_id: object) -> Iterator[trace.Span]:
    """One event's way to one subscription: the policy's check (its SQL) and the decision."""
    with _tracer.start_as_current_span("live.delivery", kind=SpanKind.CONSUMER) as span:
        span.set_attribute("live.event.kind", kind)
        span.set_attribute("live.event.id", str(event_id))
        yield span


_task_spans: dict[object, tuple[trace.Span, object]] = {}


def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    span = _tracer.start_span(f"task {task_result.task.name}", kind=SpanKind.CONSUMER)
    span.set_attribute("task.id", str(task_result.id))
    span.set_attribute("task.name", task_result.task.name)
    token = otel_context.attach(trace.set_span_in_context(span))
    _task_spans[task_result.id] = (span, token)


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    started = _task_spans.pop(task_result.id, None)
    if started is None:
        return
    span, token = started
    status = str(getattr(task_result.status, "value", task_result.status))
    span.set_attribute("task.status", status)
    if status != "SUCCESSFUL":
        span.set_status(Status(StatusCode.ERROR))
    otel_context.detach(token)  # type: ignore[arg-type]
    span.end()


def trace_tasks() -> None:
    """A span per task run (django-tasks' signals), its queries as children."""
    from django_tasks.signals import task_finished, task_started

    task_started.connect(_task_started, dispatch_uid=_TASK_STARTED)
    task_finished.connect(_task_finished, dispatch_uid=_TASK_FINISHED)

"""Traces (backend/tracing.py): spans of a REST and a GraphQL request end to end, and nothing at all when off."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_trace_id

from backend import tracing
from backend.logging import JsonFormatter
from backend.request_id import RequestIDFilter
from graphql_api.schema import build_schema

ROOT = Path(__file__).resolve().parent.parent


class Lines(logging.Handler):
    """The production log line (JSON, request id filter) of every record, kept."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIDFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def exported(settings, monkeypatch):
    """Tracing on in this process, spans kept in memory; every instrumentation removed afterwards."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings.TRACING = True
    tracing.instrument(provider)
    # The schema as built with traces on, served by the GraphQL view.
    from graphql_api import views

    monkeypatch.setattr(views.default_schema, "extensions", build_schema().extensions)
    # The next query opens a connection through the instrumented driver, as a worker's first does.
    connection.close()
    lines = Lines()
    logging.getLogger("django.request").addHandler(lines)
    try:
        yield exporter, lines
    finally:
        logging.getLogger("django.request").removeHandler(lines)
        tracing.uninstrument()
        connection.close()


def by_trace(spans: tuple[ReadableSpan, ...], trace_id: int) -> list[ReadableSpan]:
    return [span for span in spans if span.context.trace_id == trace_id]


def server_span(spans: tuple[ReadableSpan, ...]) -> ReadableSpan:
    (server,) = [span for span in spans if span.kind is SpanKind.SERVER]
    return server


def descendants(spans: list[ReadableSpan], root: ReadableSpan) -> list[ReadableSpan]:
    found, frontier = [], {root.context.span_id}
    while frontier:
        children = [span for span in spans if span.parent and span.parent.span_id in frontier]
        found += children
        frontier = {span.context.span_id for span in children}
    return found


def sql_spans(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in spans if span.kind is SpanKind.CLIENT and "db.system" in (span.attributes or {})]


@pytest.mark.django_db(transaction=True)
def test_a_rest_request_is_a_server_span_with_its_route_sql_request_id_and_log_line(exported, auth_client):
    exporter, lines = exported
    response = auth_client.get("/api/v1/examples/999999/", HTTP_X_REQUEST_ID="rest-req-1")
    assert response.status_code == 404

    spans = exporter.get_finished_spans()
    server = server_span(spans)
    # The route pattern (DRF's router writes regular expressions), never the path with its id.
    route = "api/v1/examples/(?P<pk>[0-9]+)/$"
    assert server.attributes["http.route"] == route
    assert server.name == f"GET {route}"
    assert server.attributes["request_id"] == "rest-req-1"
    queries = sql_spans(descendants(list(by_trace(spans, server.context.trace_id)), server))
    assert queries, "no SQL span under the request's span"
    assert all(query.context.trace_id == server.context.trace_id for query in queries)
    # Django's "Not Found" line, written after the tracing middleware detached its span.
    (line,) = [line for line in lines.lines if line["logger"] == "django.request"]
    assert line["request_id"] == "rest-req-1"
    assert line["trace_id"] == format_trace_id(server.context.trace_id)


@pytest.mark.django_db(transaction=True)
def test_a_graphql_request_has_an_operation_span_with_its_name_over_its_sql(
    exported, auth_client, example_factory, user
):
    exporter, _ = exported
    example_factory(user=user)
    query = "query MyExamples { examples { totalCount } }"
    response = auth_client.post(
        "/graphql/",
        {"query": query, "operationName": "MyExamples"},
        format="json",
        HTTP_X_REQUEST_ID="gql-req-1",
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["examples"]["totalCount"] == 1

    spans = exporter.get_finished_spans()
    server = server_span(spans)
    assert server.attributes["http.route"] == "graphql/"
    assert server.attributes["request_id"] == "gql-req-1"
    (operation,) = [span for span in spans if span.name.startswith("query ")]
    assert operation.name == "query MyExamples"
    assert operation.attributes["graphql.operation.name"] == "MyExamples"
    assert operation.attributes["graphql.operation.type"] == "query"
    assert operation.attributes["request_id"] == "gql-req-1"
    assert operation in descendants(list(spans), server)
    assert sql_spans(descendants(list(spans), operation)), "the operation's queries are not its children"


def test_log_records_inside_a_span_carry_its_ids(exported):
    _, lines = exported
    logger = logging.getLogger("django.request")
    with tracing._tracer.start_as_current_span("work") as span:
        logger.warning("inside")
    (line,) = lines.lines
    assert line["trace_id"] == format_trace_id(span.get_span_context().trace_id)
    assert line["span_id"] == f"{span.get_span_context().span_id:016x}"


def test_a_live_delivery_is_a_span(exported):
    exporter, _ = exported
    with tracing.live_delivery("UPDATED", 7) as span:
        span.set_attribute("live.delivered", True)
    (delivery,) = exporter.get_finished_spans()
    assert delivery.name == "live.delivery"
    assert delivery.attributes["live.event.kind"] == "UPDATED"
    assert delivery.attributes["live.event.id"] == "7"


def test_a_query_outside_any_span_starts_no_trace():
    """The task worker's queue polling is not a trace per poll (the sampler of ``start()``)."""
    sampler = tracing.ParentBased(root=tracing._NoLoneClientSpans(tracing._get_from_env_or_default()))
    assert not sampler.should_sample(None, 1, "SELECT", SpanKind.CLIENT).decision.is_sampled()
    assert sampler.should_sample(None, 1, "GET /", SpanKind.SERVER).decision.is_sampled()


OFF_PROBE = """
import json, logging, sys
import django
django.setup()
import backend.asgi  # the served app: handler, schema, live consumer
from django.conf import settings
from graphql_api.schema import schema
from graphql_api.subscriptions import delivery_span
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.startswith("opentelemetry") or m == "backend.tracing"),
    "middleware": [m for m in settings.MIDDLEWARE if "opentelemetry" in m],
    "extensions": [getattr(e, "__name__", type(e).__name__) for e in schema.extensions],
    "delivery_span": delivery_span.__name__,
    "record_factory": logging.getLogRecordFactory() is logging.LogRecord,
}))
"""


def test_with_tracing_off_nothing_is_instrumented():
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    environment["DJANGO_SETTINGS_MODULE"] = "backend.settings.test"
    probe = subprocess.run(
        [sys.executable, "-c", OFF_PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    state = json.loads(probe.stdout.strip().splitlines()[-1])
    assert state["modules"] == []
    assert state["middleware"] == []
    assert "OperationSpan" not in state["extensions"]
    assert state["extensions"], "the probe read no extensions"
    assert state["delivery_span"] == "_Untraced"
    assert state["record_factory"] is True


def test_with_tracing_on_the_schema_has_the_operation_span(settings):
    settings.TRACING = True
    assert tracing.OperationSpan in build_schema().extensions
    settings.TRACING = False
    assert tracing.OperationSpan not in build_schema().extensions


@pytest.mark.django_db(transaction=True)
def test_a_task_is_a_span_with_its_queries_below_it(exported):
    """django-tasks' signals, as the task worker sends them (here the immediate backend runs it)."""
    from authentication.tasks import send_password_reset_mail

    exporter, _ = exported
    send_password_reset_mail.enqueue(email="nobody@example.com")
    spans = exporter.get_finished_spans()
    (task,) = [span for span in spans if span.name == "task send_password_reset_mail"]
    assert task.kind is SpanKind.CONSUMER
    assert task.attributes["task.status"] == "SUCCESSFUL"
    assert sql_spans(descendants(list(spans), task)), "the task's lookup is not its child"


@pytest.mark.django_db(transaction=True)
def test_spans_hold_no_sql_parameters_graphql_documents_or_variables(exported, auth_client):
    exporter, _ = exported
    query = "query Find($title: String!) { examples(filters: {title: {exact: $title}}) { totalCount } }"
    body = {"query": query, "operationName": "Find", "variables": {"title": "s3cret-title"}}
    response = auth_client.post("/graphql/", body, format="json")
    assert response.json()["data"]["examples"]["totalCount"] == 0
    spans = exporter.get_finished_spans()
    assert sql_spans(list(spans)), "no SQL span to look into"
    values = [str(value) for span in spans for value in (span.attributes or {}).values()]
    assert not [value for value in values if "s3cret-title" in value or "examples(filters" in value]

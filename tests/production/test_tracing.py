"""Traces from gunicorn's uvicorn workers: each exports over OTLP/HTTP after the fork, and log lines carry the trace id.

A collector of our own (a loopback HTTP server decoding OTLP's protobuf)
receives what two preloaded workers send; the server's JSON log lines are
read from its output.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from .conftest import free_port


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), _Receive)
        self.spans: list[tuple[dict[str, str], Span]] = []
        self.lock = threading.Lock()

    def received(self) -> list[tuple[dict[str, str], Span]]:
        with self.lock:
            return list(self.spans)


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        export = ExportTraceServiceRequest.FromString(body)
        with self.server.lock:
            for resource_spans in export.resource_spans:
                resource = {kv.key: kv.value.string_value for kv in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    self.server.spans.extend((resource, span) for span in scope_spans.spans)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def attributes(span: Span) -> dict[str, object]:
    return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in span.attributes}


def test_workers_export_request_sql_and_redis_spans_and_log_lines_carry_the_trace_id(start_server, redis_url):
    collector = Collector()
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    try:
        server = start_server(
            GUNICORN_WORKERS="2",
            OTEL_TRACES_EXPORTER="otlp",
            OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{collector.server_address[1]}",
            OTEL_SERVICE_NAME="backend-under-test",
            OTEL_BSP_SCHEDULE_DELAY="100",
            LOG_FORMAT="json",
            REDIS_URL=redis_url,
        )
        assert server.request("GET", "/ready/", headers={"X-Request-ID": "ready-1"}).status == 200
        refused = server.request("GET", "/api/v1/examples/1/", headers={"X-Request-ID": "refused-1"})
        assert refused.status == 401

        def server_span(request_id: str) -> tuple[dict[str, str], Span] | None:
            for resource, span in collector.received():
                if span.kind == Span.SPAN_KIND_SERVER and attributes(span).get("request_id") == request_id:
                    return resource, span
            return None

        deadline = time.monotonic() + 20
        while not (server_span("ready-1") and server_span("refused-1")):
            assert time.monotonic() < deadline, f"spans not exported: {collector.received()}"
            time.sleep(0.05)

        resource, ready = server_span("ready-1")
        assert resource["service.name"] == "backend-under-test"
        assert attributes(ready)["http.route"] == "ready/"
        queries = [
            span
            for _, span in collector.received()
            if span.trace_id == ready.trace_id and span.kind == Span.SPAN_KIND_CLIENT
        ]
        assert any("SELECT 1" in str(attributes(query).get("db.statement", "")) for query in queries), queries
        # /ready/ asks the cache too: Redis' command is in the same trace.
        assert any(attributes(query).get("db.system") == "redis" for query in queries), queries

        _, refused_span = server_span("refused-1")
        lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
        (line,) = [
            line
            for line in lines
            if line.get("request_id") == "refused-1" and line["logger"] == "django.request"
        ]
        assert line["trace_id"] == refused_span.trace_id.hex()
    finally:
        collector.shutdown()
        collector.server_close()

import json
import logging

import pytest

from backend.logging import JsonFormatter
from backend.request_id import RequestIDFilter, current_request_id

pytestmark = pytest.mark.django_db


def test_request_id_is_generated_and_echoed(client):
    response = client.get("/health/")
    assert len(response["X-Request-ID"]) == 32
    assert client.get("/health/")["X-Request-ID"] != response["X-Request-ID"]


def test_well_formed_request_id_is_kept(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="trace-42.abc")
    assert response["X-Request-ID"] == "trace-42.abc"


@pytest.mark.parametrize("value", ["", "has space", "x" * 129, "<script>", "a\u00e9"])
def test_malformed_request_id_is_replaced(client, value):
    response = client.get("/health/", HTTP_X_REQUEST_ID=value)
    assert response["X-Request-ID"] != value
    assert len(response["X-Request-ID"]) == 32


def test_error_responses_carry_the_request_id_too(client):
    response = client.get("/nowhere/", HTTP_X_REQUEST_ID="req-1")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-1"


def test_log_lines_of_a_request_carry_its_id(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/nowhere/", HTTP_X_REQUEST_ID="req-77")
    record = next(r for r in caplog.records if r.name == "django.request")
    RequestIDFilter().filter(record)
    assert record.request_id == "req-77"


def test_json_formatter_writes_one_object_per_line():
    token = current_request_id.set("req-9")
    try:
        record = logging.makeLogRecord(
            {"name": "app", "levelname": "ERROR", "msg": "failed %s", "args": ("x",)}
        )
        RequestIDFilter().filter(record)
        record.status_code = 500
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
        line = JsonFormatter().format(record)
    finally:
        current_request_id.reset(token)
    assert "\n" not in line.split('"exception"')[0]
    entry = json.loads(line)
    assert entry["message"] == "failed x"
    assert entry["level"] == "ERROR"
    assert entry["request_id"] == "req-9"
    assert entry["status_code"] == 500
    assert "ValueError: boom" in entry["exception"]

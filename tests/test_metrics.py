"""The HTTP metrics (backend/metrics.py): what a request records, and labels that stay bounded."""

import secrets

import pytest
from django.test import override_settings
from prometheus_client import REGISTRY

from backend.metrics import UNMATCHED
from tests.helpers import client_with_token

pytestmark = pytest.mark.django_db


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _label_values(name: str, label: str) -> set[str]:
    return {
        sample.labels[label]
        for metric in REGISTRY.collect()
        for sample in metric.samples
        if sample.name == name
    }


def test_a_request_is_counted_by_route_method_and_status(client):
    before = _value("http_requests_total", route="health/", method="GET", status="200")
    latency_before = _value("http_request_duration_seconds_count", route="health/", method="GET")
    assert client.get("/health/").status_code == 200
    assert _value("http_requests_total", route="health/", method="GET", status="200") == before + 1
    assert _value("http_request_duration_seconds_count", route="health/", method="GET") == latency_before + 1


def test_the_route_is_the_url_pattern_not_the_path(client):
    client.get("/api/v1/examples/12345/")
    client.get("/api/v1/examples/67890/")
    routes = _label_values("http_requests_total", "route")
    assert not any("12345" in route or "67890" in route for route in routes)
    assert any("<" in route for route in routes), routes


def test_sql_statements_of_a_request_are_observed(client):
    before_sum = _value("http_request_sql_queries_sum", route="ready/")
    before_count = _value("http_request_sql_queries_count", route="ready/")
    assert client.get("/ready/").status_code == 200
    assert _value("http_request_sql_queries_count", route="ready/") == before_count + 1
    # /ready/ sends SELECT 1 at least.
    assert _value("http_request_sql_queries_sum", route="ready/") >= before_sum + 1


def test_random_paths_add_no_label_values_beyond_the_unmatched_route(client):
    client.get("/no-such-page/")
    routes_before = _label_values("http_requests_total", "route")
    unmatched_before = _value("http_requests_total", route=UNMATCHED, method="GET", status="404")
    for _ in range(1000):
        assert client.get(f"/{secrets.token_hex(8)}/{secrets.token_hex(4)}").status_code == 404
    assert _label_values("http_requests_total", "route") == routes_before
    assert (
        _value("http_requests_total", route=UNMATCHED, method="GET", status="404") == unmatched_before + 1000
    )


def test_unknown_methods_share_one_label_value(client):
    client.generic("BREW", "/health/")
    client.generic("PROPFIND", "/health/")
    methods = _label_values("http_requests_total", "method")
    assert "BREW" not in methods and "PROPFIND" not in methods
    assert "other" in methods


def test_ready_reports_database_availability(client):
    assert client.get("/ready/").status_code == 200
    assert _value("database_up") == 1


@override_settings(PASSWORD_CHANGE_THROTTLE_RATE="2/min")
def test_a_throttle_refusal_is_counted_by_route(user):
    client = client_with_token(user)
    route = "api/auth/password/change/"
    before = _value("http_throttled_total", surface="http", route=route)
    codes = [
        client.post("/" + route, {"old_password": "guess", "new_password": "n3w-Passphrase!"}).status_code
        for _ in range(3)
    ]
    assert codes[-1] == 429, codes
    assert _value("http_throttled_total", surface="http", route=route) == before + 1
    assert _value("http_requests_total", route=route, method="POST", status="429") >= 1

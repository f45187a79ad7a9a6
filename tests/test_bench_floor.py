"""The machine's floor (benchmarks/floor.py) sends the REST list's SQL and writes its body.

``floor_list_*`` is what every list is divided by in BENCHMARKS.md; it is only
an honest floor while it does the REST list's database and JSON work: the same
statements (the token lookup aside: the floor's caller is a fixed user) and
the same bytes, on data that exercises every field (tests/test_bench_raw_view.py's).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.floor import FLOOR_PATH, HEALTH_BODY, Floor
from tests.helpers import client_with_token
from tests.test_bench_raw_view import REST_URL, caller  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

PAGES = ["", "limit=2", "limit=2&offset=2", "offset=1", "limit=1&offset=3", "limit=500", "offset=99"]


def _call(app: Floor, path: str, query: str = "") -> tuple[str, bytes]:
    answer: dict = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
    }
    body = b"".join(app(environ, start_response))
    assert answer["headers"]["Content-Length"] == str(len(body))
    return answer["status"], body


@pytest.mark.parametrize("query", PAGES)
def test_the_floor_writes_the_rest_lists_body(caller, query):  # noqa: F811
    rest = client_with_token(caller).get(f"{REST_URL}?{query}")

    status, body = _call(Floor(caller.pk), FLOOR_PATH, query)

    assert rest.status_code == 200 and status == "200 OK"
    assert body == rest.content


@pytest.mark.parametrize("query", ["limit=2&offset=2", "limit=100"])
def test_the_floor_sends_the_rest_lists_sql_but_the_token_lookup(caller, query):  # noqa: F811
    client, floor = client_with_token(caller), Floor(caller.pk)
    client.get(f"{REST_URL}?{query}")
    _call(floor, FLOOR_PATH, query)  # prepares the page's statements once

    with CaptureQueriesContext(connection) as rest:
        client.get(f"{REST_URL}?{query}")
    with CaptureQueriesContext(connection) as floored:
        _call(floor, FLOOR_PATH, query)

    rest_sql = [captured["sql"] for captured in rest.captured_queries]
    assert "authtoken_token" in rest_sql[0] and len(rest_sql) == 3
    assert [captured["sql"] for captured in floored.captured_queries] == rest_sql[1:]


def test_a_bad_page_is_the_rest_lists_400(caller):  # noqa: F811
    rest = client_with_token(caller).get(f"{REST_URL}?limit=0")

    status, body = _call(Floor(caller.pk), FLOOR_PATH, "limit=0")

    assert rest.status_code == 400 and status == "400 Bad Request"
    assert body == rest.content


def test_health_touches_no_database(caller):  # noqa: F811
    with CaptureQueriesContext(connection) as captured:
        status, body = _call(Floor(caller.pk), "/health/")

    assert (status, body) == ("200 OK", HEALTH_BODY)
    assert captured.captured_queries == []

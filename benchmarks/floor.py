"""The machine's floor: a bare WSGI callable served like the product (``floor_*`` entries).

``raw`` (benchmarks/views.py) is the floor of a Django request; this is the
floor of the machine: what gunicorn, the same uvicorn workers and a2wsgi
thread pool as the product (backend.asgi), the same database connection
settings (Django's connection, benchmarks.settings: PgBouncer, psycopg2,
``CONN_MAX_AGE``) and orjson cost for the REST list's rows, with nothing
else. No URL resolver, no middleware, no request object, no DRF and no
authentication: the caller is a fixed user (``BENCH_FLOOR_USER_ID``), so the
token lookup is the one query of the REST list it does not send.

For each page shape (limit, offset) the statements are prepared once, by
running the REST list's own queryset (``example_list_queryset`` under the
policy, ``.values()`` of the raw view's columns) through its paginator's
count and page (``api.policy.count_rows``, ``ordered_page``) and keeping the
(sql, params) the driver was given; every request then sends those
statements as they are, and writes the REST list's body from the rows
(tests/test_bench_floor.py compares SQL and bytes with the REST list's).

``/health/`` is the cheapest answer the server gives: no database, a constant
body (``floor_health``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qs, urlencode

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
django.setup()

import orjson  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.utils.urls import remove_query_param, replace_query_param  # noqa: E402

from api import policy  # noqa: E402
from api.paging import Page, PageError, parse_page  # noqa: E402
from api.v1.views import example_list_queryset  # noqa: E402
from authentication.identity import shown_name  # noqa: E402
from backend.fastjson import escape_line_separators  # noqa: E402

from .views import COLUMNS, _date_time, rest_columns  # noqa: E402

REST_PATH = "/api/v1/examples/"
FLOOR_PATH = "/floor/examples/"
HEALTH_BODY = b'{"status":"ok"}'
Statement = tuple[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _capture(run: Callable[[], object]) -> list[Statement]:
    """The (sql, params) each statement of ``run`` handed to the driver, in order."""
    statements: list[Statement] = []

    def keep(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        run()
    return statements


@dataclass(frozen=True)
class Prepared:
    """One page shape's statements, and where each of the raw view's ``COLUMNS`` is in a page row."""

    count: Statement
    page: Statement
    shown: Callable[[tuple], tuple]


def prepare(user_id: int, page: Page) -> Prepared:
    """The REST list's count and page statements for ``user_id`` and ``page``, as its queryset sends them."""
    user = get_user_model().objects.get(pk=user_id)
    rows = policy.restrict(example_list_queryset(user), user, policy.VIEW)
    [count] = _capture(lambda: policy.count_rows(rows))
    stop = page.offset + page.limit
    columns = rest_columns(rows)
    shown = rows.values(*columns)
    [page_rows] = _capture(lambda: list(policy.ordered_page(shown, page.offset, stop)))
    return Prepared(count, page_rows, itemgetter(*(columns.index(name) for name in COLUMNS)))


def _as_datetime(value: dt.datetime | str) -> dt.datetime:
    # psycopg2 gives aware datetimes; SQLite (the test suite) gives the stored UTC, naive.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _links(environ: dict, page: Page, count: int) -> tuple[str | None, str | None]:
    """The REST list's next and previous links (DRF's LimitOffsetPagination), on its URL."""
    url = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', 'testserver')}{REST_PATH}"
    query = environ.get("QUERY_STRING", "")
    if query:
        url = f"{url}?{urlencode(parse_qs(query, keep_blank_values=True), doseq=True)}"
    url = replace_query_param(url, "limit", page.limit)
    following = None
    if page.offset + page.limit < count:
        following = replace_query_param(url, "offset", page.offset + page.limit)
    previous = None
    if page.offset > 0:
        if page.offset - page.limit <= 0:
            previous = remove_query_param(url, "offset")
        else:
            previous = replace_query_param(url, "offset", page.offset - page.limit)
    return following, previous


class Floor:
    """The WSGI callable: ``/floor/examples/?limit=&offset=`` and ``/health/``."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.prepared: dict[Page, Prepared] = {}
        self.zone = timezone.get_current_timezone()

    def body(self, environ: dict) -> bytes:
        """The REST list's body for the fixed user and the query string's page."""
        query = parse_qs(environ.get("QUERY_STRING", ""))
        page = parse_page(query.get("limit", [None])[-1], query.get("offset", [None])[-1])
        prepared = self.prepared.get(page)
        if prepared is None:
            prepared = self.prepared[page] = prepare(self.user_id, page)
        with connection.cursor() as cursor:
            cursor.execute(*prepared.count)
            [count] = cursor.fetchone()
            # DRF's rule, as the REST list's paginator keeps it: no page query past the end.
            rows = []
            if count and page.offset <= count:
                cursor.execute(*prepared.page)
                rows = [prepared.shown(row) for row in cursor.fetchall()]
        zone = self.zone
        results = [
            {
                "id": example_id,
                "title": title,
                "content": content,
                "project": project,
                "owner": {
                    "id": owner_id,
                    "username": username,
                    "name": shown_name(display_name, first_name, last_name, username),
                },
                "created_at": _date_time(_as_datetime(created), zone),
                "updated_at": _date_time(_as_datetime(updated), zone),
            }
            for (
                example_id,
                title,
                content,
                project,
                created,
                updated,
                owner_id,
                username,
                first_name,
                last_name,
                display_name,
            ) in rows
        ]
        following, previous = _links(environ, page, count)
        body = {"count": count, "next": following, "previous": previous, "results": results}
        return escape_line_separators(orjson.dumps(body))

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/health/":
            status, body = "200 OK", HEALTH_BODY
        elif path == FLOOR_PATH:
            try:
                status, body = "200 OK", self.body(environ)
            except PageError as error:
                status, body = "400 Bad Request", orjson.dumps({error.field: [error.message]})
        else:
            status, body = "404 Not Found", b'{"detail":"Not found."}'
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def _server_app():
    """What gunicorn serves: the floor in the product's a2wsgi thread pool (backend.asgi's)."""
    from a2wsgi import WSGIMiddleware

    # backend.asgi's pool size, read as it reads it (importing it would build the product's app here).
    threads = os.environ.get("HTTP_THREADS", "").strip() or os.environ.get("GUNICORN_THREADS", "").strip()
    return WSGIMiddleware(Floor(int(os.environ["BENCH_FLOOR_USER_ID"])), workers=max(1, int(threads or 4)))


if "BENCH_FLOOR_USER_ID" in os.environ:
    application = _server_app()

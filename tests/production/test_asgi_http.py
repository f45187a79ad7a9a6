"""HTTP on the ASGI server (backend.asgi): a fixed pool of threads, each keeping one database connection.

Django's ASGI handler would run every request's sync code in a new thread,
opening a database connection per request and leaving it behind (under
`make bench`: "too many clients already"). backend.asgi runs Django's WSGI
handler in a fixed pool instead (a2wsgi); these tests prove the pool on a
real gunicorn with uvicorn workers and PostgreSQL, and that nothing async is
lost by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid

import pytest
from asgiref.sync import iscoroutinefunction
from django.urls import URLPattern, URLResolver, get_resolver

from backend.uvicorn_worker import AccessLog

STRONG = "a-Strong-passphrase-42"
THREADS = 2
REQUESTS = 30


def _callbacks(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _callbacks(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_view_is_async():
    # An async view would run, but in a pool thread through async_to_sync: no concurrency gained.
    # backend/asgi.py says why HTTP is served this way; revisit it before adding one.
    views = list(_callbacks(get_resolver().url_patterns))
    assert len(views) > 20
    assert [route for route, view in views if iscoroutinefunction(view)] == []


@pytest.fixture(scope="module")
def server(start_server):
    return start_server(
        GUNICORN_WORKERS="1", GUNICORN_THREADS=str(THREADS), GRAPHQL_TRUSTED_DOCUMENTS_ONLY="0"
    )


@pytest.mark.postgres
def test_requests_reuse_one_connection_per_thread(server, pg_cluster):
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    registered = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert registered.status == 201
    token = {"Authorization": f"Token {registered.json()['token']}"}
    since = pg_cluster.psql("SELECT now()").strip()
    sessions_before = _sessions(pg_cluster)

    for _ in range(REQUESTS):
        assert server.request("GET", "/api/v1/examples/", headers=token).status == 200
        assert (
            server.request("POST", "/graphql/", {"query": "{ me { username } }"}, headers=token).status == 200
        )

    opened_alive = int(
        pg_cluster.psql(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            f"AND pid <> pg_backend_pid() AND backend_start > '{since}'"
        )
    )
    # The server's threads may open their connection now (each at most once); with a thread per
    # request, 60 requests open 60 connections, which either stay (alive) or were closed (sessions).
    assert opened_alive <= THREADS
    # + 1: the psql session that read the first count.
    assert _sessions(pg_cluster) - sessions_before <= THREADS + 1


@pytest.mark.postgres
def test_bad_bodies_through_the_pool_are_4xx_json(server):
    # a2wsgi hands Django the body as a stream; Django's limits must still hold (1 MiB by default).
    too_big = server.request(
        "POST", "/graphql/", {"query": "{ me { username } }", "pad": "x" * (2 * 1024 * 1024)}
    )
    assert too_big.status == 413
    assert too_big.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    rest = server.request("POST", "/api/auth/login/", {"username": "x" * (2 * 1024 * 1024), "password": "x"})
    assert rest.status == 413 and "detail" in rest.json()
    not_json = server.request("POST", "/api/auth/login/", None, headers={"Content-Type": "text/plain"})
    assert 400 <= not_json.status < 500 and not_json.content_type.startswith("application/json")


def _sessions(pg_cluster) -> int:
    # pg_stat_database.sessions (PostgreSQL 14+): sessions established, counted when a session
    # reports its statistics (at the latest when it ends).
    return int(pg_cluster.psql("SELECT sessions FROM pg_stat_database WHERE datname = current_database()"))


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, line: str) -> None:
        self.lines.append(line)


def _status_logged(app) -> int:
    logger = _Lines()
    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        pass

    with contextlib.suppress(RuntimeError):
        asyncio.run(AccessLog(app, logger)(scope, receive, send))
    return json.loads(logger.lines[0])["status"]


def test_the_access_line_tells_a_failure_from_a_client_that_left():
    async def answers(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def client_left(scope, receive, send):
        return None

    async def fails(scope, receive, send):
        raise RuntimeError("boom")

    assert [_status_logged(app) for app in (answers, client_left, fails)] == [204, 499, 500]


def test_a_50000_character_url_is_answered(server):
    """A 4xx JSON answer (uvicorn passes it on: Django's 404); the development server's is a 414."""
    response = server.request("GET", "/" + "a" * 50_000)
    assert 400 <= response.status < 500, response.status
    assert response.content_type == "application/json"
    assert "detail" in response.json()

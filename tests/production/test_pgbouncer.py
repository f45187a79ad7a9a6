"""The app through PgBouncer in transaction pooling (scripts/pgbouncer.sh), against real servers.

A PostgreSQL of its own, migrated and given its default statement_timeout
directly (`manage.py set_statement_timeout`, the release step); PgBouncer in
front of it with a small pool handing server connections out in turn; then
gunicorn with production settings and ``DB_POOLER=pgbouncer`` pointed at the
pooler. Other clients keep the pool busy where it matters, so a client that
relies on its session (a server-side cursor, a session-level SET) would meet
another client's server connection.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg2
import pytest

from api.models import ExampleModel

from .conftest import ROOT, Response, _response, _script, _state

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
# The database's default (DB_STATEMENT_TIMEOUT_MS): long enough that a request
# waiting on a lock only answers in time under the API's own timeout.
DEFAULT_TIMEOUT_MS = 123456
API_TIMEOUT_MS = 300
POOL_SIZE = 8


class Pooled:
    def __init__(self, direct: dict[str, str], pooler_port: str) -> None:
        self.direct = direct
        self.app = {
            **direct,
            "DB_HOST": "127.0.0.1",
            "DB_PORT": pooler_port,
            "DB_POOLER": "pgbouncer",
            "DB_STATEMENT_TIMEOUT_MS": str(DEFAULT_TIMEOUT_MS),
        }

    def connect(self, *, through_pooler: bool = True):
        env = self.app if through_pooler else self.direct
        connection = psycopg2.connect(
            host=env["DB_HOST"],
            port=env["DB_PORT"],
            user=env["DB_USER"],
            dbname=env["DB_NAME"],
            connect_timeout=5,
        )
        connection.autocommit = True
        return connection

    def manage(self, *args: str, through_pooler: bool = True, **extra: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.settings.production",
            "SECRET_KEY": "tests-" + uuid.uuid4().hex * 2,
            "ALLOWED_HOSTS": "127.0.0.1",
            **(self.app if through_pooler else self.direct),
            **extra,
        }
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def pooled(tmp_path_factory) -> Iterator[Pooled]:
    folder = tmp_path_factory.mktemp("pgbouncer")
    env = {"PG_STATE": str(folder / "postgres.env"), "PGBOUNCER_STATE": str(folder / "pgbouncer.env")}
    with ExitStack() as stack:
        _script("postgres.sh", "start", env=env)
        stack.callback(_script, "postgres.sh", "stop", env=env)
        values = _state(folder / "postgres.env")
        direct = {key: values[key] for key in ("DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT")}
        direct["DB_STATEMENT_TIMEOUT_MS"] = str(DEFAULT_TIMEOUT_MS)
        pooled = Pooled(direct, "")
        # The release step, against PostgreSQL directly.
        for command in (
            ("migrate", "--noinput", "-v", "0"),
            ("set_statement_timeout",),
            ("collectstatic", "--noinput", "-v", "0"),
        ):
            result = pooled.manage(*command, through_pooler=False)
            assert result.returncode == 0, result.stderr[-3000:]
        _script("pgbouncer.sh", "start", env={**env, "PGBOUNCER_POOL_SIZE": str(POOL_SIZE)})
        stack.callback(_script, "pgbouncer.sh", "stop", env=env)
        yield Pooled(direct, _state(folder / "pgbouncer.env")["PGBOUNCER_PORT"])


@contextmanager
def busy_clients(pooled: Pooled, count: int = 3) -> Iterator[None]:
    """Other clients running short transactions through the pooler until the block ends."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with pooled.connect() as connection, connection.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute("SELECT pg_sleep(0.005)")
        except Exception as error:  # reported when the block ends
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors


def every_server_connections_timeout(pooled: Pooled) -> list[str]:
    """``statement_timeout`` of each server connection in the pool, seen through the pooler.

    POOL_SIZE clients each hold a transaction at once, so each holds a server
    connection of its own: together, every one the pool has.
    """
    connections = [pooled.connect() for _ in range(POOL_SIZE)]
    try:
        seen = []
        for connection in connections:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SHOW statement_timeout")
                seen.append(cursor.fetchone()[0])
        return seen
    finally:
        for connection in connections:
            connection.close()


def test_a_session_through_pgbouncer_has_the_timeout_the_settings_say(pooled):
    with pooled.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == f"{DEFAULT_TIMEOUT_MS}ms"

    checked = pooled.manage("set_statement_timeout", "--check")
    assert checked.returncode == 0, checked.stderr
    assert (
        checked.stdout.strip()
        == f"statement_timeout is {DEFAULT_TIMEOUT_MS} ms, as DB_STATEMENT_TIMEOUT_MS says."
    )
    # A setting the database does not carry is reported, not served silently.
    mismatch = pooled.manage("set_statement_timeout", "--check", DB_STATEMENT_TIMEOUT_MS="5000")
    assert mismatch.returncode == 1
    assert f"statement_timeout is {DEFAULT_TIMEOUT_MS} ms on a new connection of 'default'" in mismatch.stderr
    # Session-level work is refused through the pooler: migrations' advisory lock, ALTER DATABASE.
    for command in (("migrate", "--noinput"), ("set_statement_timeout",)):
        refused = pooled.manage(*command)
        assert refused.returncode == 1
        assert "DB_POOLER is set: run" in refused.stderr


def _account(server) -> dict[str, str]:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    registered = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert registered.status == 201, registered.body
    return {"Authorization": f"Token {registered.json()['token']}"}


def test_requests_run_under_the_api_timeout_and_leave_nothing_on_the_pool(start_server, pooled):
    server = start_server(**pooled.app, API_STATEMENT_TIMEOUT_MS=str(API_TIMEOUT_MS))
    token = _account(server)
    with busy_clients(pooled):
        for index in range(10):
            created = server.request("POST", "/api/v1/examples/", {"title": f"row {index}"}, headers=token)
            assert created.status == 201, created.body
            listed = server.request("GET", "/api/v1/examples/?limit=100", headers=token)
            assert listed.status == 200, listed.body
    assert listed.json()["count"] == 10

    # A statement waiting on a lock is stopped by the request's timeout, not the database's
    # (which outlasts the client's 30 s wait for an answer).
    with pooled.connect(through_pooler=False) as holder, holder.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute(f"LOCK TABLE {ExampleModel._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        waited = server.request("GET", "/api/v1/examples/", headers=token)
        cursor.execute("ROLLBACK")
    assert waited.status == 503, waited.body
    assert waited.json()["code"] == "statement_timeout"

    # Every server connection the requests used still has the database's default.
    assert every_server_connections_timeout(pooled) == [f"{DEFAULT_TIMEOUT_MS}ms"] * POOL_SIZE


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _page(server, path: str, cookies: dict[str, str], fields: dict | None = None) -> Response:
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(server.url + path, data=data, headers=headers)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as reply:
            return _response(reply.status, reply.headers, reply.read())
    except urllib.error.HTTPError as error:
        return _response(error.code, error.headers, error.read())


def _admin_login(server, username: str, password: str) -> dict[str, str]:
    page = _page(server, "/admin/login/", {})
    assert page.status == 200, page.body[:500]
    cookies = {"csrftoken": page.cookies["csrftoken"]}
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    fields = {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
    login = _page(server, "/admin/login/?next=/admin/", cookies, fields)
    assert login.status == 302, login.body[:500]
    return {**cookies, "sessionid": login.cookies["sessionid"]}


def test_the_admin_user_pages_and_iterators_work_with_other_clients_busy(start_server, pooled):
    username = f"root-{uuid.uuid4().hex[:6]}"
    created = pooled.manage(
        "createsuperuser",
        "--noinput",
        DJANGO_SUPERUSER_USERNAME=username,
        DJANGO_SUPERUSER_EMAIL=f"{username}@example.com",
        DJANGO_SUPERUSER_PASSWORD=STRONG,
    )
    assert created.returncode == 0, created.stderr
    server = start_server(**pooled.app)
    cookies = _admin_login(server, username, STRONG)
    with pooled.connect(through_pooler=False) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM auth_user WHERE username = %s", [username])
        (user_id,) = cursor.fetchone()

    with busy_clients(pooled):
        for _ in range(5):
            listing = _page(server, "/admin/auth/user/", cookies)
            assert listing.status == 200, listing.body[-3000:]
            assert username.encode() in listing.body
            change = _page(server, f"/admin/auth/user/{user_id}/change/", cookies)
            assert change.status == 200, change.body[-3000:]
            assert b'name="user_permissions"' in change.body
        # dumpdata reads every model with .iterator(), outside any transaction.
        dumped = pooled.manage("dumpdata", "--format", "jsonl")
        assert dumped.returncode == 0, dumped.stderr[-3000:]
        assert f'"username": "{username}"' in dumped.stdout

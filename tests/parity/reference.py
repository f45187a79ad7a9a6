"""The graphene reference server, as the tests reach it: a process of its own, over HTTP.

The reference (reference/) runs in reference/.venv (graphql-core 3.2; the
product's environment has 3.3 and cannot import graphene). ``reference_server``
starts its gunicorn once per test session, pointed at the session's own test
database, and stops it at the end. Because it is another process it sees only
committed rows: tests that ask it anything use ``transactional_db`` and commit
their data (see ``surfaces.committed``).

On SQLite the test database must be a file the server can open, not
pytest-django's in-memory default: ``use_a_shareable_sqlite_file`` (called by
tests/conftest.py's ``django_db_modify_db_settings``) puts it in a temp folder.
On PostgreSQL the server is given the test database's name and the same
credentials.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REFERENCE_PYTHON = ROOT / "reference" / ".venv" / "bin" / "python"
GUNICORN = ROOT / "reference" / ".venv" / "bin" / "gunicorn"
SQL_HEADER = "X-Reference-SQL"
START_TIMEOUT_S = 60
# Passed on from the test settings, so both processes page by the same rule.
SHARED_SETTINGS = ("API_PAGE_SIZE_DEFAULT", "API_PAGE_SIZE_MAX")


def use_a_shareable_sqlite_file(folder: Path) -> None:
    """An SQLite test database in a file (another process cannot open an in-memory one)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
        # A throwaway file: no fsync at each commit and the rollback journal in
        # memory (the suite would otherwise spend a fifth more CPU and wait on
        # the disk). Still a rollback-journal mode, so the reference process,
        # which opens the file with SQLite's defaults, reads it as usual.
        options = database.setdefault("OPTIONS", {})
        options["init_command"] = "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY"


@dataclass(frozen=True)
class ReferenceAnswer:
    status: int
    body: dict
    sql: list[str]  # every statement of the request, the token lookup first


@dataclass
class ReferenceServer:
    url: str
    process: subprocess.Popen
    log: Path

    def graphql(self, query: str, variables: dict | None = None, token: str | None = None) -> ReferenceAnswer:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Token {token}"
        request = urllib.request.Request(f"{self.url}/graphql/", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                status, raw, sql = reply.status, reply.read(), reply.headers.get(SQL_HEADER)
        except urllib.error.HTTPError as error:
            # graphene-django answers 400 when an error has no path (validation);
            # the view 401 for a bad token.
            status, raw, sql = error.code, error.read(), error.headers.get(SQL_HEADER)
        assert status in (200, 400, 401), (status, raw[:300], self.tail())
        statements = json.loads(base64.b64decode(sql)) if sql else []
        return ReferenceAnswer(status, json.loads(raw), statements)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _database_environment() -> dict[str, str]:
    """The running session's test database, in the variables backend.settings.base reads."""
    from django.db import connection

    database = connection.settings_dict
    if connection.vendor == "sqlite":
        name = database["NAME"]
        assert Path(name).is_file(), f"the SQLite test database {name!r} is not a file the reference can open"
        return {"SQLITE_PATH": name}
    return {
        "DB_NAME": database["NAME"],
        "DB_USER": database["USER"] or "",
        "DB_PASSWORD": database["PASSWORD"] or "",
        "DB_HOST": database["HOST"] or "localhost",
        "DB_PORT": str(database["PORT"] or "5432"),
    }


def _environment() -> dict[str, str]:
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DJANGO_", "GUNICORN_", "REDIS_", "SQLITE_", "PYTHON"))
    }
    return {
        **kept,
        **_database_environment(),
        **{name: str(getattr(settings, name)) for name in SHARED_SETTINGS},
        "DJANGO_SETTINGS_MODULE": "reference.settings_test",
        # One synchronous worker: SQLite serialises writers anyway, and the
        # tests send one request at a time. The reference is a WSGI app (its
        # environment has no uvicorn): not gunicorn.conf.py's ASGI default.
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "LOG_LEVEL": "warning",
    }


def start(folder: Path) -> ReferenceServer:
    if not GUNICORN.exists():
        pytest.fail(
            f"{GUNICORN} is missing: run `make reference` (make test does it) to create reference/.venv"
        )
    # The socket is bound here and handed to gunicorn (fd://): no race for a free port.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    log = folder / "reference.log"
    config = ROOT / "gunicorn.conf.py"
    command = [str(GUNICORN), "-c", str(config), "--bind", f"fd://{listener.fileno()}", "reference.wsgi"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
        )
    listener.close()
    server = ReferenceServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the reference server exited ({process.returncode}):\n{server.tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/health/", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    stop(server)
    pytest.fail(f"the reference server did not answer within {START_TIMEOUT_S}s:\n{server.tail()}")


def stop(server: ReferenceServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def reference_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """The reference's gunicorn over this session's test database, for the whole session.

    Depends on ``django_db_setup`` so that it stops before the test database
    is destroyed (PostgreSQL refuses to drop a database that is in use).
    """
    with django_db_blocker.unblock():
        server = start(tmp_path_factory.mktemp("reference"))
    try:
        yield server
    finally:
        stop(server)

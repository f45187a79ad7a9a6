"""Real servers for production-path tests: PostgreSQL, Redis and gunicorn (uvicorn workers, backend.asgi).

Each is started by the project's own scripts on loopback, in temp folders of
this test session, and stopped at the end. The suite's own database is not
used: these servers are separate processes and need committed data.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from benchmarks.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _state(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def _script(name: str, *args: str, env: dict[str, str]) -> None:
    subprocess.run([str(ROOT / "scripts" / name), *args], cwd=ROOT, env={**os.environ, **env}, check=True)


@dataclass
class Cluster:
    state_file: Path
    env: dict[str, str]

    def pause(self) -> None:
        _script("postgres.sh", "pause", env={"PG_STATE": str(self.state_file)})

    def resume(self) -> None:
        _script("postgres.sh", "resume", env={"PG_STATE": str(self.state_file)})

    def psql(self, sql: str) -> str:
        result = subprocess.run(
            [
                "psql",
                "-h",
                self.env["DB_HOST"],
                "-p",
                self.env["DB_PORT"],
                "-U",
                "postgres",
                "-d",
                self.env["DB_NAME"],
                "-Atc",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory) -> Iterator[Cluster]:
    state = tmp_path_factory.mktemp("pg") / "postgres.env"
    _script("postgres.sh", "start", env={"PG_STATE": str(state)})
    try:
        values = _state(state)
        env = {key: values[key] for key in ("DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT")}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings.development", **env},
            check=True,
        )
        yield Cluster(state, env)
    finally:
        _script("postgres.sh", "stop", env={"PG_STATE": str(state)})


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("redis") / "redis.env"
    _script("redis.sh", "start", env={"REDIS_STATE": str(state)})
    try:
        yield _state(state)["REDIS_URL"]
    finally:
        _script("redis.sh", "stop", env={"REDIS_STATE": str(state)})


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass
class Server:
    """One gunicorn master with production settings, talking plain HTTP."""

    port: int
    process: subprocess.Popen
    log: Path
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, body: dict | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return _response(reply.status, reply.headers, reply.read())
        except urllib.error.HTTPError as error:
            return _response(error.code, error.headers, error.read())


def _response(status: int, headers, body: bytes) -> Response:
    cookies = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return Response(status, {k.lower(): v for k, v in headers.items()}, body, cookies)


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.log.read_text()[-3000:]}")
        try:
            if server.request("GET", "/health/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer: {server.log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def start_server(pg_cluster, tmp_path_factory) -> Iterator:
    """Start gunicorn servers on free ports; all are stopped at the end."""
    started: list[Server] = []
    # One key for every server, as in a real deployment: sessions are signed with it.
    secret_key = "tests-" + secrets.token_urlsafe(40)

    def start(port: int | None = None, **env: str) -> Server:
        """A server on ``port`` (a free one by default; a stopped server's, to restart a node)."""
        port = port or free_port()
        log = tmp_path_factory.mktemp("gunicorn") / "server.log"
        full_env = {
            **os.environ,
            **pg_cluster.env,
            "DJANGO_SETTINGS_MODULE": "backend.settings.production",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "8",
            "AUTH_THROTTLE_RATE": "10000/min",
            # Stopped at the end of the session: no drain (tests/production/test_draining.py sets one).
            "HTTP_DRAIN_SECONDS": "0",
            **env,
        }
        if "REDIS_URL" not in env:
            full_env.pop("REDIS_URL", None)
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "backend.asgi:application"],
                cwd=ROOT,
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(port, process, log)
        started.append(server)
        _wait_until_up(server)
        return server

    yield start
    for server in started:
        server.process.terminate()
    for server in started:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()

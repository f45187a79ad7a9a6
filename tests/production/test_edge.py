"""The public edge of `make serve`: nginx in front of gunicorn, replayed from outside.

The module starts scripts/serve.sh itself (nginx on a free loopback port,
gunicorn on another, its own Redis, the session's PostgreSQL) with one
worker of two HTTP threads, so that two stuck requests would stop all HTTP.
Then, from outside:

- 50 connections that promise a body and send one byte hold nginx
  connections only: /health/ and a signed-in list answer while all 50 are
  still open and unanswered;
- a 1 MB header is refused, a 64 MB one long before the client has sent it,
  and gunicorn's workers neither die nor time out;
- X-Forwarded-For written by the client does not move the throttle's count
  (NUM_PROXIES=1: nginx appends the address it saw);
- WebSocket upgrades on /graphql/ pass through.

The app server keeps its own limits for requests that reach it without the
proxy (backend/uvicorn_worker.py); the last tests replay the same attacks
against a bare gunicorn (conftest's ``start_server``).

"At once" means: the answer came while the attack was still going on. The
socket timeouts are failure guards, not measurements.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.sync.client import connect

from .conftest import ROOT, Server, free_port

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
THREADS = 2
SLOW_CONNECTIONS = 50
GUARD = 10.0  # seconds: a failure guard on every socket read, not a measurement
MB = 1024 * 1024


@dataclass
class Stack:
    process: subprocess.Popen
    log: Path
    proxy: Server  # the public address: nginx
    app_port: int  # gunicorn, loopback only
    metrics_port: int  # gunicorn's metrics listener (METRICS_BIND), loopback only

    def worker_pids(self) -> set[int]:
        return {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", self.log.read_text())}


def _wait_for_health(stack: Stack) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"serve.sh exited: {stack.log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if stack.proxy.request("GET", "/health/").status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"make serve did not answer: {stack.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def stack(pg_cluster, tmp_path_factory) -> Iterator[Stack]:
    """scripts/serve.sh as `make serve` runs it, on free ports; SIGTERM stops all it started."""
    folder = tmp_path_factory.mktemp("serve")
    log = folder / "serve.log"
    port, app_port, metrics_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": str(THREADS),
        "METRICS_BIND": f"127.0.0.1:{metrics_port}",
        # The session's PostgreSQL (serve.sh finds it running and leaves it); its own Redis and nginx.
        "PG_STATE": str(pg_cluster.state_file),
        "REDIS_STATE": str(folder / "redis.env"),
        "NGINX_STATE": str(folder / "nginx.env"),
        "AUTH_THROTTLE_RATE": "5/min",
        "GRAPHQL_TRUSTED_DOCUMENTS_ONLY": "0",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "NUM_PROXIES", "DB_NAME", "DB_HOST", "DB_PORT"):
        env.pop(name, None)
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    stack = Stack(process, log, Server(port, process, log), app_port, metrics_port)
    try:
        _wait_for_health(stack)
        yield stack
    finally:
        # What Ctrl-C does: serve.sh stops gunicorn, the task worker, nginx and Redis.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise


@pytest.fixture(scope="module")
def token(stack) -> dict[str, str]:
    username = f"edge{uuid.uuid4().hex[:8]}"
    body = {"email": f"{username}@example.com", "username": username, "password": STRONG}
    registered = stack.proxy.request("POST", "/api/auth/register/", body)
    assert registered.status == 201, registered.body
    return {"Authorization": f"Token {registered.json()['token']}"}


@contextlib.contextmanager
def slow_bodies(port: int, count: int) -> Iterator[list[socket.socket]]:
    """``count`` requests that promise 100000 bytes of body and send one.

    To /graphql/: the view reads the body before anything else can refuse it.
    """
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            conn = socket.create_connection(("127.0.0.1", port), timeout=GUARD)
            conn.sendall(
                b"POST /graphql/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
            )
            sockets.append(conn)
        yield sockets
    finally:
        for conn in sockets:
            conn.close()


def still_waiting(conn: socket.socket) -> bool:
    """Open, and nothing answered yet."""
    readable, _, _ = select.select([conn], [], [], 0)
    return not readable


def raw_request(port: int, head: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=GUARD) as conn:
        conn.sendall(head)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    status_line = reply.split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), reply


def get(port: int, path: str, headers: dict[str, str] | None = None, extra: bytes = b"") -> tuple[int, bytes]:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return raw_request(port, "\r\n".join(lines).encode() + b"\r\n" + extra + b"\r\n")


def huge_header(port: int, size: int) -> tuple[int | None, int]:
    """Send a request whose one header is ``size`` bytes, looking for an answer between chunks.

    Returns the status (None: the connection was closed without one) and how
    many header bytes had been sent when the answer came.
    """
    chunk = b"a" * 65536
    sent = 0
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=GUARD) as conn:
        try:
            conn.sendall(b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ")
            while sent < size and not select.select([conn], [], [], 0)[0]:
                conn.sendall(chunk)
                sent += len(chunk)
            reply = conn.recv(65536)
        except (BrokenPipeError, ConnectionResetError):
            with contextlib.suppress(OSError):
                reply = conn.recv(65536)
    status = int(reply.split()[1]) if reply.startswith(b"HTTP/1.1 ") else None
    return status, sent


def worker_failures(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "WORKER TIMEOUT" in line or "SIGABRT" in line]


def test_the_app_server_listens_on_loopback_only_behind_the_proxy(stack):
    served = stack.proxy.request("GET", "/health/")
    assert served.status == 200
    assert served.headers["server"] == "nginx"
    assert f"127.0.0.1:{stack.app_port}" in stack.log.read_text()


def test_metrics_are_served_on_their_own_listener_and_never_through_the_proxy(stack):
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.metrics_port}/metrics", timeout=GUARD) as reply:
        assert b"http_requests_total" in reply.read()
    for path in ("/metrics", "/metrics/"):
        status, body = get(stack.proxy.port, path)
        assert status == 404, (path, body[:500])
        assert b"http_requests_total" not in body


def test_slow_bodies_hold_no_app_thread(stack, token):
    with slow_bodies(stack.proxy.port, SLOW_CONNECTIONS) as attack:
        health = get(stack.proxy.port, "/health/")
        listed = get(stack.proxy.port, "/api/v1/examples/", token)
        # The answers came while every slow request was still open and unanswered.
        assert all(still_waiting(conn) for conn in attack)
    assert health[0] == 200
    assert listed[0] == 200
    assert b'"results"' in listed[1]


def test_a_1mb_header_is_refused_at_once(stack, token):
    with slow_bodies(stack.proxy.port, SLOW_CONNECTIONS) as attack:
        status, reply = get(stack.proxy.port, "/api/v1/examples/", {**token, "X-Huge": "a" * MB})
        assert all(still_waiting(conn) for conn in attack)
    assert status == 400
    assert reply.endswith(b'{"detail": "Request header or cookie too large."}')


def test_a_64mb_header_is_refused_unread_and_no_worker_dies(stack):
    workers = stack.worker_pids()
    assert len(workers) == 1
    status, sent = huge_header(stack.proxy.port, 64 * MB)
    assert status == 400
    # Refused long before the client got the header out.
    assert sent < 16 * MB
    assert stack.proxy.request("GET", "/health/").status == 200
    assert stack.worker_pids() == workers
    for pid in workers:
        os.kill(pid, 0)  # alive
    assert worker_failures(stack.log) == []


def test_a_body_up_to_the_limit_reaches_the_app_and_one_over_it_is_refused_by_the_proxy(stack, token):
    # 900 kB: past nginx's memory buffer, so it is spooled to the proxy's own temp folder first.
    big = stack.proxy.request(
        "POST", "/graphql/", {"query": "{ __typename }", "variables": {"pad": "a" * 900_000}}, headers=token
    )
    assert big.status == 200, big.body
    assert "x-request-id" in big.headers  # the app's answer, not the proxy's
    status, reply = raw_request(
        stack.proxy.port,
        b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n",
    )
    assert status == 413
    assert reply.endswith(b'{"detail": "Request body too large."}')


def login_from(stack: Stack, source: str, forwarded_for: str, username: str) -> int:
    """A failed login from the loopback address ``source`` (127.0.0.0/8 is all ours)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", stack.proxy.port, timeout=GUARD, source_address=(source, 0)
    )
    try:
        body = json.dumps({"username": username, "password": "wrong-password"})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
        conn.request("POST", "/api/auth/login/", body, headers)
        return conn.getresponse().status
    finally:
        conn.close()


def test_the_throttle_counts_each_client_behind_the_proxy(stack):
    # NUM_PROXIES=1: the address nginx appended is the client, whatever the client wrote before it.
    forged = [login_from(stack, "127.0.0.2", f"203.0.113.{n}", f"nobody{n}") for n in range(7)]
    assert forged[:5] == [400] * 5
    assert forged[5:] == [429, 429]
    # Another client is counted alone: not locked out with the first (as it would be if the
    # proxy's own address were taken for everyone's).
    assert login_from(stack, "127.0.0.3", "203.0.113.1", "nobody") == 400


def test_websocket_upgrades_on_graphql_pass_through(stack, token):
    url = f"ws://127.0.0.1:{stack.proxy.port}/graphql/"
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=GUARD) as live:
        live.send(json.dumps({"type": "connection_init", "payload": token}))
        assert json.loads(live.recv(timeout=GUARD)) == {"type": "connection_ack"}
        live.send(json.dumps({"type": "ping"}))
        assert json.loads(live.recv(timeout=GUARD)) == {"type": "pong"}
    # Plain HTTP on the same path still reaches the app.
    answered = stack.proxy.request("POST", "/graphql/", {"query": "{ __typename }"}, headers=token)
    assert answered.status == 200


# Without the proxy: the app server's own limits (defence in depth).


@pytest.fixture(scope="module")
def bare(start_server) -> Server:
    return start_server(GUNICORN_WORKERS="1", GUNICORN_THREADS=str(THREADS), HTTP_BODY_TIMEOUT_SECONDS="1")


def test_without_the_proxy_a_slow_body_frees_its_thread_at_the_body_deadline(bare):
    with slow_bodies(bare.port, THREADS * 2) as attack:
        # Every thread is stuck on a body until the deadline; then /health/ gets one.
        assert get(bare.port, "/health/")[0] == 200
        for conn in attack:
            reply = conn.recv(65536)
            assert reply.startswith(b"HTTP/1.1 400 "), reply[:200]


def test_without_the_proxy_a_huge_header_is_refused_and_no_worker_dies(bare):
    workers = {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", bare.log.read_text())}
    assert len(workers) == 1
    assert get(bare.port, "/health/", {"X-Huge": "a" * MB})[0] == 400
    status, sent = huge_header(bare.port, 64 * MB)
    assert status in (400, None)  # uvicorn answers 400 and closes; the reset may eat the answer
    assert sent < 16 * MB
    assert bare.request("GET", "/health/").status == 200
    assert {
        int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", bare.log.read_text())
    } == workers
    assert worker_failures(bare.log) == []

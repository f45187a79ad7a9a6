"""``make run``'s server (``manage.py runserver``: daphne under backend.devserver) answers what production answers.

A real server process on a free port, with the development settings and a
throwaway SQLite file; requests are sent on raw sockets so that a dropped
connection is seen as such.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.ports import free_port

ROOT = Path(__file__).resolve().parents[1]


def exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` and read until the server closes (b"" when it answered nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers, "", ""]
    return "\r\n".join(lines).encode()


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory) -> Iterator[int]:
    port = free_port()
    folder = tmp_path_factory.mktemp("devserver")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.development",
        "SQLITE_PATH": str(folder / "db.sqlite3"),
    }
    env.pop("DB_NAME", None)
    with (folder / "server.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (folder / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (folder / "server.log").read_text()[-3000:]
            try:
                if exchange(port, get("/health/")).startswith(b"HTTP/1.1 "):
                    break
            except OSError:
                time.sleep(0.1)  # not listening yet
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def status_and_body(answer: bytes) -> tuple[int, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    return int(head.split(b" ", 2)[1]), json.loads(body)


def test_a_50000_character_url_is_a_414_json(dev_server):
    answer = exchange(dev_server, get("/" + "a" * 50_000))

    assert status_and_body(answer) == (414, {"detail": "The request line is too long."})


def test_a_50000_character_header_is_a_431_json(dev_server):
    answer = exchange(dev_server, get("/health/", "X-Big: " + "a" * 50_000))

    assert status_and_body(answer) == (431, {"detail": "A request header is too long."})


def test_an_ordinary_request_is_served(dev_server):
    assert exchange(dev_server, get("/health/")).startswith(b"HTTP/1.1 200 ")

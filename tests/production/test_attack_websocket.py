"""The WebSocket surface under production settings, on real gunicorn servers (uvicorn workers) sharing Redis.

Replays: frames the JSON rule refuses, a forged ``Host``, and more sockets
than one user may hold, opened on two processes at once (the cap is counted
in Redis). Every refusal is an answer the client can read; the servers log
no error.
"""

from __future__ import annotations

import json
import socket as plain_socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from .test_live_across_processes import (
    MANIFEST,
    PROTOCOL,
    _closed_code,
    auth,
    open_socket,
    receive,
    register,
)

pytestmark = pytest.mark.postgres

CAP = 2
EVENTS_ID = next(
    f"sha256:{sha}"
    for sha, text in json.loads(MANIFEST.read_text()).items()
    if "subscription ExampleEvents" in text
)


@pytest.fixture(scope="module")
def servers(start_server, redis_url):
    prefix = f"ws-{uuid.uuid4().hex[:6]}"
    env = {
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "LIVE_MAX_SOCKETS_PER_USER": str(CAP),
    }
    return start_server(**env), start_server(**env)


@pytest.fixture
def sockets() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def errors_logged(server) -> list[str]:
    return [line for line in server.log.read_text().splitlines() if '"ERROR"' in line or "Traceback" in line]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("9" * 5000, "integers may have at most 4300 digits"),
        ("NaN", "NaN is not a JSON value"),
        ("Infinity", "Infinity is not a JSON value"),
        ('"\\ud800"', "strings must be valid Unicode"),
        ("[" * 20_000 + "]" * 20_000, "nested too deeply"),
    ],
    ids=["huge-integer", "nan", "infinity", "lone-surrogate", "deep-nesting"],
)
def test_a_refused_frame_is_the_operations_coded_error(servers, sockets, raw, words):
    first, _ = servers
    account = register(first, "frames")
    socket = open_socket(sockets, first, auth(account))
    assert receive(socket) == {"type": "connection_ack"}
    frame = '{"id": "op", "type": "subscribe", "payload": {"query": "", "documentId": "%s", "variables": {"v": %s}}}'
    socket.send(frame % (EVENTS_ID, raw))
    answer = receive(socket)
    assert answer["type"] == "error" and answer["id"] == "op", answer
    assert words in answer["payload"][0]["message"]
    assert answer["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
    socket.send(json.dumps({"type": "ping"}))
    assert receive(socket) == {"type": "pong"}
    socket.send('{"type": "subscribe", "id": ["not", "a", "string"]}')
    assert _closed_code(socket) == 4400
    assert errors_logged(first) == []


def test_a_host_not_in_allowed_hosts_is_refused(servers):
    first, _ = servers
    with (
        plain_socket.create_connection(("127.0.0.1", first.port)) as raw,
        pytest.raises(InvalidStatus) as refused,
    ):
        connect(
            f"ws://evil.example:{first.port}/graphql/", sock=raw, subprotocols=[PROTOCOL], open_timeout=10
        )
    assert refused.value.response.status_code == 403


def test_one_users_sockets_are_capped_across_processes(servers, sockets):
    first, second = servers
    account = register(first, "capped")
    held = [open_socket(sockets, server, auth(account)) for server in (first, second)]
    for socket in held:
        assert receive(socket) == {"type": "connection_ack"}
    # The cap (2) is reached across the two processes: a third on either is refused.
    for server in (first, second):
        extra = open_socket(sockets, server, auth(account))
        assert _closed_code(extra) == 4429
    # Someone else is unaffected, and a closed socket gives its place back.
    other = open_socket(sockets, second, auth(register(first, "other")))
    assert receive(other) == {"type": "connection_ack"}
    held[0].close()
    again = open_socket(sockets, first, auth(account))
    assert receive(again) == {"type": "connection_ack"}
    assert errors_logged(first) == [] and errors_logged(second) == []

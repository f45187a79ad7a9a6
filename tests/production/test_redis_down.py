"""Redis down and back, against a real gunicorn with production settings.

Redis holds the throttle counts (and the channel layer). While it is down the
throttled endpoints answer 503 JSON with Retry-After (never a 500), reads and
writes that do not need it keep working, and /ready/ says so without taking
the node out of the balancer; when it is back, everything answers as before.
GraphQL answers a throttled mutation as it answers a lost database: a coded
503 over HTTP, the operation's coded error (with ``retryAfter``) over a socket.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import redis
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from .conftest import Server, _script, _state, free_port

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
CACHE_DOWN = "A shared service is unavailable. Try again shortly."


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own on a fixed port, so it can be stopped and started again."""
    state = tmp_path / "redis.env"
    port = str(free_port())
    env = {"REDIS_STATE": str(state), "REDIS_PORT": port}
    _script("redis.sh", "start", env=env)

    class Redis:
        url = _state(state)["REDIS_URL"]

        def down(self) -> None:
            _script("redis.sh", "stop", env=env)

        def up(self) -> None:
            _script("redis.sh", "start", env=env)

        def refuse_writes(self, refused: bool) -> None:
            """Redis answers every write with an error (``NOREPLICAS``) while reads still work."""
            with redis.Redis.from_url(self.url) as client:
                client.config_set("min-replicas-to-write", 1 if refused else 0)

    try:
        yield Redis()
    finally:
        _script("redis.sh", "stop", env=env)


@dataclass
class Served:
    server: Server
    email: str
    auth: dict[str, str]


@pytest.fixture
def serve_on_own_redis(start_server, own_redis) -> Callable[..., Served]:
    """A server whose cache is ``own_redis`` (keys of its own), and a user registered on it."""

    def start(**env: str) -> Served:
        prefix = f"down-{uuid.uuid4().hex[:6]}"
        server = start_server(
            REDIS_URL=own_redis.url, CACHE_KEY_PREFIX=prefix, CHANNEL_LAYER_PREFIX=prefix, **env
        )
        email = f"{uuid.uuid4().hex[:12]}@example.com"
        registered = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
        assert registered.status == 201, registered.body
        return Served(server, email, {"Authorization": f"Token {registered.json()['token']}"})

    return start


def test_redis_down_and_back(serve_on_own_redis, own_redis):
    served = serve_on_own_redis()
    server, email, auth = served.server, served.email, served.auth
    assert server.request("GET", "/ready/").json() == {"status": "ok", "database": "ok", "redis": "ok"}

    own_redis.down()
    login = server.request("POST", "/api/auth/login/", {"email": email, "password": STRONG})
    assert login.status == 503, login.body
    assert login.content_type == "application/json"
    assert login.json() == {"detail": CACHE_DOWN}
    assert int(login.headers["retry-after"]) > 0
    created = server.request("POST", "/api/v1/examples/", {"title": "while redis is down"}, headers=auth)
    assert created.status == 201, created.body
    listed = server.request("GET", "/api/v1/examples/", headers=auth)
    assert listed.status == 200
    assert [row["title"] for row in listed.json()["results"]] == ["while redis is down"]
    ready = server.request("GET", "/ready/")
    assert ready.status == 200
    assert ready.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}

    own_redis.up()
    assert server.request("POST", "/api/auth/login/", {"email": email, "password": STRONG}).status == 200
    assert server.request("GET", "/ready/").json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert b"Traceback" not in server.log.read_bytes()


def test_registration_while_redis_refuses_writes_is_a_coded_503(serve_on_own_redis, own_redis):
    """Redis up but answering writes with an error (a ResponseError, not a lost connection)."""
    served = serve_on_own_redis()
    own_redis.refuse_writes(True)
    try:
        email = f"{uuid.uuid4().hex[:12]}@example.com"
        refused = served.server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
        assert refused.status == 503, refused.body
        assert refused.json() == {"detail": CACHE_DOWN}
        assert int(refused.headers["retry-after"]) > 0
    finally:
        own_redis.refuse_writes(False)
    again = served.server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert again.status == 201, again.body
    log = served.server.log.read_text()
    assert "Traceback" not in log
    assert "cache unavailable" in log


INVITE = """mutation($id: ID!, $username: String!) {
  addProjectMember(data: {projectId: $id, username: $username, role: VIEWER}) {
    __typename ... on Invitation { username }
  }
}"""
INVITATIONS = "{ invitations { totalCount } }"


def _socket_operation(socket, op_id: str, query: str, variables: dict) -> list[dict]:
    """Run one operation on an acknowledged socket: its messages up to ``complete``."""
    socket.send(
        json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables}})
    )
    messages = [json.loads(socket.recv(timeout=30))]
    while messages[-1]["type"] == "next":
        messages.append(json.loads(socket.recv(timeout=30)))
    return messages


def test_graphql_throttled_mutations_while_redis_is_down(serve_on_own_redis, own_redis, redis_url):
    """addProjectMember counts invitations in the cache: over HTTP and over a socket, a coded error.

    The channel layer has a Redis of its own here (``CHANNEL_LAYER_REDIS_URL``), which stays
    up: the socket that runs the mutation must outlive the cache's outage.
    """
    served = serve_on_own_redis(
        CHANNEL_LAYER_REDIS_URL=redis_url,
        # Free text, not only the frontend's documents: this mutation is not one of them.
        GRAPHQL_TRUSTED_DOCUMENTS_ONLY="0",
    )
    server, auth = served.server, served.auth
    project = server.request("POST", "/api/v1/projects/", {"name": "Atlas"}, headers=auth)
    assert project.status == 201, project.body
    invite = {"query": INVITE, "variables": {"id": str(project.json()["id"]), "username": "sam"}}
    # Opened while Redis answers: the socket caps count in it (without it a socket is refused, 1013).
    with connect(
        f"ws://127.0.0.1:{server.port}/graphql/", subprotocols=["graphql-transport-ws"], open_timeout=10
    ) as socket:
        socket.send(json.dumps({"type": "connection_init", "payload": auth}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "connection_ack"}

        own_redis.down()
        over_http = server.request("POST", "/graphql/", invite, headers=auth)
        assert over_http.status == 503, over_http.body
        assert int(over_http.headers["retry-after"]) > 0
        assert over_http.json() == {
            "errors": [{"message": CACHE_DOWN, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]
        }
        next_message, complete = _socket_operation(socket, "invite", INVITE, invite["variables"])
        assert complete == {"id": "invite", "type": "complete"}
        [error] = next_message["payload"]["errors"]
        assert error["message"] == CACHE_DOWN
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert error["extensions"]["retryAfter"] > 0
        # Nothing was written, on either surface.
        counted = server.request("POST", "/graphql/", {"query": INVITATIONS}, headers=auth)
        assert counted.json() == {"data": {"invitations": {"totalCount": 0}}}, counted.body

        own_redis.up()
        again = server.request("POST", "/graphql/", invite, headers=auth)
        assert again.status == 200, again.body
        assert again.json() == {"data": {"addProjectMember": {"__typename": "Invitation", "username": "sam"}}}
        variables = {**invite["variables"], "username": "max"}
        answered, complete = _socket_operation(socket, "again", INVITE, variables)
        assert answered["payload"] == {
            "data": {"addProjectMember": {"__typename": "Invitation", "username": "max"}}
        }
    log = server.log.read_text()
    assert "Traceback" not in log
    # The outage is a warning of the GraphQL layer, never an error (Django's own access line for
    # a 503, logger django.request, says "Service Unavailable" at ERROR for REST's 503s too).
    assert [line for line in log.splitlines() if "graphql_api" in line and "ERROR" in line] == []
    assert "GraphQL operation failed by an outage" in log


PROTOCOL = "graphql-transport-ws"
EVENTS = "subscription { exampleEvents { kind example { title } } }"
TRY_AGAIN_LATER = 1013


@contextmanager
def _subscribed_socket(server, auth: dict[str, str]) -> Iterator[ClientConnection]:
    """An acknowledged socket subscribed to the user's events, proven by one event it receives."""
    with connect(
        f"ws://127.0.0.1:{server.port}/graphql/", subprotocols=[PROTOCOL], open_timeout=10
    ) as socket:
        socket.send(json.dumps({"type": "connection_init", "payload": auth}))
        ack = json.loads(socket.recv(timeout=10))
        assert ack == {"type": "connection_ack"}, server.log.read_text()[-3000:]
        socket.send(json.dumps({"id": "events", "type": "subscribe", "payload": {"query": EVENTS}}))
        # The subscription joins its group asynchronously: write until an event comes (a deadline, no sleep).
        deadline = time.monotonic() + 20
        while True:
            created = server.request("POST", "/api/v1/examples/", {"title": "probe"}, headers=auth)
            assert created.status == 201, created.body
            try:
                message = json.loads(socket.recv(timeout=1))
            except TimeoutError:
                assert time.monotonic() < deadline, server.log.read_text()[-3000:]
                continue
            assert message["id"] == "events" and message["type"] == "next", (
                message,
                server.log.read_text()[-3000:],
            )
            assert message["payload"]["data"]["exampleEvents"]["kind"] == "CREATED"
            break
        yield socket


def test_an_open_socket_closes_with_1013_when_the_shared_redis_stops(serve_on_own_redis, own_redis):
    """The channel layer and the cache on ONE Redis, as ``make serve`` and the cluster run them.

    A subscribed socket gets a close frame with 1013 (try again later) when Redis stops, the
    server logs a warning and no traceback; once Redis is back a new socket subscribes and
    receives events again (graphql_api.live_layer says why the socket is closed, not kept).
    """
    served = serve_on_own_redis(CHANNEL_LAYER_REDIS_URL=own_redis.url, GRAPHQL_TRUSTED_DOCUMENTS_ONLY="0")
    server, auth = served.server, served.auth

    with _subscribed_socket(server, auth) as socket:
        own_redis.down()
        with pytest.raises(ConnectionClosed) as closed:
            while True:  # events already on their way may come first
                socket.recv(timeout=30)
    assert closed.value.rcvd is not None, "no close frame from the server"
    assert closed.value.rcvd.code == TRY_AGAIN_LATER

    own_redis.up()
    with _subscribed_socket(server, auth):
        pass
    log = server.log.read_text()
    assert "Traceback" not in log
    assert [line for line in log.splitlines() if "graphql_api" in line and "ERROR" in line] == []
    assert "channel layer unavailable, socket closed (1013)" in log

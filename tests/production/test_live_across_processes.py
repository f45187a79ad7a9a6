"""Live updates across processes: two gunicorn servers (uvicorn workers) on one PostgreSQL and one Redis.

Sockets are opened on the first server with the ``websockets`` client; every
change is made through the second server, over REST and GraphQL. An event
that arrives proves the path write -> on_commit -> Redis -> the other
process's consumer -> policy check -> the socket.

"Receives nothing" is never a timeout here either: the socket is then sent
an event it must get (a sentinel), and its next message must be that one.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import redis
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from .conftest import ROOT

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
PROTOCOL = "graphql-transport-ws"
# Production runs trusted documents only: the frontend's operation, as the manifest has it.
MANIFEST = ROOT / "frontend" / "generated" / "persisted-documents.json"
EVENTS = next(
    text for text in json.loads(MANIFEST.read_text()).values() if "subscription ExampleEvents" in text
)


@pytest.fixture(scope="module")
def live(start_server, redis_url):
    prefix = f"live-{uuid.uuid4().hex[:6]}"
    env = {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": prefix, "CACHE_KEY_PREFIX": prefix}
    first, second = start_server(**env), start_server(**env)
    return {"first": first, "second": second, "redis": redis.Redis.from_url(redis_url), "prefix": prefix}


def register(server, name: str) -> dict:
    username = f"{name}{uuid.uuid4().hex[:8]}"
    body = {"email": f"{username}@example.com", "username": username, "password": STRONG}
    response = server.request("POST", "/api/auth/register/", body)
    assert response.status == 201, response.body
    data = response.json()
    return {"token": data["token"], "id": data["user"]["id"], "username": username, "email": body["email"]}


def auth(account: dict) -> dict[str, str]:
    return {"Authorization": f"Token {account['token']}"}


def ws_url(server) -> str:
    return f"ws://127.0.0.1:{server.port}/graphql/"


@pytest.fixture
def sockets() -> Iterator[ExitStack]:
    """Every socket a test opens is closed at its end."""
    with ExitStack() as stack:
        yield stack


def open_socket(sockets: ExitStack, server, payload: dict | None = None, **options) -> ClientConnection:
    options.setdefault("subprotocols", [PROTOCOL])
    socket = sockets.enter_context(connect(ws_url(server), open_timeout=10, **options))
    socket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    return socket


def receive(socket: ClientConnection, timeout: float = 10) -> dict:
    return json.loads(socket.recv(timeout=timeout))


def subscribe(live, socket: ClientConnection, account: dict, op_id: str = "1") -> None:
    """Subscribe, then wait until the socket's channel is in the user's group in Redis."""
    socket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": EVENTS}}))
    key = f"{live['prefix']}:group:live.user.{account['id']}"
    deadline = time.monotonic() + 10
    while not live["redis"].zcard(key):
        if time.monotonic() > deadline:
            pending = socket.recv(timeout=1)
            raise AssertionError(
                f"no socket joined {key}: {pending} {live['redis'].keys()} {live['first'].log.read_text()[-3000:]}"
            )
        time.sleep(0.02)


def ready(live, sockets: ExitStack, account: dict) -> ClientConnection:
    socket = open_socket(sockets, live["first"], auth(account))
    assert receive(socket) == {"type": "connection_ack"}
    subscribe(live, socket, account)
    return socket


def rest(server, method: str, path: str, account: dict, body: dict | None = None):
    response = server.request(method, path, body, headers=auth(account))
    assert response.status < 300, (response.status, response.body)
    return response.json() if response.body else None


def trusted(operation: str) -> str:
    """The manifest's document id of the frontend's operation ``operation`` (e.g. "mutation UpdateExample")."""
    manifest = json.loads(MANIFEST.read_text())
    return next(f"sha256:{sha}" for sha, text in manifest.items() if f"{operation}(" in text)


def graphql(server, account: dict, document_id: str, variables: dict) -> dict:
    body = {"documentId": document_id, "variables": variables}
    response = server.request("POST", "/graphql/", body, headers=auth(account))
    body = response.json()
    assert response.status == 200 and "errors" not in body, body
    return body["data"]


def event_of(message: dict) -> dict:
    assert message["type"] == "next", message
    return message["payload"]["data"]["exampleEvents"]


def test_events_cross_processes_through_the_policy(live, sockets):
    first, second = live["first"], live["second"]
    owner, member, stranger = (register(first, name) for name in ("owner", "member", "stranger"))
    project = rest(second, "POST", "/api/v1/projects/", owner, {"name": "Across"})
    invitation = rest(
        second,
        "POST",
        f"/api/v1/projects/{project['id']}/members/",
        owner,
        {"username": member["username"], "role": "viewer"},
    )
    # Adding is an invitation: the member joins when they accept it.
    rest(first, "POST", f"/api/v1/invitations/{invitation['id']}/accept/", member)

    member_socket = ready(live, sockets, member)
    stranger_socket = ready(live, sockets, stranger)
    # A REST create on the other process reaches the member, with the fields selected.
    example = rest(
        second, "POST", "/api/v1/examples/", owner, {"title": "Made over REST", "project": project["id"]}
    )
    created = event_of(receive(member_socket))
    assert (created["kind"], created["id"]) == ("CREATED", str(example["id"]))
    assert created["example"]["title"] == "Made over REST"
    assert created["example"]["owner"]["username"] == owner["username"]
    # The project as the member sees it: the role is theirs, not the writer's.
    assert created["example"]["project"] == {"id": str(project["id"]), "name": "Across", "role": "VIEWER"}
    # A GraphQL update too.
    changes = {"data": {"id": str(example["id"]), "title": "Changed over GraphQL"}}
    graphql(second, owner, trusted("mutation UpdateExample"), changes)
    updated = event_of(receive(member_socket))
    assert (updated["kind"], updated["example"]["title"]) == ("UPDATED", "Changed over GraphQL")

    # The stranger got neither: their first event is their own example's.
    own = rest(second, "POST", "/api/v1/examples/", stranger, {"title": "Stranger's"})
    assert event_of(receive(stranger_socket))["id"] == str(own["id"])

    # A removed member stops receiving at once.
    rest(second, "DELETE", f"/api/v1/projects/{project['id']}/members/{member['id']}/", owner)
    rest(second, "PATCH", f"/api/v1/examples/{example['id']}/", owner, {"title": "After removal"})
    rest(second, "DELETE", f"/api/v1/examples/{example['id']}/", owner)
    mine = rest(second, "POST", "/api/v1/examples/", member, {"title": "Member's own"})
    assert event_of(receive(member_socket))["id"] == str(mine["id"])


def test_the_legacy_protocol_is_refused(live):
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(live["first"]), subprotocols=["graphql-ws"], open_timeout=10)
    assert refused.value.response.status_code == 403


def _closed_code(socket: ClientConnection) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        receive(socket)
    return closed.value.rcvd.code


def test_a_bad_token_is_refused(live, sockets):
    socket = open_socket(sockets, live["first"], {"Authorization": "Token not-a-token"})
    assert _closed_code(socket) == 4403


def test_an_anonymous_socket_is_closed_with_4401(live, sockets):
    socket = open_socket(sockets, live["first"])
    assert _closed_code(socket) == 4401


def test_a_cross_site_origin_is_refused_even_with_a_valid_session(live, sockets):
    first = live["first"]
    account = register(first, "session")
    login = first.request("POST", "/api/auth/login/", {"email": account["email"], "password": STRONG})
    cookie = f"sessionid={login.cookies['sessionid']}"
    with pytest.raises(InvalidStatus) as refused:
        connect(
            ws_url(first),
            subprotocols=[PROTOCOL],
            origin="https://evil.example",
            additional_headers={"Cookie": cookie},
            open_timeout=10,
        )
    assert refused.value.response.status_code == 403
    # The same cookie from the server's own origin is a logged-in socket.
    own_origin = f"http://127.0.0.1:{first.port}"
    socket = open_socket(sockets, first, origin=own_origin, additional_headers={"Cookie": cookie})
    assert receive(socket) == {"type": "connection_ack"}


def test_the_uvicorn_workers_write_gunicorns_json_access_line(live):
    """backend/uvicorn_worker.py replaces uvicorn's plain access line by the JSON one (a private hook: _serve)."""
    first = live["first"]
    response = first.request("GET", "/health/?probe=1", headers={"User-Agent": 'probe "quoted"'})
    request_id = response.headers["x-request-id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in first.log.read_text().splitlines():
            if request_id in line and '"gunicorn.access"' in line:
                entry = json.loads(line)
                assert entry["path"] == "/health/" and entry["query"] == "probe=1"
                assert (entry["status"], entry["method"], entry["user_agent"]) == (
                    200,
                    "GET",
                    'probe "quoted"',
                )
                assert entry["request_id"] == request_id and entry["duration_us"] >= 0
                return
        time.sleep(0.1)
    raise AssertionError(f"no JSON access line for {request_id}: {first.log.read_text()[-2000:]}")


def test_a_logout_on_one_server_closes_the_tokens_socket_on_the_other(live, sockets):
    ada, bob = register(live["second"], "ada"), register(live["second"], "bob")
    ada_socket = open_socket(sockets, live["first"], auth(ada))
    bob_socket = open_socket(sockets, live["first"], auth(bob))
    assert receive(ada_socket) == receive(bob_socket) == {"type": "connection_ack"}

    assert live["second"].request("POST", "/api/auth/logout/", headers=auth(ada)).status == 204

    # The deleted token reached the first server's consumer through Redis (authentication.revocation).
    assert _closed_code(ada_socket) == 4403
    bob_socket.send(json.dumps({"type": "ping"}))
    assert receive(bob_socket) == {"type": "pong"}

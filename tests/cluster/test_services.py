"""`make cluster`, the drills of what the nodes share: the channel layer, the replica, the task queue, Redis.

Against the one cluster of conftest.py. A WebSocket on node 1 gets the event
of a write made through node 2; under a replica applying WAL 1.5 s late a
caller reads their own writes on REST and GraphQL while another credential's
read provably goes to the replica; a mail whose worker was SIGKILLed mid-send
is sent by the reaper's retry; with Redis down login is a 503 with
Retry-After while reads and writes go on, and it works again when Redis is back.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import redis
from websockets.sync.client import ClientConnection, connect

from .conftest import ROOT, STRONG, Cluster, MailServer, call, register, wait_until

EXAMPLES = "/api/v1/examples/"
PROTOCOL = "graphql-transport-ws"
# Production serves trusted documents only: the frontend's operations, as the manifest has them.
MANIFEST = json.loads((ROOT / "frontend" / "generated" / "persisted-documents.json").read_text())
EVENTS = next(text for text in MANIFEST.values() if "subscription ExampleEvents" in text)
EXAMPLES_QUERY = next(f"sha256:{sha}" for sha, text in MANIFEST.items() if "query Examples(" in text)
CHANNEL_LAYER_PREFIX = "live"  # the default of CHANNEL_LAYER_PREFIX, which the cluster keeps


@pytest.fixture
def sockets() -> Iterator[ExitStack]:
    """Every socket a test opens is closed at its end."""
    with ExitStack() as stack:
        yield stack


def receive(socket: ClientConnection, timeout: float = 15) -> dict:
    return json.loads(socket.recv(timeout=timeout))


def subscribed(cluster: Cluster, sockets: ExitStack, node: int, account: dict) -> ClientConnection:
    """A socket on ``node`` subscribed to the account's example events, its channel in the user's group."""
    socket = sockets.enter_context(connect(cluster.ws_url(node), subprotocols=[PROTOCOL], open_timeout=15))
    socket.send(json.dumps({"type": "connection_init", "payload": account["auth"]}))
    assert receive(socket) == {"type": "connection_ack"}
    socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
    layer = redis.Redis.from_url(cluster.app_env()["REDIS_URL"])
    group = f"{CHANNEL_LAYER_PREFIX}:group:live.user.{account['id']}"
    wait_until(lambda: layer.zcard(group), seconds=15, what=f"the socket joined {group}")
    return socket


def event_of(message: dict) -> dict:
    assert message["type"] == "next", message
    return message["payload"]["data"]["exampleEvents"]


def titles(url: str, headers: dict[str, str]) -> list[str]:
    reply = call(url + EXAMPLES + "?limit=100", headers=headers)
    assert reply.status == 200, reply
    return [row["title"] for row in reply.body["results"]]


def graphql_titles(url: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    """totalCount and titles of the frontend's Examples query, by GET (a safe request, as a replica read must be)."""
    query = urllib.parse.urlencode(
        {"documentId": EXAMPLES_QUERY, "variables": json.dumps({"pagination": {"limit": 100}})}
    )
    reply = call(f"{url}/graphql/?{query}", headers=headers)
    assert reply.status == 200 and "errors" not in reply.body, reply
    page = reply.body["data"]["examples"]
    return page["totalCount"], [row["title"] for row in page["results"]]


def test_a_socket_on_one_node_gets_the_event_of_a_write_through_the_other(cluster: Cluster, sockets):
    account = register(cluster.url)
    socket = subscribed(cluster, sockets, 1, account)
    created = call(cluster.node_url(2) + EXAMPLES, "POST", {"title": "written on node 2"}, account["auth"])
    assert created.status == 201, created
    event = event_of(receive(socket))
    assert (event["kind"], event["id"], event["example"]["title"]) == (
        "CREATED",
        str(created.body["id"]),
        "written on node 2",
    )


@pytest.fixture
def replica_delay(cluster: Cluster) -> Iterator[None]:
    cluster.drill("replica-delay", "1500")
    try:
        yield
    finally:
        cluster.drill("replica-delay", "0")


def test_a_caller_reads_their_own_writes_under_replica_delay_and_another_reads_the_replica(
    cluster: Cluster, replica_delay, sockets
):
    account = register(cluster.url)
    token = account["auth"]
    # A token just issued works on every node: tokens are read from the primary.
    for node in (1, 2):
        assert call(cluster.node_url(node) + "/api/auth/user/", headers=token).status == 200
    login = call(cluster.url + "/api/auth/login/", "POST", {"email": account["email"], "password": STRONG})
    assert login.status == 200, login
    # The same user's session cookie: a second credential, never pinned by the token's writes.
    session = {"Cookie": "; ".join(f"{name}={value}" for name, value in login.cookies.items())}
    socket = subscribed(cluster, sockets, 1, account)

    created = call(cluster.url + EXAMPLES, "POST", {"title": "fresh"}, token)
    assert created.status == 201, created
    detail = call(f"{cluster.url}{EXAMPLES}{created.body['id']}/", headers=token)
    assert detail.status == 200, detail
    listed = call(cluster.url + EXAMPLES, headers=token)
    assert (listed.body["count"], [row["title"] for row in listed.body["results"]]) == (1, ["fresh"])
    assert graphql_titles(cluster.url, token) == (1, ["fresh"])
    assert event_of(receive(socket))["example"]["title"] == "fresh"

    # The replica has the row once its delay has passed; then its replay is stopped.
    wait_until(lambda: titles(cluster.url, session) == ["fresh"], what="the replica applied the row")
    cluster.replica_replay("pause")
    try:
        after = call(cluster.url + EXAMPLES, "POST", {"title": "after"}, token)
        assert after.status == 201, after
        # The writer's token reads the primary; the session reads the replica, which cannot have the row.
        for node in (1, 2):
            url = cluster.node_url(node)
            assert titles(url, token) == ["after", "fresh"]
            assert titles(url, session) == ["fresh"]
            assert graphql_titles(url, session) == (1, ["fresh"])
    finally:
        cluster.replica_replay("resume")
    assert event_of(receive(socket))["example"]["title"] == "after"

    # A revoked token is refused at once on every node, whatever the replica still holds.
    assert call(cluster.url + "/api/auth/logout/", "POST", headers=token).status == 204
    for node in (1, 2):
        assert call(cluster.node_url(node) + "/api/auth/user/", headers=token).status == 401
        assert call(cluster.node_url(node) + EXAMPLES, headers=token).status == 401


def test_a_mail_whose_worker_was_killed_mid_send_is_sent_by_the_retry(
    cluster: Cluster, mail_server: MailServer
):
    account = register(cluster.url)
    mail_server.hold(account["email"])
    asked = call(cluster.url + "/api/auth/password/reset/", "POST", {"email": account["email"]})
    assert asked.status == 202, asked
    # The first delivery's DATA has arrived; the worker waits for the server's last reply. Kill it.
    assert mail_server.held.wait(60), "no worker sent the reset mail"
    for node in ("1", "2"):
        cluster.drill("kill-worker", node)
    mail_server.release()
    assert mail_server.delivered_to(account["email"]) == []
    for node in ("1", "2"):
        cluster.drill("start-worker", node)

    # Past TASK_RUNNING_TIMEOUT_SECONDS the reaper puts the task back in the queue and a worker sends it.
    wait_until(lambda: mail_server.delivered_to(account["email"]), seconds=60, what="the reset mail arrived")
    mail = mail_server.delivered_to(account["email"])[0]
    text = mail.get_content()
    assert mail["To"] == account["email"]
    assert text.rstrip().endswith("If it was not you, ignore this message; your password is unchanged.")
    fields = dict(line.split(": ", 1) for line in text.splitlines() if line.startswith(("uid: ", "token: ")))
    # Complete: its uid and token reset the password.
    new_password = STRONG + "-reset"
    confirmed = call(
        cluster.url + "/api/auth/password/reset/confirm/",
        "POST",
        {"uid": fields["uid"], "token": fields["token"], "new_password": new_password},
    )
    assert confirmed.status == 200, confirmed
    login = call(
        cluster.url + "/api/auth/login/", "POST", {"email": account["email"], "password": new_password}
    )
    assert login.status == 200, login


def test_redis_down_and_back(cluster: Cluster):
    account = register(cluster.url)
    login_body = {"email": account["email"], "password": STRONG}
    cluster.drill("redis", "down")
    try:
        login = call(cluster.url + "/api/auth/login/", "POST", login_body)
        assert (login.status, login.json_type) == (503, True), login
        assert login.body == {"detail": "A shared service is unavailable. Try again shortly."}
        assert int(login.headers["retry-after"]) > 0
        created = call(cluster.url + EXAMPLES, "POST", {"title": "while redis is down"}, account["auth"])
        assert created.status == 201, created
        assert titles(cluster.url, account["auth"]) == ["while redis is down"]
        for node in (1, 2):
            ready = call(cluster.node_url(node) + "/ready/")
            assert (ready.status, ready.body) == (
                200,
                {"status": "degraded", "database": "ok", "redis": "unavailable"},
            )
    finally:
        cluster.drill("redis", "up")
    assert call(cluster.url + "/api/auth/login/", "POST", login_body).status == 200
    for node in (1, 2):
        assert call(cluster.node_url(node) + "/ready/").body == {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
        }
    for node in (1, 2):
        assert "Traceback" not in (cluster.folder / f"node{node}.log").read_text()

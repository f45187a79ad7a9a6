"""Live updates in one process: Channels' communicator against backend.asgi, the in-memory layer.

Each scenario is a coroutine run with ``async_to_sync`` from a plain test, so
the consumer's database calls (thread-sensitive) run on the test's own
connection and see its rows. A write is made inside
``django_capture_on_commit_callbacks(execute=True)``: its on_commit
announcement runs as it would after a real commit.

"Receives nothing" is never a timeout: the socket that must not get an
event is then sent one it must get (a sentinel), and the next message it
receives has to be that one (a socket's messages arrive in order).
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.test import override_settings

from api import services
from api.events import project_group, user_group
from api.models import ExampleModel, ProjectRole
from tests.factories import ExampleFactory, UserFactory, token_for

from .sockets import EVENTS, Socket, subscribed

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    """A project owned by ``owner`` with an editor and a viewer, one example in it, and a stranger."""
    owner, editor, viewer, stranger = (
        UserFactory(username=name) for name in ("owner", "editor", "viewer", "stranger")
    )
    project = services.project_create(user=owner, name="Shared")
    for member, role in ((editor, ProjectRole.EDITOR), (viewer, ProjectRole.VIEWER)):
        invitation = services.invitation_create(
            user=owner, project_id=project.pk, username=member.username, role=role
        )
        services.invitation_accept(user=member, invitation_id=invitation.pk)
    example = services.example_create(user=owner, title="Plan", project_id=project.pk)
    private = ExampleFactory(user=stranger, title="Stranger's own")
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "stranger": stranger,
        "project": project,
        "example": example,
        "private": private,
        "tokens": {
            name: token_for(u)
            for name, u in (("owner", owner), ("editor", editor), ("viewer", viewer), ("stranger", stranger))
        },
    }


def run(coroutine_function):
    async_to_sync(coroutine_function)()


def event(kind: str, example: ExampleModel, *, title: str, owner: str, project: int | None) -> dict:
    return {
        "kind": kind,
        "id": str(example.pk),
        "example": {
            "id": str(example.pk),
            "title": title,
            "owner": {"username": owner},
            "project": None if project is None else {"id": str(project)},
        },
    }


def test_a_change_reaches_every_member_with_the_fields_they_selected(team, write):
    example, project = team["example"], team["project"]

    async def scenario():
        owner = await Socket.ready(team["tokens"]["owner"])
        viewer = await Socket.ready(team["tokens"]["viewer"])
        await owner.subscribe("1")
        await viewer.subscribe("p", variables={"projectId": str(project.pk)})
        await subscribed(user_group(team["owner"].pk))
        await subscribed(project_group(project.pk))
        await write(
            lambda: services.example_update(
                user=team["editor"], example_id=example.pk, data={"title": "Plan B"}
            )
        )
        expected = event("UPDATED", example, title="Plan B", owner="owner", project=project.pk)
        assert await owner.receive() == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"exampleEvents": expected}},
        }
        assert await viewer.receive() == {
            "id": "p",
            "type": "next",
            "payload": {"data": {"exampleEvents": expected}},
        }
        created = await write(
            lambda: services.example_create(user=team["editor"], title="New", project_id=project.pk)
        )
        message = await viewer.receive()
        assert message["payload"]["data"]["exampleEvents"] == event(
            "CREATED", created, title="New", owner="editor", project=project.pk
        )
        await owner.close()
        await viewer.close()

    run(scenario)


def test_a_stranger_receives_nothing_of_others_examples(team, write):
    example = team["example"]

    async def scenario():
        stranger = await Socket.ready(team["tokens"]["stranger"])
        await stranger.subscribe("1")
        await subscribed(user_group(team["stranger"].pk))
        await write(
            lambda: services.example_update(
                user=team["owner"], example_id=example.pk, data={"title": "Secret"}
            )
        )
        await write(lambda: services.example_delete(user=team["owner"], example_id=example.pk))
        # The sentinel: a change to the stranger's own example is the first thing they get.
        private = team["private"]
        await write(
            lambda: services.example_update(
                user=team["stranger"], example_id=private.pk, data={"content": "x"}
            )
        )
        message = await stranger.receive()
        assert message["payload"]["data"]["exampleEvents"]["id"] == str(private.pk)
        await stranger.close()

    run(scenario)


def test_a_stranger_cannot_subscribe_to_a_project_they_cannot_see(team):
    async def scenario():
        stranger = await Socket.ready(team["tokens"]["stranger"])
        for op_id, project_id in (("1", str(team["project"].pk)), ("2", "999999"), ("3", "junk")):
            await stranger.subscribe(op_id, variables={"projectId": project_id})
            message = await stranger.receive()
            assert message["type"] == "next" and message["id"] == op_id, message
            assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
            assert (await stranger.receive()) == {"id": op_id, "type": "complete"}
        await stranger.close()

    run(scenario)


def test_a_removed_member_stops_receiving_at_once(team, write):
    example, project, viewer_user = team["example"], team["project"], team["viewer"]

    async def scenario():
        viewer = await Socket.ready(team["tokens"]["viewer"])
        await viewer.subscribe("all")
        await viewer.subscribe("p", variables={"projectId": str(project.pk)})
        await subscribed(user_group(viewer_user.pk))
        await subscribed(project_group(project.pk))
        await write(
            lambda: services.example_update(
                user=team["owner"], example_id=example.pk, data={"title": "Before"}
            )
        )
        first = {(await viewer.receive())["id"], (await viewer.receive())["id"]}
        assert first == {"all", "p"}
        await write(
            lambda: services.member_remove(user=team["owner"], project_id=project.pk, user_id=viewer_user.pk)
        )
        # Still in the project's group (the subscription is open), yet nothing is delivered.
        await write(
            lambda: services.example_update(
                user=team["owner"], example_id=example.pk, data={"title": "After"}
            )
        )
        await write(lambda: services.example_delete(user=team["owner"], example_id=example.pk))
        own = await write(lambda: services.example_create(user=viewer_user, title="Mine"))
        message = await viewer.receive()
        assert message["id"] == "all"
        assert message["payload"]["data"]["exampleEvents"]["id"] == str(own.pk)
        await viewer.close()

    run(scenario)


def test_a_deletion_carries_id_and_kind_only_to_those_who_could_see_it(team, write):
    example = team["example"]

    async def scenario():
        viewer = await Socket.ready(team["tokens"]["viewer"])
        await viewer.subscribe("1")
        await subscribed(user_group(team["viewer"].pk))
        await write(lambda: services.example_delete(user=team["owner"], example_id=example.pk))
        message = await viewer.receive()
        assert message["payload"] == {
            "data": {"exampleEvents": {"kind": "DELETED", "id": str(example.pk), "example": None}}
        }
        await viewer.close()

    run(scenario)


def test_rest_graphql_and_admin_writes_are_announced_alike(team, write, api_client, admin_client):
    example, project = team["example"], team["project"]
    rest = api_client
    rest.credentials(HTTP_AUTHORIZATION=f"Token {team['tokens']['editor']}")
    mutation = (
        f'mutation {{ updateExample(data: {{id: "{example.pk}", title: "By GraphQL"}}) {{ __typename }} }}'
    )

    async def scenario():
        owner = await Socket.ready(team["tokens"]["owner"])
        await owner.subscribe("1")
        await subscribed(user_group(team["owner"].pk))
        response = await write(
            lambda: rest.patch(f"/api/v1/examples/{example.pk}/", {"title": "By REST"}, format="json")
        )
        assert response.status_code == 200, response.content
        assert (await owner.receive())["payload"]["data"]["exampleEvents"]["example"]["title"] == "By REST"
        response = await write(lambda: rest.post("/graphql/", {"query": mutation}, format="json"))
        assert response.status_code == 200 and "errors" not in response.json(), response.content
        assert (await owner.receive())["payload"]["data"]["exampleEvents"]["example"]["title"] == "By GraphQL"
        response = await write(
            lambda: admin_client.post(
                f"/admin/api/examplemodel/{example.pk}/change/",
                {"title": "By admin", "content": "", "user": team["owner"].pk, "project": project.pk},
            )
        )
        assert response.status_code == 302, response.content[:2000]
        assert (await owner.receive())["payload"]["data"]["exampleEvents"]["example"]["title"] == "By admin"
        response = await write(
            lambda: admin_client.post(f"/admin/api/examplemodel/{example.pk}/delete/", {"post": "yes"})
        )
        assert response.status_code == 302
        assert (await owner.receive())["payload"]["data"]["exampleEvents"] == {
            "kind": "DELETED",
            "id": str(example.pk),
            "example": None,
        }
        await owner.close()

    run(scenario)


def test_a_rolled_back_write_announces_nothing(team, write):
    example = team["example"]

    def failing_update():
        services.example_update(user=team["owner"], example_id=example.pk, data={"title": ""})

    async def scenario():
        owner = await Socket.ready(team["tokens"]["owner"])
        await owner.subscribe("1")
        await subscribed(user_group(team["owner"].pk))
        with pytest.raises(ValidationError):
            await write(failing_update)
        await write(
            lambda: services.example_update(
                user=team["owner"], example_id=example.pk, data={"title": "Valid"}
            )
        )
        assert (await owner.receive())["payload"]["data"]["exampleEvents"]["example"]["title"] == "Valid"
        await owner.close()

    run(scenario)


# Authentication and the handshake


def test_anonymous_sockets_are_closed_with_4401(db):
    async def scenario():
        socket, connected, _ = await Socket.open()
        assert connected
        await socket.send({"type": "connection_init", "payload": {}})
        assert await socket.closed_with() == 4401

    run(scenario)


@pytest.mark.parametrize("header", ["Token not-a-real-key", "Bearer abc", "Token", 42])
def test_a_bad_token_is_closed_with_4403(db, header):
    async def scenario():
        socket, connected, _ = await Socket.open()
        assert connected
        await socket.send({"type": "connection_init", "payload": {"Authorization": header}})
        assert await socket.closed_with() == 4403

    run(scenario)


def test_an_inactive_users_token_is_refused(db):
    user = UserFactory(is_active=False)
    token = token_for(user)

    async def scenario():
        socket, _, _ = await Socket.open()
        await socket.send({"type": "connection_init", "payload": {"Authorization": f"Token {token}"}})
        assert await socket.closed_with() == 4403

    run(scenario)


@pytest.mark.parametrize("protocols", [("graphql-ws",), (), ("graphql-ws", "something-else")])
def test_the_legacy_protocol_and_no_protocol_are_refused_at_the_handshake(db, protocols):
    async def scenario():
        _socket, connected, _ = await Socket.open(protocols=protocols)
        assert not connected

    run(scenario)


def test_the_legacy_protocols_start_without_init_gets_nothing(team):
    """CVE-2026-35523's attack: graphql-ws `start` with no connection_init. The handshake is refused first."""

    async def scenario():
        _socket, connected, _ = await Socket.open(protocols=("graphql-ws",))
        assert not connected

    run(scenario)


def test_subscribe_before_connection_init_closes_4401(db):
    async def scenario():
        socket, connected, _ = await Socket.open()
        assert connected
        await socket.subscribe("1")
        assert await socket.closed_with() == 4401

    run(scenario)


def _session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_the_session_cookie_authenticates_from_an_allowed_origin_or_the_own_host(team, client):
    cookie = _session_cookie(client, team["owner"])

    async def scenario():
        for origin in (b"http://localhost:3000", b"http://testserver", None):
            socket = await Socket.ready(cookie=cookie, origin=origin)
            await socket.close()

    run(scenario)


@pytest.mark.parametrize(
    "origin", [b"https://evil.example", b"null", b"http://localhost:3001", b"http://testserver.evil.example"]
)
def test_a_cross_site_origin_is_refused_at_the_handshake(team, client, origin):
    """Cross-site WebSocket hijacking: a page elsewhere opening a socket with the user's cookie."""
    cookie = _session_cookie(client, team["owner"])

    async def scenario():
        _socket, connected, _ = await Socket.open(cookie=cookie, origin=origin)
        assert not connected

    run(scenario)


# Limits


def test_at_most_20_subscriptions_per_socket(team):
    async def scenario():
        socket = await Socket.ready(team["tokens"]["owner"])
        for n in range(20):
            await socket.subscribe(str(n))
        await subscribed(user_group(team["owner"].pk))
        await socket.subscribe("21st")
        message = await socket.receive()
        assert message["id"] == "21st" and message["type"] == "error", message
        assert "limit" in message["payload"][0]["message"]
        # Completing one frees its slot.
        await socket.send({"id": "0", "type": "complete"})
        await socket.send({"type": "ping"})
        assert await socket.receive() == {"type": "pong"}
        await socket.subscribe("again")
        await socket.send({"type": "ping"})
        assert await socket.receive() == {"type": "pong"}
        await socket.close()

    run(scenario)


@override_settings(LIVE_MAX_MESSAGE_BYTES=2048)
def test_a_message_over_the_size_limit_closes_the_socket(team):
    async def scenario():
        socket = await Socket.ready(team["tokens"]["owner"])
        await socket.subscribe("1", query=EVENTS + "#" + "x" * 3000)
        assert await socket.closed_with() == 1009

    run(scenario)


@override_settings(LIVE_CONNECTION_INIT_TIMEOUT_SECONDS=0.2)
def test_a_socket_that_never_sends_connection_init_is_closed(db):
    async def scenario():
        socket, connected, _ = await Socket.open()
        assert connected
        assert await socket.closed_with() == 4408

    run(scenario)


@override_settings(LIVE_IDLE_TIMEOUT_SECONDS=0.2)
def test_an_idle_socket_is_closed_but_a_subscribed_one_is_not(team):
    async def scenario():
        idle = await Socket.ready(team["tokens"]["owner"])
        assert await idle.closed_with(timeout=3) == 4408
        busy = await Socket.ready(team["tokens"]["owner"])
        await busy.subscribe("1")
        assert await busy.communicator.receive_nothing(timeout=0.6)
        await busy.close()

    run(scenario)


@override_settings(GRAPHQL_MAX_DEPTH=3)
def test_the_query_depth_limit_applies_to_subscriptions(team):
    async def scenario():
        socket = await Socket.ready(team["tokens"]["owner"])
        await socket.subscribe(
            "deep", query="subscription { exampleEvents { example { project { owner { username } } } } }"
        )
        message = await socket.receive()
        assert message["type"] == "error" and message["id"] == "deep", message
        assert message["payload"][0]["extensions"]["code"] == "DEPTH_LIMIT_EXCEEDED"
        await socket.close()

    run(scenario)


@override_settings(GRAPHQL_MAX_ALIASES=1)
def test_the_alias_limit_applies_to_subscriptions(team):
    async def scenario():
        socket = await Socket.ready(team["tokens"]["owner"])
        await socket.subscribe("aliases", query="subscription { exampleEvents { a: id b: id c: kind } }")
        message = await socket.receive()
        assert message["type"] == "error", message
        await socket.close()

    run(scenario)


@override_settings(GRAPHQL_TRUSTED_DOCUMENTS_ONLY=True)
def test_trusted_documents_only_refuses_other_subscription_texts(team):
    async def scenario():
        socket = await Socket.ready(team["tokens"]["owner"])
        await socket.subscribe("1", query="subscription { exampleEvents { id } }")
        message = await socket.receive()
        assert (
            message["type"] == "error"
            and message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
        ), message
        await socket.close()

    run(scenario)


# The audience and the failure mode of announcing


def test_the_audience_of_an_event_is_who_the_policy_lets_see_the_row(team):
    from django.contrib.auth.models import User

    from api.events import viewers_of
    from api.policy import VIEW, restrict

    for example in (team["example"], team["private"]):
        can_see = {
            user.pk
            for user in User.objects.all()
            if restrict(ExampleModel.objects.filter(pk=example.pk), user, VIEW).exists()
        }
        assert viewers_of(example) == can_see


def test_a_channel_layer_that_fails_does_not_fail_the_write(
    team, django_capture_on_commit_callbacks, monkeypatch
):
    layer = get_channel_layer()

    async def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(layer, "group_send", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.example_update(user=team["owner"], example_id=team["example"].pk, data={"title": "Kept"})
    team["example"].refresh_from_db()
    assert team["example"].title == "Kept"


def test_a_deleted_token_or_a_deactivated_user_gets_no_more_events(team):
    """The socket authenticated once; every delivery asks again (the user's state is read, not remembered)."""
    from rest_framework.authtoken.models import Token

    from api.events import EventKind
    from api.events import ExampleEvent as Event
    from graphql_api.subscriptions import may_receive

    example, viewer = team["example"], team["viewer"]
    token = Token.objects.get(user=viewer)
    updated = Event(kind=EventKind.UPDATED, id=example.pk, project_id=example.project_id)
    deleted = Event(kind=EventKind.DELETED, id=example.pk, viewer_ids=frozenset({viewer.pk}))
    assert may_receive(viewer, token, updated) and may_receive(viewer, token, deleted)
    assert may_receive(viewer, None, updated)  # a session socket: no token to check
    Token.objects.filter(pk=token.pk).delete()
    assert not may_receive(viewer, token, updated) and not may_receive(viewer, token, deleted)
    assert may_receive(viewer, None, updated)
    type(viewer).objects.filter(pk=viewer.pk).update(is_active=False)
    assert not may_receive(viewer, None, updated) and not may_receive(viewer, None, deleted)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_subscription_over_http_is_a_clear_error(auth_client, method):
    query = {"query": "subscription { exampleEvents { id } }"}
    if method == "post":
        response = auth_client.post("/graphql/", query, format="json")
    else:
        response = auth_client.get("/graphql/", query)
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in body["errors"][0]["message"]


@override_settings(GRAPHQL_TRUSTED_DOCUMENTS_ONLY=True)
def test_trusted_documents_only_runs_the_frontends_subscription_by_id(team, write):
    """The typed client sends {query: "", documentId}: graphql-ws requires a query string."""
    import json
    from pathlib import Path

    from django.conf import settings

    manifest = json.loads(Path(settings.GRAPHQL_TRUSTED_DOCUMENTS_MANIFEST).read_text())
    [sha256] = [sha for sha, text in manifest.items() if "subscription ExampleEvents(" in text]
    example = team["example"]

    async def scenario():
        socket = await Socket.ready(team["tokens"]["owner"])
        await socket.subscribe("1", query="", documentId=f"sha256:{sha256}")
        await subscribed(user_group(team["owner"].pk))
        await write(
            lambda: services.example_update(
                user=team["owner"], example_id=example.pk, data={"title": "By id"}
            )
        )
        message = await socket.receive()
        assert message["payload"]["data"]["exampleEvents"]["example"]["title"] == "By id", message
        await socket.close()

    run(scenario)


def test_two_subscriptions_on_one_socket_are_independent(team, write):
    """Completing one leaves the other receiving (a shared Channels group must not end both)."""
    example = team["example"]

    async def scenario():
        socket = await Socket.ready(team["tokens"]["owner"])
        await socket.subscribe("a")
        await socket.subscribe("b")
        await subscribed(user_group(team["owner"].pk), count=1)
        await write(
            lambda: services.example_update(user=team["owner"], example_id=example.pk, data={"title": "Both"})
        )
        assert {(await socket.receive())["id"], (await socket.receive())["id"]} == {"a", "b"}
        await socket.send({"id": "a", "type": "complete"})
        await write(
            lambda: services.example_update(
                user=team["owner"], example_id=example.pk, data={"title": "B only"}
            )
        )
        message = await socket.receive()
        assert message["id"] == "b", message
        assert message["payload"]["data"]["exampleEvents"]["example"]["title"] == "B only"
        # And "a" got nothing more: the next message is b's again.
        await write(
            lambda: services.example_update(
                user=team["owner"], example_id=example.pk, data={"title": "Again"}
            )
        )
        assert (await socket.receive())["id"] == "b"
        await socket.close()

    run(scenario)


def test_a_client_gone_while_an_event_is_sent_logs_no_error(team, write, monkeypatch, caplog):
    """uvicorn raises ClientDisconnected (an OSError) when a socket closes under a send: not a server error."""
    import asyncio
    import logging

    from graphql_api.live import LiveConsumer

    attempted = []

    async def gone(self, *args, **kwargs):
        attempted.append(args)
        raise ConnectionResetError("client disconnected")

    async def scenario():
        socket = await Socket.ready(team["tokens"]["owner"])
        await socket.subscribe("1")
        await subscribed(user_group(team["owner"].pk))
        monkeypatch.setattr(LiveConsumer, "send", gone)
        await write(
            lambda: services.example_update(
                user=team["owner"], example_id=team["example"].pk, data={"title": "x"}
            )
        )
        deadline = asyncio.get_running_loop().time() + 3
        while not attempted:  # the event was sent (and failed) before the socket is closed
            assert asyncio.get_running_loop().time() < deadline, "no event was sent"
            await asyncio.sleep(0.01)
        await socket.close()

    with caplog.at_level(logging.WARNING):
        run(scenario)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR], caplog.text

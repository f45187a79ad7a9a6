"""The channel layer (Redis) stops answering: sockets close with 1013 and a WARNING, never a traceback.

The in-memory layer here is made to fail as channels-redis fails when its
Redis is unreachable (redis' ConnectionError from receive and group_add).
graphql_api.live_layer says why the socket closes rather than staying open.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging

import pytest
from asgiref.sync import async_to_sync
from channels.consumer import AsyncConsumer
from channels.layers import get_channel_layer
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from api.events import user_group
from tests.factories import UserFactory, token_for

from .sockets import Socket, subscribed

pytestmark = pytest.mark.django_db

REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."
# channels.consumer.AsyncConsumer.__call__ as graphql_api.live_layer.LayerGuard repeats it.
CHANNELS_CALL_SHA256 = "e52238720872dbc3f854519bc971aa7eb41553e63c8729081549ce42465ee419"


class LayerOutage:
    """Patches the layer's receive and group_add: ``down()`` makes them raise, as Redis refusing connections does."""

    def __init__(self, monkeypatch) -> None:
        self.layer = get_channel_layer()
        self.is_down = asyncio.Event()
        self.group_add_down = False
        real_receive, real_group_add = self.layer.receive, self.layer.group_add

        async def receive(channel):
            waiting = asyncio.ensure_future(real_receive(channel))
            outage = asyncio.ensure_future(self.is_down.wait())
            try:
                await asyncio.wait([waiting, outage], return_when=asyncio.FIRST_COMPLETED)
            finally:
                outage.cancel()
            if waiting.done():
                return waiting.result()
            waiting.cancel()
            raise RedisConnectionError(REFUSED)

        async def group_add(group, channel):
            if self.group_add_down or self.is_down.is_set():
                raise RedisConnectionError(REFUSED)
            await real_group_add(group, channel)

        monkeypatch.setattr(self.layer, "receive", receive)
        monkeypatch.setattr(self.layer, "group_add", group_add)

    def down(self) -> None:
        self.is_down.set()

    def up(self) -> None:
        self.is_down = asyncio.Event()
        self.group_add_down = False


def _problems(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def _layer_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and "channel layer" in r.getMessage()]


@override_settings(LIVE_MAX_SOCKETS_PER_USER=1)
def test_an_open_subscribed_socket_closes_with_1013_when_the_layer_goes_down(monkeypatch, caplog):
    user = UserFactory()
    token = token_for(user)

    async def scenario():
        outage = LayerOutage(monkeypatch)
        socket = await Socket.ready(token)
        await socket.subscribe("1")
        await subscribed(user_group(user.pk))
        outage.down()
        assert await socket.closed_with() == 1013
        await socket.close()
        # The socket's place under LIVE_MAX_SOCKETS_PER_USER (1) was given back: a new one gets in.
        outage.up()
        again = await Socket.ready(token)
        await again.subscribe("1")
        await subscribed(user_group(user.pk))
        await again.close()

    with caplog.at_level(logging.WARNING):
        async_to_sync(scenario)()
    assert len(_layer_warnings(caplog)) == 1, caplog.records
    assert not _problems(caplog)


def test_a_socket_already_closing_is_not_closed_twice_when_the_layer_goes_down(monkeypatch, caplog):
    token = token_for(UserFactory())

    async def scenario():
        outage = LayerOutage(monkeypatch)
        socket = await Socket.ready(token)
        await socket.send_text("x" * (64 * 1024 + 1))
        assert await socket.closed_with() == 1009
        outage.down()
        deadline = asyncio.get_running_loop().time() + 3
        while not _layer_warnings(caplog):
            assert asyncio.get_running_loop().time() < deadline, "the layer's failure was not seen"
            await asyncio.sleep(0.01)
        # A second websocket.close would be refused by the server (an error, not a close).
        assert await socket.communicator.receive_nothing(timeout=0.2)
        await socket.close()

    with caplog.at_level(logging.WARNING):
        async_to_sync(scenario)()
    assert len(_layer_warnings(caplog)) == 1, caplog.records
    assert not _problems(caplog)


def test_connection_init_while_the_layer_is_down_closes_with_1013(monkeypatch, caplog):
    token = token_for(UserFactory())

    async def scenario():
        outage = LayerOutage(monkeypatch)
        outage.group_add_down = True
        socket, connected, _ = await Socket.open()
        assert connected
        await socket.send({"type": "connection_init", "payload": {"Authorization": f"Token {token}"}})
        assert await socket.closed_with() == 1013
        await socket.close()

    with caplog.at_level(logging.WARNING):
        async_to_sync(scenario)()
    assert len(_layer_warnings(caplog)) == 1, caplog.records
    assert not _problems(caplog)


def test_a_subscription_the_layer_cannot_register_is_a_coded_error(monkeypatch, caplog):
    token = token_for(UserFactory())

    async def scenario():
        outage = LayerOutage(monkeypatch)
        socket = await Socket.ready(token)
        outage.group_add_down = True
        await socket.subscribe("1")
        error = await socket.receive()
        assert await socket.receive() == {"id": "1", "type": "complete"}
        # The socket stays usable: a query still answers.
        outage.group_add_down = False
        await socket.subscribe("2", "query { me { id } }")
        answer = await socket.receive()
        await socket.close()
        return error, answer

    with caplog.at_level(logging.WARNING):
        error, answer = async_to_sync(scenario)()
    assert error["id"] == "1" and error["type"] == "next", error
    [detail] = error["payload"]["errors"]
    assert detail["message"] == "A shared service is unavailable. Try again shortly."
    assert detail["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 5}, detail
    assert answer["id"] == "2" and answer["type"] == "next", answer
    assert not _problems(caplog)


def test_channels_dispatch_loop_is_the_one_live_layer_repeats():
    # graphql_api.live_layer.LayerGuard.__call__ is a copy of this method with the
    # layer's receive guarded: a Channels upgrade that changes it must be read again.
    source = inspect.getsource(AsyncConsumer.__call__)
    assert hashlib.sha256(source.encode()).hexdigest() == CHANNELS_CALL_SHA256

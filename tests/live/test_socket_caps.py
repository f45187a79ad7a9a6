"""The handshake's rules: the Host HTTP would accept, and at most so many sockets per user and per client address.

The caps are counted in the default cache (graphql_api.live_caps), as they
are across processes with Redis; a closed socket gives its place back.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import override_settings
from prometheus_client import REGISTRY

from tests.factories import UserFactory, token_for

from .sockets import Socket

pytestmark = pytest.mark.django_db


def run(coroutine_function):
    async_to_sync(coroutine_function)()


def socket_refusals() -> float:
    """Throttle refusals the metrics counted for sockets (backend.metrics, surface ``websocket``)."""
    labels = {"surface": "websocket", "route": "graphql/"}
    return REGISTRY.get_sample_value("http_throttled_total", labels) or 0.0


@pytest.mark.parametrize("host", [b"evil.example", b"testserver.evil.example", b"", b"testserver:bad"])
def test_a_host_not_in_allowed_hosts_is_refused_at_the_handshake(db, client, host):
    assert client.get("/health/", HTTP_HOST=host.decode() or "-").status_code == 400

    async def scenario():
        _socket, connected, _ = await Socket.open(host=host)
        assert not connected

    run(scenario)


def test_an_allowed_host_with_a_port_is_accepted(db):
    token = token_for(UserFactory())

    async def scenario():
        socket = await Socket.ready(token, host=b"testserver:8000")
        await socket.close()

    run(scenario)


@override_settings(LIVE_MAX_SOCKETS_PER_USER=2)
def test_a_user_past_the_socket_cap_is_closed_with_4429_until_one_closes(db):
    token, other = token_for(UserFactory()), token_for(UserFactory())
    refused_before = socket_refusals()

    async def scenario():
        first, second = await Socket.ready(token), await Socket.ready(token)
        third, connected, _ = await Socket.open()
        assert connected
        await third.send({"type": "connection_init", "payload": {"Authorization": f"Token {token}"}})
        assert await third.closed_with() == 4429
        assert socket_refusals() == refused_before + 1
        # Someone else is not counted against this user.
        someone = await Socket.ready(other)
        # A closed socket gives its place back.
        await first.close()
        again = await Socket.ready(token)
        for socket in (second, someone, again):
            await socket.close()

    run(scenario)


@override_settings(LIVE_MAX_SOCKETS_PER_ADDRESS=2, NUM_PROXIES=1)
def test_a_client_address_past_the_socket_cap_is_closed_with_4429_until_one_closes(db):
    token = token_for(UserFactory())
    refused_before = socket_refusals()

    async def scenario():
        # Behind one trusted proxy the address is X-Forwarded-For's last hop, as over HTTP.
        first = await Socket.ready(token, forwarded_for="198.51.100.7, 203.0.113.1")
        second = await Socket.ready(token, forwarded_for="203.0.113.1")
        third, connected, _ = await Socket.open(forwarded_for="198.51.100.8, 203.0.113.1")
        assert connected
        assert await third.closed_with() == 4429
        assert socket_refusals() == refused_before + 1
        elsewhere = await Socket.ready(token, forwarded_for="203.0.113.2")
        await first.close()
        again = await Socket.ready(token, forwarded_for="203.0.113.1")
        for socket in (second, elsewhere, again):
            await socket.close()

    run(scenario)


@override_settings(LIVE_MAX_SOCKETS_PER_USER=1)
def test_a_refused_or_anonymous_socket_holds_no_place(db):
    token = token_for(UserFactory())

    async def scenario():
        anonymous, _, _ = await Socket.open()
        await anonymous.send({"type": "connection_init", "payload": {}})
        assert await anonymous.closed_with() == 4401
        await anonymous.close()
        socket = await Socket.ready(token)
        await socket.close()

    run(scenario)


def test_a_cache_that_does_not_answer_refuses_sockets_with_1013_and_logs_no_error(db, monkeypatch, caplog):
    """The counts cannot be kept: the socket is refused (try again later), never let in uncounted."""
    from django.core.cache import caches
    from redis.exceptions import ConnectionError as RedisConnectionError

    async def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    # On the class: each thread and event loop has its own instance of the cache.
    monkeypatch.setattr(type(caches["default"]), "aget_many", down)

    async def scenario():
        socket, connected, _ = await Socket.open()
        assert connected
        assert await socket.closed_with() == 1013

    run(scenario)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]

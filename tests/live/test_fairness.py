"""One user's slow database work does not hold up another user's handshake or events (graphql_api.live_work).

The sockets' database calls run on a bounded pool (LIVE_DB_THREADS) with at
most LIVE_DB_CALLS_PER_USER calls of one user at once. Here one user's calls
are held on an event (no sleeps, no timing): while they are held, another
user's connection_ack and events still arrive, and no more of the first
user's calls have started than the cap allows. Once released, every held
call completes.

The pool's threads have their own database connections, so this test's
rows are committed (``transactional_db``).
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from django.test import override_settings

from api import services
from api.events import user_group
from graphql_api import subscriptions
from tests.factories import UserFactory, token_for

from .sockets import Socket, subscribed

pytestmark = pytest.mark.django_db(transaction=True)

HELD = 6
THREADS = 3
PER_USER = 2


class Held:
    """Holds ``user``'s calls of a function until released, counting how many have started."""

    def __init__(self, function, user_id: int) -> None:
        self.function, self.user_id = function, user_id
        self.started = 0
        self.lock = threading.Lock()
        self.release = threading.Event()

    def __call__(self, user, *args):
        if user.pk == self.user_id:
            with self.lock:
                self.started += 1
            assert self.release.wait(timeout=30), "never released"
        return self.function(user, *args)

    async def until_started(self, count: int) -> None:
        deadline = asyncio.get_running_loop().time() + 10
        while self.started < count:
            assert asyncio.get_running_loop().time() < deadline, f"{self.started} of {count} started"
            await asyncio.sleep(0.01)


@override_settings(LIVE_DB_THREADS=THREADS, LIVE_DB_CALLS_PER_USER=PER_USER)
def test_one_users_held_queries_do_not_block_another_users_ack_or_events(monkeypatch, write):
    flooder, other = UserFactory(username="flooder"), UserFactory(username="other")
    flooder_token, other_token = token_for(flooder), token_for(other)
    held = Held(subscriptions._project_visible, flooder.pk)
    monkeypatch.setattr(subscriptions, "_project_visible", held)

    async def scenario():
        flooding = await Socket.ready(flooder_token)
        try:
            # More held calls than the pool has threads: without a per-user cap they would take them all.
            for n in range(HELD):
                await flooding.subscribe(str(n), variables={"projectId": "999999"})
            await held.until_started(PER_USER)
            socket = await Socket.ready(other_token)
            await socket.subscribe("mine")
            await subscribed(user_group(other.pk))
            await write(lambda: services.example_create(user=other, title="Still live"))
            message = await socket.receive()
            assert message["payload"]["data"]["exampleEvents"]["example"]["title"] == "Still live", message
            # The work counted: no more of the flooder's calls started than the cap.
            assert held.started == PER_USER
        finally:
            held.release.set()
        answered = set()
        for _ in range(HELD * 2):  # each: the NOT_FOUND result, then complete
            message = await flooding.receive()
            answered.add(message["id"])
        assert answered == {str(n) for n in range(HELD)}
        assert held.started == HELD
        await flooding.close()
        await socket.close()

    async_to_sync(scenario)()

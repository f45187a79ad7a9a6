"""Live updates in one process: the cost of delivering one event to N sockets. ``python -m benchmarks.live_fanout``.

No server, no Redis: Channels' in-process communicator against
``backend.asgi`` with the in-memory channel layer, on the test settings'
database (SQLite in memory, or PostgreSQL with DB_ENGINE=postgresql). It
isolates what one worker process does per delivered event: each socket's
policy check and its field resolution, and the SQL they send. Two shapes:

- ``one_user``: BENCH_LIVE_SUBSCRIBERS (100) sockets of one user (a user with
  many tabs, or the benchmark's shape: benchmarks/live.py);
- ``many_users``: one socket each for that many members of one project.

For each of BENCH_LIVE_WRITES (30) writes (an update of the project's
example by its owner, announced as after a commit), it times the write's
announcement to the last socket's ``next`` message, and counts the SQL
queries sent meanwhile (the announcement's own included). Prints JSON.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

import django


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from django.db import connection

    connection.creation.create_test_db(verbosity=0)
    # As tests/live: the one connection holds the in-memory database and must stay open.
    import channels.db

    channels.db.close_old_connections = lambda: None
    connection.execute_wrappers.append(_count)


SENT: list[str] = []


def _count(execute, sql, params, many, context):
    SENT.append(sql)
    return execute(sql, params, many, context)


EVENTS = """
subscription Events($projectId: ID) {
  exampleEvents(projectId: $projectId) { kind id example { id title owner { username } project { id } } }
}
"""


class _Socket:
    """A graphql-transport-ws client over Channels' in-process communicator (as tests/live/sockets.py)."""

    def __init__(self, communicator) -> None:
        self.communicator = communicator

    @classmethod
    async def ready(cls, token: str) -> _Socket:
        from channels.testing import WebsocketCommunicator

        from backend.asgi import application

        communicator = WebsocketCommunicator(
            application,
            "/graphql/",
            headers=[(b"host", b"testserver")],
            subprotocols=["graphql-transport-ws"],
        )
        connected, detail = await communicator.connect()
        assert connected, detail
        socket = cls(communicator)
        await communicator.send_json_to(
            {"type": "connection_init", "payload": {"Authorization": f"Token {token}"}}
        )
        assert await socket.receive() == {"type": "connection_ack"}
        return socket

    async def subscribe(self, op_id: str, variables: dict | None = None) -> None:
        payload = {"query": EVENTS, "variables": variables or {}}
        await self.communicator.send_json_to({"id": op_id, "type": "subscribe", "payload": payload})

    async def receive(self, timeout: float = 3) -> dict:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def close(self) -> None:
        await self.communicator.disconnect()


async def _subscribed(group: str, count: int, timeout: float) -> None:
    """Wait until ``count`` sockets listen to ``group`` (the in-memory layer)."""
    import asyncio

    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    deadline = asyncio.get_running_loop().time() + timeout
    while len(layer.groups.get(group, {})) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise SystemExit(f"live_fanout: the sockets never all subscribed to {group}")
        await asyncio.sleep(0.01)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def _measure(shape: str, subscribers: int, writes: int) -> dict:
    from channels.db import database_sync_to_async
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from api import services
    from api.events import project_group, user_group
    from api.models import ProjectMembership, ProjectRole

    made = iter(range(10**9))

    def new_user():
        return get_user_model().objects.create_user(username=f"fanout-{shape}-{next(made)}", password=None)

    def token_for(user) -> str:
        return Token.objects.get_or_create(user=user)[0].key

    def seed() -> tuple[int, int, list[str], str]:
        owner = new_user()
        project = services.project_create(user=owner, name=f"Fan-out {shape}")
        example = services.example_create(user=owner, title="Plan", project_id=project.pk)
        if shape == "one_user":
            return owner.pk, example.pk, [token_for(owner)] * subscribers, user_group(owner.pk)
        tokens = []
        for _ in range(subscribers):
            member = new_user()
            # Set up directly: more members than one owner may invite an hour (INVITATION_THROTTLE_RATE).
            ProjectMembership.objects.create(project=project, user=member, role=ProjectRole.VIEWER)
            tokens.append(token_for(member))
        return owner.pk, example.pk, tokens, project_group(project.pk)

    owner_pk, example_pk, tokens, group = await database_sync_to_async(seed)()
    sockets = [await _Socket.ready(token) for token in tokens]
    from api.models import ExampleModel

    project_id = await database_sync_to_async(lambda: ExampleModel.objects.get(pk=example_pk).project_id)()
    for socket in sockets:
        if shape == "one_user":
            await socket.subscribe("1")
        else:
            await socket.subscribe("1", {"projectId": str(project_id)})
    await _subscribed(group, count=len(sockets), timeout=30)

    def update(title: str) -> int:
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.get(pk=owner_pk)
        before = len(SENT)
        services.example_update(user=owner, example_id=example_pk, data={"title": title})
        for _, callback, *_ in connection.run_on_commit:
            callback()
        connection.run_on_commit.clear()
        return len(SENT) - before

    wall, queries = [], []
    for n in range(writes):
        before = len(SENT)
        started = time.perf_counter()
        write_count = await database_sync_to_async(update)(f"live {n}")
        for socket in sockets:
            message = await socket.receive(timeout=60)
            assert message["payload"]["data"]["exampleEvents"]["example"]["title"] == f"live {n}", message
        wall.append((time.perf_counter() - started) * 1000)
        queries.append(len(SENT) - before - write_count)
    for socket in sockets:
        await socket.close()
    return {
        "shape": shape,
        "subscribers": subscribers,
        "writes": writes,
        "event_to_last_socket_p50_ms": round(statistics.median(wall), 1),
        "event_to_last_socket_p99_ms": round(_percentile(wall, 0.99), 1),
        "sql_per_event_delivery": statistics.median(queries),
        "database": connection.vendor,
    }


def main() -> None:
    _setup()
    from asgiref.sync import async_to_sync

    subscribers = int(os.environ.get("BENCH_LIVE_SUBSCRIBERS", "100"))
    writes = int(os.environ.get("BENCH_LIVE_WRITES", "30"))
    shapes = sys.argv[1:] or ["one_user", "many_users"]
    load = os.getloadavg()[0]
    for shape in shapes:
        result = async_to_sync(_measure)(shape, subscribers, writes)
        result["load_1min_before"] = round(load, 2)
        print(json.dumps(result))
        load = os.getloadavg()[0]


if __name__ == "__main__":
    main()

"""An outage during a socket's operation is its coded error, as over HTTP (graphql_api.errors ``outage_of``).

Over HTTP the answer is a 503 with Retry-After; a socket has no status or
headers, so the operation's error carries the code and ``retryAfter``. Not a
masked ``INTERNAL_SERVER_ERROR``, no ERROR log, and nothing written.
"""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from django.core.cache.backends.locmem import LocMemCache
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from api import services
from api.models import Invitation
from tests.factories import UserFactory, token_for

from .sockets import Socket

pytestmark = pytest.mark.django_db

INVITE = """mutation($id: ID!) {
  addProjectMember(data: {projectId: $id, username: "sam", role: VIEWER}) { __typename }
}"""
PROJECTS = "query { projects { totalCount } }"


def _invitation_counts_unreachable(monkeypatch) -> None:
    """The cache refuses the invitation throttle's reads as an unreachable Redis does.

    Patched on the class: the socket's calls see another instance than the
    test's. Only those keys: the socket caps (graphql_api.live_caps) count in
    the same cache, and a cache outage there refuses the socket itself (1013).
    """
    real_get = LocMemCache.get

    def get(self, key, *args, **kwargs):
        if key.startswith("invitation-rate:"):
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return real_get(self, key, *args, **kwargs)

    monkeypatch.setattr(LocMemCache, "get", get)


def _database_down(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def _run(token: str, query: str, variables: dict | None = None) -> list[dict]:
    """The messages a socket gets for one operation, up to its ``complete``."""

    async def scenario() -> list[dict]:
        socket = await Socket.ready(token)
        try:
            await socket.subscribe("1", query, variables)
            messages = [await socket.receive()]
            while messages[-1]["type"] == "next":
                messages.append(await socket.receive())
            return messages
        finally:
            await socket.close()

    return async_to_sync(scenario)()


def _errors(messages: list[dict]) -> list[dict]:
    assert [m["type"] for m in messages] == ["next", "complete"], messages
    return messages[0]["payload"]["errors"]


def test_a_cache_outage_in_a_socket_mutation_is_a_coded_error_and_writes_nothing(monkeypatch, caplog):
    owner = UserFactory(username="olga")
    project = services.project_create(user=owner, name="Atlas")
    _invitation_counts_unreachable(monkeypatch)
    with caplog.at_level(logging.WARNING):
        messages = _run(token_for(owner), INVITE, {"id": str(project.pk)})
    [error] = _errors(messages)
    assert error["message"] == "A shared service is unavailable. Try again shortly."
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 5}
    assert not Invitation.objects.exists()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

    monkeypatch.undo()
    [answer, _complete] = _run(token_for(owner), INVITE, {"id": str(project.pk)})
    assert answer["payload"] == {"data": {"addProjectMember": {"__typename": "Invitation"}}}


def test_a_database_outage_in_a_socket_query_is_a_coded_error(monkeypatch, caplog):
    from api.models import Project

    user = UserFactory()
    monkeypatch.setattr(Project.objects, "all", _database_down)
    with caplog.at_level(logging.WARNING):
        [error] = _errors(_run(token_for(user), PROJECTS))
    assert error["message"] == "The database is unavailable. Try again shortly."
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 5}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

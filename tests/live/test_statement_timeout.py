"""A socket's database work runs under ``API_STATEMENT_TIMEOUT_MS``, as a request's does (PostgreSQL).

Its calls run on the pool of graphql_api.live_work (``LIVE_DB_THREADS``),
whose threads hold their own connections; each call's SQL gets the API's
statement timeout through the mechanism requests use
(``backend.middleware.api_statement_timeout``), not the connection's
``DB_STATEMENT_TIMEOUT_MS``. A statement it stops is the operation's coded
``TIMEOUT`` error (with ``retryAfter``), as over HTTP. The pool's threads
read committed rows only, so these tests commit theirs (``transactional_db``).
"""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import override_settings

from api import services
from api.events import project_group
from graphql_api import subscriptions
from tests.factories import UserFactory, token_for

from .sockets import Socket, subscribed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@override_settings(LIVE_DB_THREADS=2, API_STATEMENT_TIMEOUT_MS=1234)
def test_subscription_setup_and_delivery_checks_run_under_the_api_timeout(monkeypatch, write):
    owner = UserFactory(username="olga")
    project = services.project_create(user=owner, name="Atlas")
    seen: dict[str, list[str]] = {"setup": [], "delivery": []}

    def spied(name, function):
        def call(*args):
            seen[name].append(statement_timeout())
            return function(*args)

        return call

    monkeypatch.setattr(subscriptions, "_project_visible", spied("setup", subscriptions._project_visible))
    monkeypatch.setattr(subscriptions, "may_receive", spied("delivery", subscriptions.may_receive))

    token = token_for(owner)

    async def scenario():
        socket = await Socket.ready(token)
        try:
            await socket.subscribe("1", variables={"projectId": str(project.pk)})
            await subscribed(project_group(project.pk))
            await write(lambda: services.example_create(user=owner, title="Live", project_id=project.pk))
            message = await socket.receive(timeout=10)
            assert message["payload"]["data"]["exampleEvents"]["example"]["title"] == "Live", message
        finally:
            await socket.close()

    async_to_sync(scenario)()
    # The pool's connection, not the test's: the API's timeout, not the connection's.
    assert seen == {"setup": ["1234ms"], "delivery": ["1234ms"]}


@override_settings(LIVE_DB_THREADS=2, API_STATEMENT_TIMEOUT_MS=50)
def test_a_slow_statement_of_a_socket_is_stopped_at_the_api_timeout_and_is_a_coded_error(monkeypatch, caplog):
    user = UserFactory()

    def slow(user, project_id):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return None

    monkeypatch.setattr(subscriptions, "_project_visible", slow)

    token = token_for(user)

    async def scenario() -> list[dict]:
        socket = await Socket.ready(token)
        try:
            await socket.subscribe("1", variables={"projectId": "1"})
            return [await socket.receive(timeout=10), await socket.receive(timeout=10)]
        finally:
            await socket.close()

    with caplog.at_level(logging.WARNING):
        result, complete = async_to_sync(scenario)()
    [error] = result["payload"]["errors"]
    assert error["extensions"] == {"code": "TIMEOUT", "retryAfter": 5}
    assert error["message"].startswith("The request took the database longer than allowed")
    assert complete == {"id": "1", "type": "complete"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

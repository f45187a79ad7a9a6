"""What one event costs to deliver to N sockets in one process: checks run and SQL queries, no timing.

The sockets of one user share the event's delivery check (graphql_api.subscriptions.SharedChecks);
N users cost N checks, since each is asked as themselves. Each socket then resolves its own
selection: ``example { owner project }`` is three queries (the example, its owner, its project
with the caller's role). strawberry-django's optimizer does not run on subscription events
(strawberry-django #941); making it run cut that to two but cost more CPU than it saved
(docs/decisions/0005-live-updates-shared-checks.md).
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection

from api import services
from api.events import user_group
from api.models import ProjectRole
from graphql_api.subscriptions import shared_checks
from tests.factories import UserFactory, token_for

from .sockets import Socket, subscribed

pytestmark = pytest.mark.django_db

SOCKETS = 4
CHECK = 1  # may_receive: one query
SELECTION = 3  # the event's example, its owner, its project


@pytest.fixture
def project_of_five(db):
    owner = UserFactory(username="owner")
    project = services.project_create(user=owner, name="Five")
    members = []
    for n in range(SOCKETS):
        member = UserFactory(username=f"member{n}")
        invitation = services.invitation_create(
            user=owner, project_id=project.pk, username=member.username, role=ProjectRole.VIEWER
        )
        services.invitation_accept(user=member, invitation_id=invitation.pk)
        members.append(member)
    example = services.example_create(user=owner, title="Plan", project_id=project.pk)
    return owner, members, example


def _deliver(users, owner, example, django_capture_on_commit_callbacks, title: str) -> tuple[int, int]:
    """One update of ``example``, received by one socket per entry of ``users``: (checks run, delivery queries)."""
    sent: list[str] = []
    write_done: list[int] = []

    def counting(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    def update():
        with django_capture_on_commit_callbacks(execute=True):
            services.example_update(user=owner, example_id=example.pk, data={"title": title})
        # Deliveries queue their queries on this (the thread-sensitive) thread, after this returns.
        write_done.append(len(sent))

    tokens = [token_for(user) for user in users]

    async def scenario() -> int:
        sockets = [await Socket.ready(token) for token in tokens]
        for socket in sockets:
            await socket.subscribe("1")
        for user in {user.pk for user in users}:
            await subscribed(user_group(user), count=sum(1 for u in users if u.pk == user))
        checks_before = shared_checks.checks_run
        await database_sync_to_async(update)()
        for socket in sockets:
            message = await socket.receive()
            assert message["payload"]["data"]["exampleEvents"]["example"]["title"] == title, message
        checks = shared_checks.checks_run - checks_before
        for socket in sockets:
            await socket.close()
        return checks

    with connection.execute_wrapper(counting):
        checks = async_to_sync(scenario)()
    return checks, len(sent) - write_done[0]


def test_one_users_sockets_share_one_check_and_n_users_get_one_each(
    project_of_five, django_capture_on_commit_callbacks
):
    owner, members, example = project_of_five
    checks, queries = _deliver([owner], owner, example, django_capture_on_commit_callbacks, "one")
    assert (checks, queries) == (1, CHECK + SELECTION)

    checks, queries = _deliver([owner] * SOCKETS, owner, example, django_capture_on_commit_callbacks, "tabs")
    assert (checks, queries) == (1, CHECK + SOCKETS * SELECTION)

    checks, queries = _deliver(members, owner, example, django_capture_on_commit_callbacks, "team")
    assert (checks, queries) == (SOCKETS, SOCKETS * (CHECK + SELECTION))


def test_a_check_is_never_reused_for_the_next_event(project_of_five, django_capture_on_commit_callbacks):
    """Two events to the same sockets: two checks (a result does not outlive its check)."""
    owner, _, example = project_of_five
    first, _ = _deliver([owner] * 2, owner, example, django_capture_on_commit_callbacks, "first")
    second, _ = _deliver([owner] * 2, owner, example, django_capture_on_commit_callbacks, "second")
    assert (first, second) == (1, 1)
    assert shared_checks.pending == {}


def test_shared_checks_are_keyed_by_announcement_user_and_token(monkeypatch):
    """Concurrent asks with one key run one check; another token, user or announcement runs its own."""
    import asyncio
    from types import SimpleNamespace

    from api.events import EventKind, ExampleEvent
    from graphql_api.subscriptions import SharedChecks

    asked: list[tuple] = []

    def fake_may_receive(user, token, event):
        asked.append((event.uid, user.pk, getattr(token, "pk", None)))
        return True

    monkeypatch.setattr("graphql_api.subscriptions.may_receive", fake_may_receive)
    alice, bob = SimpleNamespace(pk=1), SimpleNamespace(pk=2)
    token = SimpleNamespace(pk="key")
    first = ExampleEvent(kind=EventKind.UPDATED, id=7, uid="a")
    second = ExampleEvent(kind=EventKind.UPDATED, id=7, uid="b")
    unnamed = ExampleEvent(kind=EventKind.UPDATED, id=7)

    async def scenario():
        checks = SharedChecks()
        together = [checks.may_receive(alice, token, first) for _ in range(5)]
        together += [checks.may_receive(alice, None, first), checks.may_receive(bob, token, first)]
        assert all(await asyncio.gather(*together))
        assert checks.pending == {}
        await checks.may_receive(alice, token, first)  # finished: asked again, never reused
        await checks.may_receive(alice, token, second)
        await asyncio.gather(
            checks.may_receive(alice, token, unnamed), checks.may_receive(alice, token, unnamed)
        )
        return checks.checks_run

    assert async_to_sync(scenario)() == 7
    assert sorted(asked[:3], key=str) == sorted([("a", 1, None), ("a", 1, "key"), ("a", 2, "key")], key=str)
    assert asked[3:] == [("a", 1, "key"), ("b", 1, "key"), ("", 1, "key"), ("", 1, "key")]

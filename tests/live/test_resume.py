"""Resuming a subscription from the history: ``exampleEvents(after:)`` (audit.outbox).

A subscriber that was away (its node closed the socket, Redis was down)
passes the last ``eventId`` it saw and is sent, first, what it missed and
may see now, then live events, none twice; past retention or past
AUDIT_RESUME_MAX_EVENTS it gets RESUME_EXPIRED. "Nothing more" is proved
with a sentinel event, never a timeout.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import override_settings
from django.utils import timezone

from api import services
from api.events import user_group
from api.models import ProjectRole
from audit.models import AuditEntry
from audit.prune import prune
from tests.factories import UserFactory, token_for

from .sockets import Socket, subscribed

pytestmark = pytest.mark.django_db

RESUME = """
subscription Resume($after: ID, $projectId: ID) {
  exampleEvents(after: $after, projectId: $projectId) { kind id eventId }
}
"""


@pytest.fixture
def pair(db):
    owner, viewer, stranger = (UserFactory(username=n) for n in ("owner", "viewer", "stranger"))
    project = services.project_create(user=owner, name="Shared")
    invitation = services.invitation_create(
        user=owner, project_id=project.pk, username=viewer.username, role=ProjectRole.VIEWER
    )
    services.invitation_accept(user=viewer, invitation_id=invitation.pk)
    example = services.example_create(user=owner, title="Plan", project_id=project.pk)
    token = token_for(viewer)
    return {
        "owner": owner,
        "viewer": viewer,
        "stranger": stranger,
        "project": project,
        "example": example,
        "token": token,
    }


def last_event_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def run(coroutine_function):
    async_to_sync(coroutine_function)()


def events(messages: list[dict]) -> list[tuple[str, str]]:
    return [
        (m["payload"]["data"]["exampleEvents"]["kind"], m["payload"]["data"]["exampleEvents"]["id"])
        for m in messages
    ]


def test_a_live_event_carries_the_id_of_its_history_entry(pair, write):
    async def scenario():
        socket = await Socket.ready(pair["token"])
        await socket.subscribe("1", RESUME)
        await subscribed(user_group(pair["viewer"].pk))

        def update() -> int:
            services.example_update(user=pair["owner"], example_id=pair["example"].pk, data={"title": "B"})
            return last_event_id()

        entry_id = await write(update)
        message = (await socket.receive())["payload"]["data"]["exampleEvents"]
        assert message == {"kind": "UPDATED", "id": str(pair["example"].pk), "eventId": str(entry_id)}
        await socket.close()

    run(scenario)


def test_a_resume_sends_what_was_missed_and_may_be_seen_now_then_live_events_once(pair, write):
    seen = last_event_id()
    example = pair["example"]
    # While the viewer was away: an update, a new example, a stranger's own (not theirs to see), a deletion.
    services.example_update(user=pair["owner"], example_id=example.pk, data={"title": "Away"})
    created = services.example_create(user=pair["owner"], title="New", project_id=pair["project"].pk)
    services.example_create(user=pair["stranger"], title="Not yours")
    services.example_delete(user=pair["owner"], example_id=created.pk)

    async def scenario():
        socket = await Socket.ready(pair["token"])
        await socket.subscribe("1", RESUME, {"after": str(seen)})
        replayed = [await socket.receive() for _ in range(2)]
        assert events(replayed) == [
            ("UPDATED", str(example.pk)),
            # Its creation is not replayed: the row is gone, so the policy finds nothing to show.
            ("DELETED", str(created.pk)),
        ]
        ids = [int(m["payload"]["data"]["exampleEvents"]["eventId"]) for m in replayed]
        assert ids == sorted(ids) and ids[0] > seen
        await subscribed(user_group(pair["viewer"].pk))
        # Live again: the next event is the next write, nothing replayed twice.
        await write(
            lambda: services.example_update(user=pair["owner"], example_id=example.pk, data={"title": "Live"})
        )
        assert events([await socket.receive()]) == [("UPDATED", str(example.pk))]
        await socket.close()

    run(scenario)


def test_a_resume_is_filtered_by_the_policy_at_delivery(pair, write):
    seen = last_event_id()
    services.example_update(
        user=pair["owner"], example_id=pair["example"].pk, data={"title": "Before removal"}
    )
    services.member_remove(user=pair["owner"], project_id=pair["project"].pk, user_id=pair["viewer"].pk)
    own = services.example_create(user=pair["viewer"], title="Mine")

    async def scenario():
        socket = await Socket.ready(pair["token"])
        await socket.subscribe("1", RESUME, {"after": str(seen)})
        # The project's update is no longer theirs to see: their own example is the first thing they get.
        assert events([await socket.receive()]) == [("CREATED", str(own.pk))]
        await socket.close()

    run(scenario)


def test_a_resume_past_retention_is_refused_with_a_code(pair):
    seen = last_event_id()
    services.example_update(user=pair["owner"], example_id=pair["example"].pk, data={"title": "Old"})
    AuditEntry.objects.update(created_at=timezone.now() - timedelta(days=400))
    assert prune() > 0

    async def scenario():
        socket = await Socket.ready(pair["token"])
        await socket.subscribe("1", RESUME, {"after": str(seen)})
        message = await socket.receive()
        error = message["payload"]["errors"][0]
        assert error["extensions"] == {"code": "RESUME_EXPIRED", "reason": "PAST_RETENTION"}, message
        await socket.close()

    run(scenario)


@override_settings(AUDIT_RESUME_MAX_EVENTS=2)
def test_a_resume_that_missed_more_than_the_bound_is_refused_with_a_code(pair):
    seen = last_event_id()
    for title in ("one", "two", "three"):
        services.example_update(user=pair["owner"], example_id=pair["example"].pk, data={"title": title})

    async def scenario():
        socket = await Socket.ready(pair["token"])
        await socket.subscribe("1", RESUME, {"after": str(seen)})
        error = (await socket.receive())["payload"]["errors"][0]
        assert error["extensions"] == {"code": "RESUME_EXPIRED", "reason": "TOO_MANY_MISSED"}
        assert await socket.receive() == {"id": "1", "type": "complete"}
        # Within the bound it replays.
        await socket.subscribe("2", RESUME, {"after": str(seen + 1)})
        assert (
            events([await socket.receive(), await socket.receive()])
            == [("UPDATED", str(pair["example"].pk))] * 2
        )
        await socket.close()

    run(scenario)


@pytest.mark.parametrize("after", ["x", "-1", "1" * 40])
def test_a_junk_resume_id_is_bad_user_input(pair, after):
    async def scenario():
        socket = await Socket.ready(pair["token"])
        await socket.subscribe("1", RESUME, {"after": after})
        error = (await socket.receive())["payload"]["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        await socket.close()

    run(scenario)

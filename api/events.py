"""Live updates: what the core announces after a write commits, and to whom.

The services (``api.services``) and the admin (``api.admin``) call
``announce_example`` inside their transaction; the message leaves with
``transaction.on_commit``, so a rolled-back write announces nothing and a
subscriber that re-reads the row sees the committed state. No view,
resolver or serializer announces anything.

What travels between processes (the channel layer, Redis in production) is
only ``kind``, ``id``, ``project_id`` and a random ``uid`` naming the
announcement, plus, for a deletion, the ids of the users who could see the
row when it was deleted (``viewer_ids``). Nothing of
the row's content leaves the process that wrote it: each subscriber's socket
re-reads the row through the policy at delivery (``graphql_api.live``).

Each announcement carries ``event_id``, the id of the write's audit entry
(read on commit, ``audit.outbox.event_id_of``): a subscriber resumes after
it from the history (``exampleEvents(after:)``), so an announcement lost
here is replayed, not gone.

Groups (fan-out): an event goes to the group of its project
(``live.project.<id>``: sockets that subscribed with ``projectId``) and to the
group of every user who may see the row at commit time (``live.user.<id>``:
sockets that subscribed without ``projectId``): the author, the project's
owner and its members. So one write costs ``1 + viewers`` group sends (one
Redis round trip each; Redis then copies the message once per subscribed
socket), and each receiving socket then runs its own policy read.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from django.db import transaction

from audit.outbox import event_id_of
from backend.errors import is_cache_unavailable

from .models import ExampleModel, Project, ProjectMembership

logger = logging.getLogger(__name__)

# The channels message type: GraphQLWSConsumer routes it to the listening subscription.
MESSAGE_TYPE = "example.event"


class EventKind(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"


def project_group(project_id: int) -> str:
    return f"live.project.{project_id}"


def user_group(user_id: int) -> str:
    return f"live.user.{user_id}"


@dataclass(frozen=True)
class ExampleEvent:
    kind: EventKind
    id: int
    project_id: int | None = None
    # Only for DELETED: who could see the row just before it went (see module doc).
    viewer_ids: frozenset[int] = field(default_factory=frozenset)
    # This announcement's own name, so the sockets of one user in one process can
    # share the delivery check of this event (graphql_api.subscriptions); "" if unnamed.
    uid: str = ""
    # The audit entry of this write (audit.outbox): the id a subscriber resumes after; None if unknown.
    event_id: int | None = None

    def as_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"type": MESSAGE_TYPE, "kind": self.kind.value, "id": self.id}
        if self.uid:
            message["uid"] = self.uid
        if self.event_id is not None:
            message["event_id"] = self.event_id
        if self.project_id is not None:
            message["project_id"] = self.project_id
        if self.kind is EventKind.DELETED:
            message["viewer_ids"] = sorted(self.viewer_ids)
        return message

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> ExampleEvent:
        return cls(
            kind=EventKind(message["kind"]),
            id=int(message["id"]),
            project_id=message.get("project_id"),
            viewer_ids=frozenset(int(pk) for pk in message.get("viewer_ids", ())),
            uid=str(message.get("uid", "")),
            event_id=int(message["event_id"]) if message.get("event_id") is not None else None,
        )


def viewers_of(example: ExampleModel) -> frozenset[int]:
    """The ids of the users who may see ``example`` now: the policy's VIEW rule, from the row's side.

    Must agree with ``api.policy.ExamplePolicy`` (author, project owner,
    project members); tests/live/test_subscriptions.py checks it against
    ``restrict`` for every role. Inactive users are left in: they get
    nothing anyway (``restrict`` gives them no rows, and they cannot log in).
    """
    ids = {example.user_id}
    if example.project_id is not None:
        owner_id = Project.objects.filter(pk=example.project_id).values_list("owner_id", flat=True).first()
        if owner_id is not None:
            ids.add(owner_id)
        ids.update(
            ProjectMembership.objects.filter(project_id=example.project_id).values_list("user_id", flat=True)
        )
    return frozenset(ids)


def announce_example(kind: EventKind, example: ExampleModel) -> None:
    """Send ``kind`` for ``example`` to its subscribers once the current transaction commits.

    For DELETED call it before the row is deleted (the audience is read now).
    """
    audience = viewers_of(example)
    event = ExampleEvent(
        kind=kind,
        id=example.pk,
        project_id=example.project_id,
        viewer_ids=audience if kind is EventKind.DELETED else frozenset(),
        uid=secrets.token_hex(8),
    )
    groups = [user_group(pk) for pk in sorted(audience)]
    if example.project_id is not None:
        groups.insert(0, project_group(example.project_id))
    # The event id is read on commit: a deletion's entry is written after this call.
    transaction.on_commit(lambda: publish(dataclasses.replace(event, event_id=event_id_of(example)), groups))


def publish(event: ExampleEvent, groups: list[str]) -> None:
    """Hand ``event`` to the channel layer, one group send per group. Never fails the write.

    The write has committed when this runs: a channel layer that is down
    (Redis unreachable) loses the announcement, logged, and the request that
    made the change still succeeds.
    """
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in groups:
            # The group rides along: a socket in several groups gets one copy per
            # group, and each subscription takes only its own group's copies.
            # published_at (wall clock, as the nodes share it) times the delivery (backend/metrics.py).
            message = {**event.as_message(), "group": group, "published_at": time.time()}
            async_to_sync(layer.group_send)(group, message)
    except Exception as exc:  # the layer's own errors (Redis, network) must not turn a commit into a 500
        if is_cache_unavailable(exc) or isinstance(exc, OSError):
            # An outage, not a bug: one line per lost event, no traceback.
            logger.warning("Live update not sent (%s): %s %s", exc, event.kind.value, event.id)
        else:
            logger.exception("Live update not sent: %s %s", event.kind.value, event.id)

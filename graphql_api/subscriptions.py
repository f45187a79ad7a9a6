"""``subscription { exampleEvents(projectId: ID) }``: the core's events, filtered by the policy at delivery.

The core announces a write after it commits (``api.events``) with nothing
but ``kind``, ``id`` and ``project_id`` (and, for a deletion, who could see
the row). For every event that reaches a socket, this resolver asks the
policy, as the subscriber and at that moment, whether they may see the row:

- CREATED / UPDATED: delivered only if ``restrict(subscriber, VIEW)`` finds
  the row now. ``example`` is then resolved exactly as the ``example(id:)``
  query resolves it (``ExampleType.get_queryset``, the optimizer, the
  policy on nested relations), so the event carries the fields the
  subscription selected, as a query would give them to this subscriber. A
  viewer removed from a project stops receiving its events at once: the
  next event's check fails.
- DELETED: the row is gone, so there is nothing to re-read. It is delivered
  only to a subscriber who could see it just before the delete (their id is
  in the event's ``viewer_ids``, read in the deleting transaction) and
  carries ``id`` and ``kind`` only (``example`` is null). A stranger never
  learns that an id they never saw existed or went away.

Which events reach the socket at all (the channel-layer groups) is only a
pre-filter for cost; the check above is what decides.

Cost per event in one worker process: the sockets of one user (same user,
same credentials) that receive the same announcement (``event.uid``) while
its check is running share that one check (``SharedChecks``): a user with
100 tabs costs one policy query, not 100. A result is never reused once the
check has finished, so a later announcement (or a socket that gets this one
later) is checked anew, and a removed member's next event is refused.
Each socket then resolves its own selection, with the resolvers of ``example(id:)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator
from typing import Annotated, Any

import strawberry
import strawberry_django
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, QuerySet
from graphql import GraphQLError
from rest_framework.authtoken.models import Token
from strawberry.extensions import SchemaExtension
from strawberry.types import Info
from strawberry.types.graphql import OperationType

from api.events import MESSAGE_TYPE, EventKind, ExampleEvent, project_group, user_group
from api.models import ExampleModel, Project
from api.policy import VIEW, is_active_user, restrict
from api.querysets import parse_pk
from audit.outbox import KINDS, RESUME_EXPIRED, ResumeRefused, missed, saw_before_delete
from backend.metrics import LIVE_SUBSCRIPTIONS, record_delivery

from .context import viewer
from .errors import BAD_REQUEST, BAD_USER_INPUT, NOT_FOUND
from .types import ExampleType

ExampleEventKind = strawberry.enum(
    EventKind, name="ExampleEventKind", description="What happened to the example."
)
UNKNOWN_PROJECT = "No project with that id."
RESUME_HELP = (
    "Resume: the last `eventId` received. The events after it that the caller may see now are "
    "sent first (at most AUDIT_RESUME_MAX_EVENTS), then live ones; past retention or that bound, "
    "the error RESUME_EXPIRED: refetch, then subscribe without it."
)
OVER_HTTP = "Subscriptions run over WebSocket only: graphql-transport-ws at /graphql/."


def _event_example(root: ExampleEventType, info: Info) -> QuerySet:
    # As by_id (graphql_api.queries): a queryset, so strawberry-django
    # applies ExampleType.get_queryset (the policy) and the optimizer, then .first().
    if root.kind is EventKind.DELETED:
        return ExampleModel.objects.none()
    return ExampleModel.objects.filter(pk=root.pk)


@strawberry.type(name="ExampleEvent", description="A change to an example the subscriber may see.")
class ExampleEventType:
    kind: ExampleEventKind
    id: strawberry.ID
    example: ExampleType | None = strawberry_django.field(
        resolver=_event_example,
        description="The example as the subscriber may see it now; null for DELETED.",
    )
    pk: strawberry.Private[int]
    event_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "The id of this change in the history: after a reconnect, subscribe with "
            "`after:` the last one received to be sent what was missed first."
        ),
    )


def _still_signed_in(user: Any, token: Any) -> Exists:
    """The socket's credentials as they are now: the user still active and, for a token socket, the token not deleted."""
    active = get_user_model().objects.filter(pk=user.pk, is_active=True)
    if isinstance(token, Token):
        active = active.filter(Exists(Token.objects.filter(pk=token.pk, user_id=user.pk)))
    return Exists(active)


def may_receive(user: Any, token: Any, event: ExampleEvent) -> bool:
    """Whether ``user`` may be told about ``event`` now (see the module doc). One query.

    The socket authenticated once, at connection_init; this also asks whether
    that still holds (a deactivated user or a deleted token gets nothing more).
    """
    if not is_active_user(user):
        return False
    signed_in = _still_signed_in(user, token)
    if event.kind is EventKind.DELETED:
        if user.pk not in event.viewer_ids:
            return False
        return get_user_model().objects.filter(signed_in).filter(pk=user.pk).exists()
    return restrict(ExampleModel.objects.filter(pk=event.id), user, VIEW).filter(signed_in).exists()


class _Untraced:
    """``delivery_span`` with traces off: no span, and nothing of OpenTelemetry imported."""

    def __init__(self, *args: object) -> None:
        pass

    def __enter__(self) -> _Untraced:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def set_attribute(self, key: str, value: object) -> None:
        pass


def _delivery_span_factory() -> Any:
    if not settings.TRACING:
        return _Untraced
    from backend.tracing import live_delivery

    return live_delivery


# A span per event's delivery to a subscription (backend.tracing), when traces are on.
delivery_span = _delivery_span_factory()

CheckKey = tuple[str, int, Any]


class SharedChecks:
    """``may_receive`` run once for all of one user's sockets that are waiting on it in this process.

    Keyed by (announcement, user, token): a token socket and a session socket of
    the same user are checked apart, since a deleted token ends only the first.
    The entry lives only while its check runs (no result outlives it).
    """

    def __init__(self) -> None:
        self.pending: dict[CheckKey, asyncio.Future[bool]] = {}
        self.checks_run = 0

    async def may_receive(self, user: Any, token: Any, event: ExampleEvent) -> bool:
        if not event.uid:  # an announcement without a name (an older publisher): checked alone
            return await self._run(user, token, event)
        key = (event.uid, user.pk, getattr(token, "pk", None))
        running = self.pending.get(key)
        if running is None:
            running = asyncio.ensure_future(self._run(user, token, event))
            self.pending[key] = running
            running.add_done_callback(lambda _: self.pending.pop(key, None))
        # shield: one socket closing mid-check must not cancel the others' answer.
        return await asyncio.shield(running)

    async def _run(self, user: Any, token: Any, event: ExampleEvent) -> bool:
        self.checks_run += 1
        return await database_sync_to_async(may_receive)(user, token, event)


shared_checks = SharedChecks()


def _project_visible(user: Any, project_id: object) -> int | None:
    key = parse_pk(project_id)
    if key is None:
        return None
    return key if restrict(Project.objects.filter(pk=key), user, VIEW).exists() else None


class SubscriptionsOverWebSocketOnly(SchemaExtension):
    """Refuses a subscription sent over HTTP with a clear error, before execution.

    Strawberry's Django view would execute it and fail on the async generator
    (a masked "Unexpected error."). Raised like graphql_api.limits' refusals,
    which the HTTP path turns into the result's errors.
    """

    def on_validate(self) -> Iterator[None]:
        yield
        # After validation, so its errors (an anonymous caller's UNAUTHENTICATED) come first.
        context = self.execution_context
        if (
            not context.pre_execution_errors
            and context.operation_type is OperationType.SUBSCRIPTION
            and getattr(context.context, "ws", None) is None
        ):
            raise GraphQLError(OVER_HTTP, extensions={"code": BAD_REQUEST})


def _event_type(event: ExampleEvent) -> ExampleEventType:
    event_id = None if event.event_id is None else strawberry.ID(str(event.event_id))
    return ExampleEventType(kind=event.kind, id=strawberry.ID(str(event.id)), pk=event.id, event_id=event_id)


def _missed_events(user: Any, token: Any, after: int, project_id: int | None) -> list[ExampleEvent]:
    """The events after ``after`` that ``user`` may be told of now, from the history (audit.outbox)."""
    try:
        entries = missed(ExampleModel, user, after, project_id)
    except ResumeRefused as refused:
        raise GraphQLError(
            str(refused), extensions={"code": RESUME_EXPIRED, "reason": refused.reason}
        ) from None
    events = []
    for entry in entries:
        kind = EventKind(KINDS[entry.action])
        deleted = kind is EventKind.DELETED
        audience = frozenset({user.pk}) if deleted and saw_before_delete(user, entry) else frozenset()
        event = ExampleEvent(kind, entry.object_id, entry.project_id, audience, event_id=entry.event_id)
        if may_receive(user, token, event):
            events.append(event)
    return events


async def _replay(
    user: Any, token: Any, after: int, project_id: int | None
) -> AsyncGenerator[ExampleEventType, None]:
    for event in await database_sync_to_async(_missed_events)(user, token, after, project_id):
        yield _event_type(event)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Changes to the examples the caller may see (all of them, or one project's with "
            "`projectId`), checked against the policy for each event when it is delivered. "
            "WebSocket only (graphql-transport-ws at /graphql/)."
        )
    )
    async def example_events(
        self,
        info: Info,
        project_id: strawberry.ID | None = None,
        after: Annotated[strawberry.ID | None, strawberry.argument(description=RESUME_HELP)] = None,
    ) -> AsyncGenerator[ExampleEventType, None]:
        socket = info.context.ws
        user, token = viewer(info), info.context.request.auth
        resume_after = None
        if after is not None:
            resume_after = parse_pk(after)
            if resume_after is None:
                raise GraphQLError(
                    "after: not an event id.", extensions={"code": BAD_USER_INPUT, "field": "after"}
                )
        if project_id is None:
            groups = [user_group(user.pk)]
            wanted_project = None
        else:
            wanted_project = await database_sync_to_async(_project_visible)(user, project_id)
            if wanted_project is None:
                # One answer for missing, junk and invisible, as the project(id:) query gives null.
                raise GraphQLError(UNKNOWN_PROJECT, extensions={"code": NOT_FOUND})
            groups = [project_group(wanted_project)]
        LIVE_SUBSCRIPTIONS.inc()
        try:
            # Listening before the replay is read: an event committed meanwhile is in one or both,
            # and the ids drop the second copy.
            async with socket.listen_to_channel(MESSAGE_TYPE, groups=groups) as messages:
                last_sent = 0
                if resume_after is not None:
                    async for replayed in _replay(user, token, resume_after, wanted_project):
                        last_sent = int(replayed.event_id or 0)
                        yield replayed
                async for message in messages:
                    # Every subscription of the socket sees every message the socket
                    # gets; a copy sent to another subscription's group is not ours.
                    if message.get("group") not in groups:
                        continue
                    event = ExampleEvent.from_message(message)
                    if wanted_project is not None and event.project_id != wanted_project:
                        continue
                    if event.event_id is not None and event.event_id <= last_sent:
                        continue  # already sent by the replay
                    with delivery_span(event.kind.value, event.id) as span:
                        allowed = await shared_checks.may_receive(user, token, event)
                        span.set_attribute("live.delivered", allowed)
                    if allowed:
                        record_delivery(message.get("published_at"))
                        yield _event_type(event)
        finally:
            LIVE_SUBSCRIPTIONS.dec()

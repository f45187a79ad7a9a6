"""``history(first, after, resource, objectId, projectId)``: the audit entries the caller may read.

The rows come through the policy (``audit.policy``) and are paged by
``api.keyset``, the rule of REST's ``?cursor=`` and ``examplesConnection``:
newest first, signed cursors bound to the caller and the filters. Forward
only (``first``/``after``). A plain type, not a strawberry-django one: the
entries have no relations to resolve.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry
from django.db.models import QuerySet
from graphql import GraphQLError
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry_django.resolvers import django_resolver

from api import policy
from api.keyset import CursorError, binding_of, key_order, keyset_slice, make_cursor, read_cursor
from api.querysets import parse_pk
from graphql_api.connection import cursor_error, page_size
from graphql_api.context import viewer
from graphql_api.errors import BAD_USER_INPUT

from .models import AuditEntry

MAX_TEXT = 100


@strawberry.type(name="AuditEntry", description="One write: who, what (before and after), when, whence.")
class AuditEntryType:
    id: strawberry.ID = strawberry.field(description="Also the event id live subscribers resume after.")
    created_at: dt.datetime
    actor_id: strawberry.ID | None = strawberry.field(
        description="The user who wrote; null: a command or task."
    )
    surface: str = strawberry.field(description="rest, graphql, admin, command or ws.")
    request_id: str
    action: str = strawberry.field(description="create, update or delete.")
    resource: str = strawberry.field(description="The model's label: api.examplemodel, api.project, ...")
    object_id: strawberry.ID
    project_id: strawberry.ID | None
    changes: JSON = strawberry.field(
        description='{field: [before, after]}; a sensitive field shows "[redacted]".'
    )

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryType:
        def as_id(value: object) -> strawberry.ID | None:
            return None if value is None else strawberry.ID(str(value))

        return cls(
            id=strawberry.ID(str(entry.pk)),
            created_at=entry.created_at,
            actor_id=as_id(entry.actor_id),
            surface=entry.surface,
            request_id=entry.request_id,
            action=entry.action,
            resource=entry.resource,
            object_id=strawberry.ID(entry.object_id),
            project_id=as_id(entry.project_id),
            changes=entry.changes,
        )


@strawberry.type(name="AuditEntryEdge")
class AuditEntryEdge:
    cursor: str
    node: AuditEntryType


@strawberry.type(name="AuditEntryConnection", description="A page of history, newest first, by cursor.")
class AuditEntryConnection:
    edges: list[AuditEntryEdge]
    page_info: relay.PageInfo


def _text(value: str | None, field: str) -> str | None:
    if value is not None and (len(value) > MAX_TEXT or "\x00" in value):
        raise GraphQLError(
            f"{field} is not one of ours.", extensions={"code": BAD_USER_INPUT, "field": field}
        )
    return value


def history_rows(user: Any, *, resource: str | None, object_id: str | None, project_id: object) -> QuerySet:
    rows = policy.restrict(AuditEntry.objects.all(), user, policy.VIEW)
    if resource is not None:
        rows = rows.filter(resource=resource)
    if object_id is not None:
        rows = rows.filter(object_id=object_id)
    if project_id is not None:
        rows = rows.filter(project_id=parse_pk(project_id) or 0)
    return rows


@django_resolver
def _page(rows: QuerySet, first: int | None, after: str | None) -> AuditEntryConnection:
    size = page_size(first, None)
    order = key_order(rows)
    binding = binding_of(rows, order)
    try:
        position = read_cursor(after, binding) if after else None
    except CursorError as error:
        raise cursor_error(error, "after") from None
    page = keyset_slice(rows, order, size=size, after=position)
    edges = [
        AuditEntryEdge(cursor=make_cursor(row, order, binding), node=AuditEntryType.of(row))
        for row in page.rows
    ]
    return AuditEntryConnection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def resolve_history(
    info: Info,
    first: int | None = None,
    after: str | None = None,
    resource: str | None = None,
    object_id: strawberry.ID | None = None,
    project_id: strawberry.ID | None = None,
) -> AuditEntryConnection:
    rows = history_rows(
        viewer(info),
        resource=_text(resource, "resource"),
        object_id=_text(object_id, "objectId"),
        project_id=project_id,
    )
    # django_resolver: the page itself in a thread when the schema runs in an async context.
    return cast(AuditEntryConnection, _page(rows, first, after))


HISTORY_DESCRIPTION = (
    "The history the caller may read (every write to the projects they own, and to their own rows), "
    "newest first, by cursor: `first` (20 by default, at most 100) and `after`."
)

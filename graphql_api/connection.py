"""Keyset connections: ``examplesConnection(first, after, last, before, filters, ordering)``.

A Relay connection (strawberry's ``relay.Connection``: ``edges { cursor node }``,
``pageInfo { hasNextPage hasPreviousPage startCursor endCursor }``) whose
pages are cut by ``api.keyset``, the rule REST's ``?cursor=`` uses: signed
cursors bound to the caller, the filters and the ordering, and a page deep
in the list that costs what the first does. The field is a
strawberry-django connection, so the type's ``get_queryset`` (the policy),
the filters, the ordering and the optimizer (which reads ``edges { node }``)
apply to the queryset before ``resolve_connection`` sees it.

Not strawberry-django's ``DjangoCursorConnection`` (keyset, but its cursors
are unsigned, not bound to the filters, and its comparison is no index
range: see ``api.keyset``), nor ``ListConnectionWithTotalCount`` (offset
cursors). Ids stay the database ids: ``Example`` is no relay ``Node``.
Nested under another type (``Project``) the optimizer would not prefetch a
connection of this kind (a query per parent), so a project's examples are
``examplesConnection(filters: {project: ID})``.
"""

from __future__ import annotations

from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from graphql import GraphQLError
from strawberry import relay
from strawberry.relay.utils import should_resolve_list_connection_edges
from strawberry.types import Info
from strawberry.utils.inspect import in_async_context
from strawberry_django.resolvers import django_resolver

from api.keyset import CursorError, binding_of, key_order, keyset_slice, make_cursor, read_cursor
from api.paging import PageError, parse_page
from api.policy import count_rows

from .errors import BAD_USER_INPUT
from .types import ExampleType


def cursor_error(error: CursorError, field: str) -> GraphQLError:
    """``BAD_USER_INPUT`` (the client's mistake, as every argument error here) with the exact ``reason``.

    The code stays the standard one, so clients and tools that sort errors by
    it (Apollo's conventions; schemathesis counts any other code on a field
    as a server error) see a refused input; ``reason`` says which:
    ``INVALID_CURSOR``, ``CURSOR_MISMATCH`` or ``UNSUPPORTED_ORDERING``.
    """
    return GraphQLError(
        error.message, extensions={"code": BAD_USER_INPUT, "reason": error.code.upper(), "field": field}
    )


def page_size(first: int | None, last: int | None) -> int:
    """``first`` or ``last`` under ``api.paging``'s rule (default 20, at most 100), else BAD_USER_INPUT."""
    if first is not None and last is not None:
        raise GraphQLError(
            "Give first (with after) or last (with before), not both.",
            extensions={"code": BAD_USER_INPUT, "field": "last"},
        )
    name, value = ("last", last) if last is not None else ("first", first)
    try:
        return parse_page(value).limit
    except PageError as error:
        message = error.message.replace("limit", name)
        raise GraphQLError(message, extensions={"code": BAD_USER_INPUT, "field": name}) from None


@strawberry.type(name="ExampleConnection", description="A page of examples by cursor (keyset).")
class ExampleConnection(relay.Connection[ExampleType]):
    # Every row the page was cut from (policy and filters applied), for totalCount.
    matching: strawberry.Private[QuerySet | None] = None

    @strawberry.field(
        description="Examples matching the filters across all pages: counted only when selected."
    )
    def total_count(self) -> int:
        assert self.matching is not None
        # django_resolver: in a thread when the schema runs in an async context.
        return django_resolver(count_rows)(self.matching)

    @classmethod
    def resolve_connection(
        cls,
        nodes: QuerySet,
        *,
        info: Info,
        before: str | None = None,
        after: str | None = None,
        first: int | None = None,
        last: int | None = None,
        max_results: int | None = None,
        **kwargs: Any,
    ) -> ExampleConnection:
        if after is not None and before is not None:
            raise GraphQLError(
                "Give after or before, not both.", extensions={"code": BAD_USER_INPUT, "field": "before"}
            )

        def build() -> ExampleConnection:
            return cls._page(nodes, info=info, before=before, after=after, first=first, last=last)

        if in_async_context():
            # The page's queries must not run on the event loop (strawberry-django's connections do the same).
            return sync_to_async(build)()
        return build()

    @classmethod
    def _page(
        cls,
        nodes: QuerySet,
        *,
        info: Info,
        before: str | None,
        after: str | None,
        first: int | None,
        last: int | None,
    ) -> ExampleConnection:
        size = page_size(first, last)
        try:
            order = key_order(nodes)
        except CursorError as error:
            raise cursor_error(error, "ordering") from None
        if not should_resolve_list_connection_edges(info):
            # totalCount alone: no page is read.
            return cls(
                matching=nodes,
                edges=[],
                page_info=relay.PageInfo(
                    has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
                ),
            )
        binding = binding_of(nodes, order)
        try:
            after_at = read_cursor(after, binding) if after else None
            before_at = read_cursor(before, binding) if before else None
        except CursorError as error:
            raise cursor_error(error, "after" if after else "before") from None
        page = keyset_slice(
            nodes,
            order,
            size=size,
            after=after_at,
            before=before_at,
            from_end=last is not None and before is None,
        )
        edge_class = relay.Edge[ExampleType]
        edges = [
            edge_class(cursor=make_cursor(row, order, binding), node=cls.resolve_node(row, info=info))
            for row in page.rows
        ]
        return cls(
            matching=nodes,
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

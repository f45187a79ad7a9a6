"""The shared pagination rule (``api.paging``) and a stable order, for offset-paginated fields."""

from __future__ import annotations

import inspect
from typing import Any, Generic, TypeVar

import strawberry
from django.db.models import QuerySet
from graphql import GraphQLError
from strawberry import UNSET
from strawberry.extensions.field_extension import (
    AsyncExtensionResolver,
    FieldExtension,
    SyncExtensionResolver,
)
from strawberry.types import Info
from strawberry_django.optimizer import is_optimized_by_prefetching
from strawberry_django.pagination import OffsetPaginated as BaseOffsetPaginated
from strawberry_django.pagination import OffsetPaginationInput

from api.paging import PageError, parse_page
from api.policy import count_rows, ordered_page

from .errors import BAD_USER_INPUT

# Appended to an explicit ordering so that rows with equal keys keep their
# order from one page to the next. Without an explicit ordering the model's
# Meta.ordering (-created_at, -id) already ends with the id.
TIEBREAK = "-id"

NodeType = TypeVar("NodeType")


def page_error(error: PageError) -> GraphQLError:
    return GraphQLError(
        error.message,
        extensions={"code": BAD_USER_INPUT, "field": f"pagination.{error.field}"},
    )


class PageRule(FieldExtension):
    """Cuts pages as REST does and keeps them stable.

    ``pagination`` is replaced, before anything runs, by the page
    ``api.paging.parse_page`` allows: default 20, at most 100, and a
    ``BAD_USER_INPUT`` error naming the field for a negative or zero limit or a
    negative offset (so no query runs). Must be listed before strawberry-django's
    own pagination extension, i.e. inside it: it then receives the filtered,
    ordered queryset and adds the tiebreak.
    """

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        pagination = kwargs.get("pagination")
        limit = offset = None
        if pagination not in (None, UNSET):
            limit = None if pagination.limit is UNSET else pagination.limit
            offset = pagination.offset
        try:
            page = parse_page(limit, offset)
        except PageError as error:
            raise page_error(error) from None
        return {**kwargs, "pagination": OffsetPaginationInput(offset=page.offset, limit=page.limit)}

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        queryset = next_(source, info, **kwargs)
        # A nested page the optimizer prefetched is already cut and loaded: reordering
        # it would drop its rows and query again.
        if (
            isinstance(queryset, QuerySet)
            and not is_optimized_by_prefetching(queryset)
            and queryset.query.order_by
        ):
            queryset = queryset.order_by(*queryset.query.order_by, TIEBREAK)
        return queryset


# The parent's annotation holding the count of a nested paginated list (graphql_api.base adds it).
NESTED_TOTAL_PREFIX = "_nested_total_"


def nested_total_name(field_name: str) -> str:
    return f"{NESTED_TOTAL_PREFIX}{field_name}"


@strawberry.type
class OffsetPaginated(BaseOffsetPaginated[NodeType], Generic[NodeType]):
    """strawberry-django's page type, whose ``totalCount`` under a list of parents is one query for all.

    A nested page (``projects { results { examples { totalCount } } }``)
    would count its rows with one ``COUNT`` per parent whenever the
    optimizer's window functions cannot tell (``totalCount`` alone, or a page
    past the end). ``graphql_api.base`` has the parents' own query count
    them instead (an annotation, one correlated subquery per row of the same
    statement), and ``CountedWithParent`` hands it to the page as ``counted``.
    Root pages, and nested ones the annotation does not cover, count as
    strawberry-django does.
    """

    counted: strawberry.Private[int | None] = None

    def get_total_count(self) -> int:
        if self.counted is not None:
            return self.counted
        if self.queryset is not None and not is_optimized_by_prefetching(self.queryset):
            return count_rows(self.queryset)  # by the policy's branches, as REST counts
        return super().get_total_count()

    def get_paginated_queryset(self) -> QuerySet | None:
        # A root page is cut by the one page builder (api.policy.ordered_page), as REST's;
        # a prefetched nested one is already cut by the optimizer's window.
        pagination = self.pagination
        if (
            self.queryset is None
            or is_optimized_by_prefetching(self.queryset)
            or not isinstance(pagination, OffsetPaginationInput)
            or pagination.limit in (None, UNSET)
            or pagination.limit < 0
        ):
            return super().get_paginated_queryset()
        return ordered_page(self.queryset, pagination.offset, pagination.offset + pagination.limit)


class CountedWithParent(FieldExtension):
    """Gives a nested page the count its parent's query made (the ``nested_total_name`` annotation).

    Outermost on the field, so it receives the page strawberry-django built,
    with the parent (``source``) it belongs to.
    """

    def __init__(self, annotation: str) -> None:
        super().__init__()
        self.annotation = annotation

    def counted(self, page: Any, source: Any) -> Any:
        if isinstance(page, OffsetPaginated):
            page.counted = getattr(source, self.annotation, None)
        return page

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        return self.counted(next_(source, info, **kwargs), source)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        page = next_(source, info, **kwargs)
        return self.counted(await page if inspect.isawaitable(page) else page, source)

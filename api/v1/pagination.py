"""Limit/offset pages for `/api/v1/`, under the one rule of ``api.paging``.

The default paginator of every list (REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]).
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.keyset import (
    CursorError,
    binding_of,
    just_past,
    key_order,
    keyset_slice,
    make_cursor,
    read_cursor,
)
from api.paging import MAX_OFFSET, PageError, parse_page
from api.policy import count_rows, ordered_page


class PagePagination(LimitOffsetPagination):
    """``?limit`` (default 20, at most 100: larger is clamped) and ``?offset``.

    ``parse_page`` decides; this class only turns its ``PageError`` into a
    400 ``{"limit": [...]}`` or ``{"offset": [...]}``. Both parameters are
    checked before any query runs.
    """

    def paginate_queryset(self, queryset, request: Request, view=None):
        try:
            page = parse_page(
                request.query_params.get(self.limit_query_param),
                request.query_params.get(self.offset_query_param),
            )
        except PageError as exc:
            raise ValidationError({exc.field: [exc.message]}) from None
        self._page = page
        # DRF's LimitOffsetPagination.paginate_queryset, with the count and the page
        # taken through the policy's branches (api.policy.count_rows, ordered_page).
        self.request = request
        self.limit = page.limit
        self.count = self.get_count(queryset)
        self.offset = page.offset
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return list(ordered_page(queryset, self.offset, self.offset + self.limit))

    # What to count instead of the page's queryset, when the list reads its
    # page as `.values()` rows (PolicyModelViewSet.list): the same rows,
    # without the joins `.values()` adds for related columns (Django keeps
    # them in a COUNT, where select_related's are dropped).
    count_queryset: QuerySet | None = None

    def get_count(self, queryset) -> int:
        return count_rows(queryset if self.count_queryset is None else self.count_queryset)

    def get_limit(self, request: Request) -> int:
        return self._page.limit

    def get_offset(self, request: Request) -> int:
        return self._page.offset

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Number of results per page: default 20, at most 100 (a larger value is "
                    "clamped to 100). Zero, negative or non-numeric values are a 400."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Number of results to skip: default 0. Negative or non-numeric values are a 400."
                ),
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            },
        ]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = "http://localhost:8000/api/v1/examples/?limit=20&offset={}"  # an example of a link
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Matching objects across all pages."},
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                    "example": link.format(40),
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The previous page, or null on the first one.",
                    "example": link.format(0),
                },
                "results": schema,
            },
        }


def cursor_error(error: CursorError) -> exceptions.ValidationError:
    """A 400 ``{"detail": ..., "code": ...}``: the message for people, the code for programs."""
    return exceptions.ValidationError({"detail": error.message, "code": error.code})


class CursorPagination(BasePagination):
    """Keyset pages (``api.keyset``): ``?cursor=`` (empty: the first page) and ``?limit``.

    The body is ``{next, previous, results}``: no ``count`` (counting is what
    a deep page must not cost); ``next``/``previous`` are this URL with the
    cursor of the last/first row, null at the ends. Not DRF's
    ``CursorPagination``: its cursor is neither signed nor bound to the
    filters, and it steps over equal timestamps by an offset (see
    ``api.keyset``); the limit follows ``api.paging`` as offset pages do.
    """

    cursor_query_param = "cursor"
    limit_query_param = "limit"
    offset_query_param = "offset"
    display_page_controls = False

    def paginate_queryset(self, queryset, request: Request, view=None):
        params = request.query_params
        if len(params.getlist(self.cursor_query_param)) > 1:
            raise exceptions.ValidationError({self.cursor_query_param: ["Give one cursor."]})
        if params.get(self.offset_query_param, "") != "":
            raise exceptions.ValidationError(
                {
                    self.offset_query_param: [
                        "offset cannot be combined with cursor: a cursor page starts at its cursor."
                    ]
                }
            )
        try:
            size = parse_page(params.get(self.limit_query_param)).limit
        except PageError as exc:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from None
        try:
            order = key_order(queryset)
            binding = binding_of(queryset, order)
            text = params.get(self.cursor_query_param, "")
            position = read_cursor(text, binding) if text else None
        except CursorError as error:
            raise cursor_error(error) from None
        backward = position is not None and position.backward
        page = keyset_slice(
            queryset,
            order,
            size=size,
            after=None if backward else position,
            before=position if backward else None,
        )
        self.request = request
        self.next = self.previous = None
        if page.rows:
            if page.has_next:
                self.next = self._link(make_cursor(page.rows[-1], order, binding, backward=False))
            if page.has_previous:
                self.previous = self._link(make_cursor(page.rows[0], order, binding, backward=True))
        elif position is not None:
            # An empty page past a cursor (its neighbours were deleted meanwhile): the
            # way back still leads somewhere. Backward: nothing is before it, so the
            # next page is the first one. Forward: the page before, the cursor's own
            # row included.
            if backward:
                self.next = self._link("")
            else:
                self.previous = self._link(
                    make_cursor(just_past(position, order), order, binding, backward=True)
                )
        return page.rows

    def _link(self, cursor: str) -> str:
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.next, "previous": self.previous, "results": data})


class PageOrCursorPagination(PagePagination):
    """Offset pages as before; keyset pages (``CursorPagination``) when the request has ``cursor``.

    The list of a viewset whose rows are ordered by a timestamp (examples)
    takes either; without a ``cursor`` parameter nothing changes.
    """

    cursor_query_param = CursorPagination.cursor_query_param
    _cursor: CursorPagination | None = None

    def paginate_queryset(self, queryset, request: Request, view=None):
        if self.cursor_query_param in request.query_params:
            self._cursor = CursorPagination()
            return self._cursor.paginate_queryset(queryset, request, view)
        self._cursor = None
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data) -> Response:
        if self._cursor is not None:
            return self._cursor.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset pages: present (empty for the first page), the answer is "
                    "`{next, previous, results}` without `count`, and a page deep in the list "
                    "costs what the first does. Follow `next`/`previous` (opaque, signed cursors "
                    "bound to the filters and ordering they were made for; altered: 400 "
                    "`invalid_cursor`, other filters: 400 `cursor_mismatch`). Takes `limit`, "
                    "the filters and `ordering` by `created_at` or `updated_at` (either "
                    "direction; ties by id in the same direction), not `offset`."
                ),
                "schema": {"type": "string"},
            },
        ]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        page = super().get_paginated_response_schema(schema)
        page["required"] = ["next", "previous", "results"]
        count = page["properties"]["count"]
        count["description"] = (
            "Matching objects across all pages (offset pages only; absent on cursor pages)."
        )
        return page

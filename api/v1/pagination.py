"""Limit/offset pages for `/api/v1/`, under the one rule of ``api.paging``.

The default paginator of every list (REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]).
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from api.paging import MAX_OFFSET, PageError, parse_page


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
        return super().paginate_queryset(queryset, request, view)

    # What to count instead of the page's queryset, when the list reads its
    # page as `.values()` rows (PolicyModelViewSet.list): the same rows,
    # without the joins `.values()` adds for related columns (Django keeps
    # them in a COUNT, where select_related's are dropped).
    count_queryset: QuerySet | None = None

    def get_count(self, queryset) -> int:
        return super().get_count(queryset if self.count_queryset is None else self.count_queryset)

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

"""``GET /api/v1/history/``: the audit entries the policy lets the caller read, newest first, by cursor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions

from api import policy
from api.querysets import parse_pk
from api.v1.pagination import CursorPagination
from backend.openapi import PolicyAutoSchema

from .models import AuditEntry
from .serializers import AuditEntrySerializer


class HistoryPagination(CursorPagination):
    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The `next`/`previous` link's cursor; absent or empty: the newest page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": "Entries per page (default 20, at most 100).",
                "schema": {"type": "integer"},
            },
        ]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }


MAX_TEXT = 100


def _text(value: str, name: str) -> str:
    # No resource or id is this long or holds NUL (which PostgreSQL refuses in a string).
    if len(value) > MAX_TEXT or "\x00" in value:
        raise exceptions.ValidationError({name: ["Not a resource or id of this API."]})
    return value


FILTERS = [
    OpenApiParameter(
        "resource", str, description="Only this resource (`api.examplemodel`, `api.project`, ...)."
    ),
    OpenApiParameter("object_id", str, description="Only this row (with `resource`)."),
    OpenApiParameter("project", int, description="Only this project's rows."),
]


@extend_schema(summary="The history the caller may read", parameters=FILTERS, tags=["history"])
class HistoryView(generics.ListAPIView):
    """The history the caller may read: all of the projects they own, and their own rows'."""

    serializer_class = AuditEntrySerializer
    pagination_class = HistoryPagination
    permission_classes = [permissions.IsAuthenticated]
    schema = PolicyAutoSchema()

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        rows = policy.restrict(AuditEntry.objects.all(), self.request.user, policy.VIEW)
        params = self.request.query_params
        for name, column in (("resource", "resource"), ("object_id", "object_id")):
            if name in params:
                rows = rows.filter(**{column: _text(params[name], name)})
        if "project" in params:
            project = parse_pk(params["project"])
            if project is None:
                raise exceptions.ValidationError({"project": ["Enter a project id."]})
            rows = rows.filter(project_id=project)
        return rows

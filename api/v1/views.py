"""`/api/v1/examples/`: a thin adapter over the core.

Reads start from ``ExampleModel.objects.visible_to(request.user)``; writes
call ``api.services``. Nothing here filters by owner or checks who may do
what: a foreign id is simply not found, in the queryset or in the service,
and ``backend.exceptions`` answers both with the same 404.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api import services
from api.models import ExampleModel
from backend.exceptions import NOT_FOUND as NOT_FOUND_TEXT
from backend.openapi import AUTHENTICATED_ERRORS, BODY_ERRORS, NOT_FOUND, QUERY_ERROR, READ_ERRORS

from .filters import ExampleFilter
from .pagination import ExamplePagination
from .rows import row_columns
from .serializers import EXAMPLE_FIELDS, ExampleModelSerializer

TAG = ["examples"]
ID = OpenApiParameter(
    "id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The example's id. Another user's example answers 404, like a missing one.",
)
WRITE_ERRORS = {**BODY_ERRORS, **AUTHENTICATED_ERRORS}


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        summary="List the caller's examples.",
        description=(
            "Newest first unless `ordering` says otherwise; ties are always broken by id, "
            "newest first, so pages are stable. Filters combine with AND."
        ),
        responses={200: ExampleModelSerializer(many=True), 400: QUERY_ERROR, **READ_ERRORS},
    ),
    create=extend_schema(
        tags=TAG,
        summary="Create an example owned by the caller.",
        description="A `user` or `id` in the body is ignored.",
        responses={201: ExampleModelSerializer, **WRITE_ERRORS},
    ),
    retrieve=extend_schema(
        tags=TAG,
        summary="One of the caller's examples.",
        parameters=[ID],
        responses={200: ExampleModelSerializer, 404: NOT_FOUND, **READ_ERRORS},
    ),
    update=extend_schema(
        tags=TAG,
        summary="Replace one of the caller's examples.",
        description="`title` is required; `content` is left unchanged when omitted.",
        parameters=[ID],
        responses={200: ExampleModelSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        tags=TAG,
        summary="Change the title or content of one of the caller's examples.",
        parameters=[ID],
        responses={200: ExampleModelSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        tags=TAG,
        summary="Delete one of the caller's examples.",
        parameters=[ID],
        responses={204: None, 404: NOT_FOUND, **AUTHENTICATED_ERRORS},
    ),
    duplicate=extend_schema(
        tags=TAG,
        summary="Copy one of the caller's examples.",
        description=(
            "The copy has the same content and the title followed by ` (copy)`, "
            "shortened to fit 200 characters. It is owned by the caller."
        ),
        parameters=[ID],
        request=None,
        responses={201: ExampleModelSerializer, 404: NOT_FOUND, **AUTHENTICATED_ERRORS},
    ),
)
class ExampleModelViewSet(viewsets.ModelViewSet):
    """The caller's examples. Another user's example answers 404, like a missing one."""

    serializer_class = ExampleModelSerializer
    filterset_class = ExampleFilter
    pagination_class = ExamplePagination
    # Only digits reach the view; anything else is a 404 from the URL resolver.
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return ExampleModel.objects.none()
        return ExampleModel.objects.visible_to(self.request.user).only(*EXAMPLE_FIELDS)

    def get_object(self) -> ExampleModel:
        # get_by_id turns junk and out-of-range ids into DoesNotExist instead
        # of a database error. NotFound (not DoesNotExist) because DRF's
        # OPTIONS metadata only swallows APIException and Http404.
        try:
            example = self.get_queryset().get_by_id(self.kwargs[self.lookup_field])
        except ExampleModel.DoesNotExist:
            raise NotFound(NOT_FOUND_TEXT) from None
        self.check_object_permissions(self.request, example)
        return example

    def list(self, request: Request, *args, **kwargs) -> Response:
        # DRF's ListModelMixin.list, except that the page is read as rows of
        # the shown columns (`.values()`) when the serializer shows plain
        # columns only (api/v1/rows.py); the body is the same either way.
        serializer = self.get_serializer([], many=True)
        queryset = self.filter_queryset(self.get_queryset())
        columns = row_columns(serializer.child)
        if columns is not None:
            queryset = queryset.values(*columns)
        page = self.paginate_queryset(queryset)
        serializer.instance = queryset if page is None else page
        if page is None:
            return Response(serializer.data)
        return self.get_paginated_response(serializer.data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        example = services.example_create(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(example).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        # Look the example up first, so a missing or foreign id is a 404
        # whatever the body holds.
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        example = services.example_update(
            user=request.user, example_id=self.kwargs[self.lookup_field], data=serializer.validated_data
        )
        return Response(self.get_serializer(example).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.example_delete(user=request.user, example_id=self.kwargs[self.lookup_field])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str | None = None, **kwargs) -> Response:
        # kwargs: `format` when called as `duplicate.json` (the router's format suffixes).
        copy = services.example_duplicate(user=request.user, example_id=pk)
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)

"""`/api/v1/` resources: examples, projects and their members, each a short viewset on api.v1.base.

Reads start from the policy (``PolicyViewSet.get_queryset``); writes call
``api.services``. Nothing here filters by owner or decides who may do what:
an invisible id is not found, in the queryset or in the service, and a
visible one the caller may not change is refused by the service.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, When
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import policy, services
from api.models import ExampleModel, Project, ProjectMembership
from api.querysets import ORDERING_FIELDS
from backend.openapi import VALIDATION_ERROR

from .base import PolicyModelViewSet, PolicyViewSet, Writes, lookup_for_action
from .filters import ExampleFilter
from .pagination import PageOrCursorPagination
from .serializers import (
    SHOWN_PROJECT,
    ExampleModelSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    ProjectSerializer,
    public_user_columns,
)


def id_parameter(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.INT,
        OpenApiParameter.PATH,
        description=f"{what} One the caller cannot see answers 404, like a missing one.",
    )


EXAMPLE_ID = id_parameter("id", "The example's id.")
PROJECT_ID = id_parameter("id", "The project's id.")
MEMBER_PROJECT_ID = id_parameter("project_id", "The project's id.")
MEMBER_USER_ID = id_parameter("user_id", "The member's user id.")

EXAMPLES = ["examples"]


def example_list_queryset(user) -> models.QuerySet:
    """The examples' rows before the policy, as ExampleModelViewSet shows them to ``user``.

    The author as a public_user in the same query: token, count and page stay
    3 queries. The project's id is shown only where the caller sees the
    project (an author removed from it sees null, as on GraphQL), decided by
    a subquery of the same query (the ``SHOWN_PROJECT`` annotation).
    Module-level so that the benchmarks' raw floor (benchmarks/views.py)
    builds the very same query.
    """
    visible_projects = Project.objects.restrict(user, policy.VIEW).order_by().values("pk")
    shown_project = Case(
        When(project_id__in=visible_projects, then=F("project_id")),
        default=None,
        output_field=models.BigIntegerField(),
    )
    return (
        ExampleModel.objects.annotate(**{SHOWN_PROJECT: shown_project})
        .select_related("user__profile")
        .only(
            "id",
            "title",
            "content",
            "project_id",
            "created_at",
            "updated_at",
            *public_user_columns("user"),
        )
    )


@extend_schema_view(
    list=extend_schema(
        tags=EXAMPLES,
        summary="List the examples the caller may see.",
        description=(
            "The caller's own examples and those of the projects they own or are a member of. "
            "Newest first unless `ordering` says otherwise; ties are always broken by id, "
            "newest first, so pages are stable. Filters combine with AND. "
            "With `cursor` (empty for the first page) the list is paged by key instead of "
            "offset: `{next, previous, results}`, no `count`, every page as cheap as the first. "
            "`updated_after` fetches what changed since a client last looked."
        ),
    ),
    create=extend_schema(
        tags=EXAMPLES,
        summary="Create an example authored by the caller.",
        description="A `user`, `owner` or `id` in the body is ignored. `project` needs the right to add to it.",
    ),
    retrieve=extend_schema(tags=EXAMPLES, summary="One example.", parameters=[EXAMPLE_ID]),
    update=extend_schema(
        tags=EXAMPLES,
        summary="Replace an example.",
        description="`title` is required; `content` and `project` are left unchanged when omitted.",
        parameters=[EXAMPLE_ID],
    ),
    partial_update=extend_schema(
        tags=EXAMPLES, summary="Change the title, content or project of an example.", parameters=[EXAMPLE_ID]
    ),
    destroy=extend_schema(tags=EXAMPLES, summary="Delete an example.", parameters=[EXAMPLE_ID]),
    duplicate=extend_schema(
        tags=EXAMPLES,
        summary="Copy an example.",
        description=(
            "The copy has the same content and the title followed by ` (copy)`, shortened to fit "
            "200 characters. It is authored by the caller, and in the same project when the "
            "caller may add to it (else in none)."
        ),
        parameters=[EXAMPLE_ID],
        request=None,
        responses={201: ExampleModelSerializer},
    ),
)
class ExampleModelViewSet(PolicyModelViewSet):
    """Examples: the caller's own and their projects'. An invisible example answers 404, like a missing one."""

    model = ExampleModel
    serializer_class = ExampleModelSerializer
    filterset_class = ExampleFilter
    ordering_fields = ORDERING_FIELDS
    # Offset pages, or keyset pages with `?cursor=` (api.keyset).
    pagination_class = PageOrCursorPagination
    writes = Writes(
        id_kwarg="example_id",
        create=services.example_create,
        update=services.example_update,
        delete=services.example_delete,
    )

    def base_queryset(self) -> models.QuerySet:
        user = None if getattr(self, "swagger_fake_view", False) else self.request.user
        return example_list_queryset(user)

    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str | None = None, **kwargs) -> Response:
        # kwargs: `format` when called as `duplicate.json` (the router's format suffixes).
        copy = services.example_duplicate(user=request.user, example_id=pk)
        return Response(self.get_serializer(self.shown(copy)).data, status=status.HTTP_201_CREATED)


PROJECTS = ["projects"]
# `?ordering=` keys of the project list (api.v1.ordering).
PROJECT_ORDERING_FIELDS = ("created_at", "updated_at", "name")


@extend_schema_view(
    list=extend_schema(
        tags=PROJECTS,
        summary="List the projects the caller owns or is a member of.",
        description=(
            "Newest first unless `ordering` says otherwise; ties are always broken by id, "
            "newest first. `role` is the caller's role on each."
        ),
    ),
    create=extend_schema(
        tags=PROJECTS,
        summary="Create a project owned by the caller.",
        description="`owner` and `role` are ignored.",
    ),
    retrieve=extend_schema(tags=PROJECTS, summary="One project.", parameters=[PROJECT_ID]),
    update=extend_schema(
        tags=PROJECTS,
        summary="Replace a project's name and description: its owner only.",
        description="`name` is required; `description` is left unchanged when omitted.",
        parameters=[PROJECT_ID],
    ),
    partial_update=extend_schema(
        tags=PROJECTS,
        summary="Change a project's name or description: its owner only.",
        parameters=[PROJECT_ID],
    ),
    destroy=extend_schema(
        tags=PROJECTS,
        summary="Delete a project: its owner only.",
        description="Its memberships go with it; its examples leave it and stay with their authors.",
        parameters=[PROJECT_ID],
    ),
)
class ProjectViewSet(PolicyModelViewSet):
    """Projects the caller owns or is a member of, with the caller's `role` on each."""

    model = Project
    serializer_class = ProjectSerializer
    ordering_fields = PROJECT_ORDERING_FIELDS
    writes = Writes(
        id_kwarg="project_id",
        create=services.project_create,
        update=services.project_update,
        delete=services.project_delete,
    )

    def base_queryset(self) -> models.QuerySet:
        # The caller's role and the owner in the page's own query: no query per row.
        user = None if getattr(self, "swagger_fake_view", False) else self.request.user
        return (
            Project.objects.with_role(user)
            .select_related("owner__profile")
            .only("id", "name", "description", "created_at", "updated_at", *public_user_columns("owner"))
        )


MEMBERS = ["members"]


@extend_schema_view(
    list=extend_schema(
        tags=MEMBERS,
        summary="The members of a project.",
        description="Anyone who can see the project sees its members (the owner is `owner` on the project).",
        parameters=[MEMBER_PROJECT_ID],
    ),
    create=extend_schema(
        tags=MEMBERS,
        summary="Add a member: the project's owner only.",
        parameters=[MEMBER_PROJECT_ID],
    ),
    partial_update=extend_schema(
        tags=MEMBERS,
        summary="Change a member's role: the project's owner only.",
        parameters=[MEMBER_PROJECT_ID, MEMBER_USER_ID],
        request=MemberRoleSerializer,
        responses={200: MemberSerializer},
    ),
    destroy=extend_schema(
        tags=MEMBERS,
        summary="Remove a member: the project's owner, or the member themself.",
        description="The owner is no member and cannot leave their own project (400 `{user: [...]}`).",
        parameters=[MEMBER_PROJECT_ID, MEMBER_USER_ID],
        responses={204: None, 400: VALIDATION_ERROR},
    ),
)
class MemberViewSet(PolicyViewSet):
    """`/projects/{project_id}/members/`: memberships of one project, by the member's user id."""

    model = ProjectMembership
    serializer_class = MemberSerializer
    # The whole list in one query; a project's members are added one by one by its owner.
    pagination_class = None
    lookup_field = "user_id"

    def project_id(self) -> str:
        return self.kwargs["project_id"]

    def base_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return ProjectMembership.objects.none()
        return (
            ProjectMembership.objects.filter(project_id=self.project_id())
            .select_related("user__profile")
            .only("id", "role", "added_at", "project_id", *public_user_columns("user"))
        )

    def project_for(self, action: str) -> Project:
        """The project of the URL if the caller may do ``action`` to it: else 404 (invisible) or 403."""
        return lookup_for_action(Project, user=self.request.user, action=action, pk=self.project_id())

    def shown_member(self, membership: ProjectMembership) -> ProjectMembership:
        return self.get_queryset().filter(pk=membership.pk).first() or membership

    def list(self, request: Request, *args, **kwargs) -> Response:
        self.project_for(policy.VIEW)  # an invisible project is a 404, not an empty list
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        self.project_for(policy.MANAGE)  # 404 or 403 before the body is read
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.member_add(
            user=request.user, project_id=self.project_id(), **serializer.validated_data
        )
        return Response(
            self.get_serializer(self.shown_member(membership)).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        self.project_for(policy.MANAGE)
        serializer = MemberRoleSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        membership = services.member_update(
            user=request.user,
            project_id=self.project_id(),
            user_id=self.object_id(),
            role=serializer.validated_data["role"],
        )
        return Response(self.get_serializer(self.shown_member(membership)).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.member_remove(user=request.user, project_id=self.project_id(), user_id=self.object_id())
        return Response(status=status.HTTP_204_NO_CONTENT)

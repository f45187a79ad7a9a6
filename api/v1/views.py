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
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import policy, services
from api.models import Comment, ExampleModel, Invitation, Project, ProjectMembership
from api.querysets import ORDERING_FIELDS, parse_pk
from backend.openapi import THROTTLED, VALIDATION_ERROR

from .base import PolicyModelViewSet, PolicyViewSet, Writes, lookup_for_action
from .filters import ExampleFilter
from .pagination import PageOrCursorPagination
from .serializers import (
    SHOWN_PROJECT,
    CommentChangeSerializer,
    CommentSerializer,
    ExampleModelSerializer,
    InvitationSerializer,
    InviteSerializer,
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
INVITATION_ID = id_parameter("id", "The invitation's id.")

COLLECTION_ACTIONS = ("list", "create")
# The viewsets api/v1/urls.py registers, in order: (prefix, viewset, basename), added by ``routed``.
ROUTES: list[tuple[str, type, str]] = []


def routed(prefix: str, basename: str):
    """Register the decorated viewset at ``/api/v1/<prefix>/`` (api/v1/urls.py reads ``ROUTES``)."""

    def register(viewset: type) -> type:
        ROUTES.append((prefix, viewset, basename))
        return viewset

    return register


def documented(tag: str, id_param: OpenApiParameter | None = None, **actions: str | dict):
    """``extend_schema_view`` for a viewset: each action a summary, or extend_schema's keywords.

    Every action gets the ``tag``; a detail action (not list or create) also gets ``id_param``.
    """
    schemas = {}
    for name, spec in actions.items():
        kwargs = {"summary": spec} if isinstance(spec, str) else dict(spec)
        kwargs.setdefault("tags", [tag])
        if id_param is not None and name not in COLLECTION_ACTIONS:
            kwargs.setdefault("parameters", [id_param])
        schemas[name] = extend_schema(**kwargs)
    return extend_schema_view(**schemas)


def paged(view, queryset: models.QuerySet) -> Response:
    """A page of ``queryset`` by the one page rule (the default paginator), as every list answers."""
    page = view.paginate_queryset(queryset)
    return view.get_paginated_response(view.get_serializer(page, many=True).data)


def invite(**kwargs) -> Invitation:
    """``services.invitation_create``, its rate limit answered as a 429 with ``Retry-After``."""
    try:
        return services.invitation_create(**kwargs)
    except services.RateLimited as exc:
        raise exceptions.Throttled(wait=exc.wait) from None


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


@routed("examples", basename="example")
@documented(
    "examples",
    EXAMPLE_ID,
    list={
        "summary": "List the examples the caller may see.",
        "description": (
            "The caller's own examples and those of the projects they own or are a member of. "
            "Newest first unless `ordering` says otherwise; ties are always broken by id, "
            "newest first, so pages are stable. Filters combine with AND. "
            "With `cursor` (empty for the first page) the list is paged by key instead of "
            "offset: `{next, previous, results}`, no `count`, every page as cheap as the first. "
            "`updated_after` fetches what changed since a client last looked."
        ),
    },
    create={
        "summary": "Create an example authored by the caller.",
        "description": "A `user`, `owner` or `id` in the body is ignored. `project` needs the right to add to it.",
    },
    retrieve="One example.",
    update={
        "summary": "Replace an example.",
        "description": "`title` is required; `content` and `project` are left unchanged when omitted.",
    },
    partial_update="Change the title, content or project of an example.",
    destroy="Delete an example.",
    duplicate={
        "summary": "Copy an example.",
        "description": (
            "The copy has the same content and the title followed by ` (copy)`, shortened to fit "
            "200 characters. It is authored by the caller, and in the same project when the "
            "caller may add to it (else in none)."
        ),
        "request": None,
        "responses": {201: ExampleModelSerializer},
    },
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


# `?ordering=` keys of the project list (api.v1.ordering).
PROJECT_ORDERING_FIELDS = ("created_at", "updated_at", "name")


@routed("projects", basename="project")
@documented(
    "projects",
    PROJECT_ID,
    list={
        "summary": "List the projects the caller owns or is a member of.",
        "description": (
            "Newest first unless `ordering` says otherwise; ties are always broken by id, "
            "newest first. `role` is the caller's role on each."
        ),
    },
    create={
        "summary": "Create a project owned by the caller.",
        "description": "`owner` and `role` are ignored.",
    },
    retrieve="One project.",
    update={
        "summary": "Replace a project's name and description: its owner only.",
        "description": "`name` is required; `description` is left unchanged when omitted.",
    },
    partial_update="Change a project's name or description: its owner only.",
    destroy={
        "summary": "Delete a project: its owner only.",
        "description": "Its memberships go with it; its examples leave it and stay with their authors.",
    },
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


@routed(r"projects/(?P<project_id>[0-9]+)/members", basename="project-member")
@documented(
    "members",
    None,
    list=dict(
        summary="The members of a project.",
        description=(
            "Anyone who can see the project sees its members (the owner is `owner` on the project), "
            "in the order they joined, a page at a time."
        ),
        parameters=[MEMBER_PROJECT_ID],
    ),
    create=dict(
        summary="Invite a user by username: the project's owner only.",
        description=(
            "Adds nobody: the user becomes a member when they accept (`/invitations/{id}/accept/`). "
            "The answer is the same 202 for any username, whether it names a user, nobody, a "
            "member or someone already invited (inviting again renews the invitation). At most "
            "`INVITATION_THROTTLE_RATE` invitations per user (20 an hour), else 429."
        ),
        parameters=[MEMBER_PROJECT_ID],
        request=InviteSerializer,
        responses={202: InviteSerializer, 429: THROTTLED},
    ),
    partial_update=dict(
        summary="Change a member's role: the project's owner only.",
        parameters=[MEMBER_PROJECT_ID, MEMBER_USER_ID],
        request=MemberRoleSerializer,
        responses={200: MemberSerializer},
    ),
    destroy=dict(
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
        return paged(self, self.get_queryset())

    def create(self, request: Request, *args, **kwargs) -> Response:
        self.project_for(policy.MANAGE)  # 404 or 403 before the body is read
        serializer = InviteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        invitation = invite(user=request.user, project_id=self.project_id(), **serializer.validated_data)
        return Response(InviteSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)

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


def invitation_rows() -> models.QuerySet:
    """Invitations (before the policy) with their project's name and the inviter's public columns, in one query."""
    return Invitation.objects.select_related("project", "invited_by__profile").only(
        "id",
        "role",
        "username",
        "created_at",
        "expires_at",
        "project__id",
        "project__name",
        *public_user_columns("invited_by"),
    )


@routed("invitations", basename="invitation")
@documented(
    "invitations",
    INVITATION_ID,
    list=dict(
        summary="The pending invitations the caller may see.",
        description=(
            "Those to the caller (until they expire) and those of the projects the caller owns "
            "(expired ones included, to cancel or renew), newest first; `project` keeps those of "
            "one project. The project of an invitation to the caller is shown by id and name only: "
            "it stays invisible everywhere else until the caller accepts. `username` is the name "
            "as the owner typed it, never whether it names anyone."
        ),
        parameters=[
            OpenApiParameter(
                "project",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                description="Only the invitations to this project (one the caller cannot see matches none).",
            )
        ],
    ),
    retrieve="One pending invitation.",
    destroy=dict(
        summary="Cancel an invitation: the project's owner only.",
        description="The invitee gets 403 (they decline instead).",
        responses={204: None},
    ),
    accept=dict(
        summary="Accept an invitation to the caller: they become a member with its role.",
        description="Returns the invitation as it was; it is gone afterwards. The project's owner gets 403.",
        request=None,
        responses={200: InvitationSerializer},
    ),
    decline=dict(
        summary="Decline an invitation to the caller.",
        description="Returns the invitation as it was; it is gone afterwards. The project's owner gets 403.",
        request=None,
        responses={200: InvitationSerializer},
    ),
)
class InvitationViewSet(PolicyViewSet):
    """`/invitations/`: pending invitations to the caller (accept, decline) and of their projects (cancel)."""

    model = Invitation
    serializer_class = InvitationSerializer

    def base_queryset(self) -> models.QuerySet:
        return invitation_rows()

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.get_queryset()
        project = request.query_params.get("project")
        if project not in (None, ""):
            key = parse_pk(project)
            if key is None:
                raise exceptions.ValidationError({"project": ["A project id (a positive integer)."]})
            queryset = queryset.filter(project_id=key)
        return paged(self, queryset)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.invitation_cancel(user=request.user, invitation_id=self.object_id())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def answered(self, service) -> Response:
        shown = self.get_queryset().filter(pk=self.object_id()).first()
        invitation = service(user=self.request.user, invitation_id=self.object_id())
        return Response(self.get_serializer(shown or invitation).data)

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None, **kwargs) -> Response:
        return self.answered(services.invitation_accept)

    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None, **kwargs) -> Response:
        return self.answered(services.invitation_decline)


def comment_rows() -> models.QuerySet:
    """Comments (before the policy) with their author's public columns, in one query."""
    columns = ("id", "example_id", "body", "created_at", "updated_at", *public_user_columns("user"))
    return Comment.objects.select_related("user__profile").only(*columns)


@routed("comments", basename="comment")
@documented(
    "comments",
    id_parameter("id", "The comment's id."),
    list="List the comments on the examples the caller may see, newest first.",
    create="Comment on an example the caller may see (any other `example` is a 400).",
    retrieve="One comment.",
    update=dict(
        summary="Replace a comment's body: its author only. `example` is read-only (set on create).",
        request=CommentChangeSerializer,
        responses=CommentSerializer,
    ),
    partial_update=dict(
        summary="Change a comment's body: its author only. `example` is read-only (set on create).",
        request=CommentChangeSerializer,
        responses=CommentSerializer,
    ),
    destroy="Delete a comment: its author or the example's project owner.",
)
class CommentViewSet(PolicyModelViewSet):
    """Comments on examples: seen by whoever sees the example."""

    model = Comment
    serializer_class = CommentSerializer
    writes = Writes(
        id_kwarg="comment_id",
        create=services.comment_create,
        update=services.comment_update,
        delete=services.comment_delete,
    )

    def get_serializer_class(self) -> type[CommentSerializer]:
        return CommentChangeSerializer if self.action in ("update", "partial_update") else CommentSerializer

    def base_queryset(self) -> models.QuerySet:
        return comment_rows()

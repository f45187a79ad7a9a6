"""GraphQL types: output types, filter, ordering, inputs and payloads.

Reads: every type of a model is built on ``graphql_api.base`` (``policy_type``):
its ``get_queryset`` is the policy's ``restrict(caller, VIEW)`` at the root and
in every nested prefetch, and its forward relations to other policy types
answer null when the caller may not see the target. ``User`` and ``Profile``
are only ever the caller (``me``); every other user is a ``PublicUser`` (id,
username, name), the only type that can be reached for another person.
"""

from __future__ import annotations

import datetime
import enum
from typing import Annotated

import strawberry
import strawberry_django
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from strawberry import UNSET, auto
from strawberry.types import Info
from strawberry_django.fields.types import OperationInfo

from api.models import (
    INVITATION_PENDING,
    OWNER_ROLE,
    Comment,
    ExampleModel,
    Invitation,
    Project,
    ProjectMembership,
    ProjectRole,
)
from api.policy import ROLE_ANNOTATION, VIEW, role_of, with_role
from api.querysets import SEARCH_MAX_LENGTH, parse_pk, search_condition
from authentication.identity import display_name
from authentication.models import Profile

from .base import PolicyType, policy_type, public_type
from .context import viewer
from .inputs import BoundedFilter, BoundedSearchText, DateTimesInUTC, RejectNulCharacters
from .pagination import OffsetPaginated, PageRule


@public_type(Profile, name="Profile")
class ProfileType:
    display_name: auto
    bio: auto
    timezone: auto
    updated_at: auto


def _display_name(root: User) -> str:
    return display_name(root)


# What display_name reads, so that listing people costs no query per row.
NAME_COLUMNS = ["username", "first_name", "last_name", "profile__display_name"]
NAME_DESCRIPTION = "Display name: the profile's, else the full name, else the username."


@public_type(User, name="User", description="The caller (`me`); nobody else is ever a User.")
class UserType:
    id: auto
    username: auto
    email: auto
    name: str = strawberry_django.field(
        resolver=_display_name, description=NAME_DESCRIPTION, only=NAME_COLUMNS, select_related=["profile"]
    )
    date_joined: auto
    profile: ProfileType


@public_type(User, name="PublicUser", description="Another user as everyone may see them.")
class PublicUserType:
    id: auto
    username: auto
    name: str = strawberry_django.field(
        resolver=_display_name, description=NAME_DESCRIPTION, only=NAME_COLUMNS, select_related=["profile"]
    )


def page_extensions() -> list:
    """What every paginated or filtered list field runs: NUL refused, search and dates bounded, pages clamped."""
    return [RejectNulCharacters(), BoundedSearchText(), BoundedFilter(), DateTimesInUTC(), PageRule()]


@strawberry.enum(name="ProjectRole", description="The caller's or a member's role on a project.")
class ProjectRoleEnum(enum.Enum):
    OWNER = OWNER_ROLE
    EDITOR = ProjectRole.EDITOR.value
    VIEWER = ProjectRole.VIEWER.value


@policy_type(ExampleModel, name="Example")
class ExampleType(PolicyType):
    id: auto
    title: auto
    content: auto
    created_at: auto
    updated_at: auto
    owner: PublicUserType = strawberry_django.field(field_name="user")
    project: ProjectType | None = strawberry_django.field(
        description="Null when the example is in no project or the caller may not see the project."
    )


def _project_role(root: Project, info: Info) -> ProjectRoleEnum:
    # Annotated by ProjectType.get_queryset in the query that loaded the project;
    # a project a mutation returns is looked up (one query, one row).
    role = getattr(root, ROLE_ANNOTATION, None) or role_of(root, viewer(info))
    return ProjectRoleEnum(role)


def _member_role(root: ProjectMembership) -> ProjectRoleEnum:
    return ProjectRoleEnum(root.role)


@policy_type(ProjectMembership, name="ProjectMember")
class ProjectMemberType(PolicyType):
    user: PublicUserType
    role: ProjectRoleEnum = strawberry_django.field(resolver=_member_role, only=["role"])
    added_at: auto


@public_type(
    Project,
    name="InvitedProject",
    description="The project an invitation is to: id and name only, reached through the invitation.",
)
class InvitedProjectType:
    id: auto
    name: auto


def _invitation_role(root: Invitation) -> ProjectRoleEnum:
    return ProjectRoleEnum(root.role)


def _invitation_status() -> str:
    return INVITATION_PENDING


@policy_type(
    Invitation,
    name="Invitation",
    description=(
        "A pending invitation: seen by its invitee (until it expires) and by the project's owner. "
        "`username` is the name as the owner typed it; nothing tells whether it names anyone."
    ),
)
class InvitationType(PolicyType):
    id: auto
    username: auto
    role: ProjectRoleEnum = strawberry_django.field(resolver=_invitation_role, only=["role"])
    status: str = strawberry_django.field(
        resolver=_invitation_status, only=["id"], description='Always "pending".'
    )
    project: InvitedProjectType
    invited_by: PublicUserType
    created_at: auto
    expires_at: datetime.datetime = strawberry_django.field(description="After this it cannot be accepted.")


@policy_type(Project, name="Project")
class ProjectType(PolicyType):
    id: auto
    name: auto
    description: auto
    owner: PublicUserType
    role: ProjectRoleEnum = strawberry_django.field(
        resolver=_project_role, only=["owner"], description="The caller's role on this project."
    )
    members: OffsetPaginated[ProjectMemberType] = strawberry_django.offset_paginated(
        field_name="memberships",
        extensions=[PageRule()],
        description="Everyone who accepted the owner's invitation (not the owner), in the order they joined.",
    )
    invitations: OffsetPaginated[InvitationType] = strawberry_django.offset_paginated(
        field_name="invitations",
        extensions=[PageRule()],
        description="The project's pending invitations: all of them for its owner, none for a member.",
    )
    examples: OffsetPaginated[ExampleType] = strawberry_django.offset_paginated(
        field_name="examples",
        extensions=page_extensions(),
        description="The project's examples the caller may see, newest first.",
    )
    created_at: auto
    updated_at: auto

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs) -> QuerySet:
        # The caller's role in the same query, as a subquery (no query per project).
        return with_role(super().get_queryset(queryset, info, **kwargs), viewer(info))


@strawberry.input(
    description=(
        "Text lookups; null skips the lookup. There is deliberately no regular-expression "
        "lookup: a pattern is a way to burn the server's CPU."
    )
)
class TextFilterLookup:
    exact: str | None = strawberry_django.filter_field(description="Exact match.")
    i_exact: str | None = strawberry_django.filter_field(description="Case-insensitive exact match.")
    contains: str | None = strawberry_django.filter_field(description="Case-sensitive containment.")
    i_contains: str | None = strawberry_django.filter_field(description="Case-insensitive containment.")
    starts_with: str | None = strawberry_django.filter_field(description="Case-sensitive prefix.")
    i_starts_with: str | None = strawberry_django.filter_field(description="Case-insensitive prefix.")
    ends_with: str | None = strawberry_django.filter_field(description="Case-sensitive suffix.")
    i_ends_with: str | None = strawberry_django.filter_field(description="Case-insensitive suffix.")


@strawberry.input(description="Date-time lookups; null skips the lookup.")
class DateTimeFilterLookup:
    exact: datetime.datetime | None = strawberry_django.filter_field(description="Exactly this instant.")
    gt: datetime.datetime | None = strawberry_django.filter_field(description="After.")
    gte: datetime.datetime | None = strawberry_django.filter_field(description="At or after.")
    lt: datetime.datetime | None = strawberry_django.filter_field(description="Before.")
    lte: datetime.datetime | None = strawberry_django.filter_field(description="At or before.")


@strawberry_django.filter_type(ExampleModel, name="ExampleFilter")
class ExampleFilter:
    title: TextFilterLookup | None = strawberry_django.filter_field()
    created_at: DateTimeFilterLookup | None = strawberry_django.filter_field()
    updated_at: DateTimeFilterLookup | None = strawberry_django.filter_field(
        description=(
            "Sync: `{gte: <the largest updatedAt seen>}` fetches what was created or edited since "
            "(REST's `updated_after`). Deleted examples do not appear."
        )
    )

    @strawberry_django.filter_field(
        description=(
            "Only examples in this project (REST's `project`). A project the caller cannot see "
            "matches nothing, like one that does not exist."
        )
    )
    def project(self, value: strawberry.ID, prefix: str, info: Info) -> Q:
        # As REST's filter: through the policy, as a subquery of the same query.
        pk = parse_pk(value)
        if pk is None:
            return Q(pk__in=[])
        visible = Project.objects.restrict(viewer(info), VIEW).order_by().values("pk")
        return Q(**{f"{prefix}project_id": pk, f"{prefix}project_id__in": visible})

    @strawberry_django.filter_field(
        description=(
            "Examples matching these words (REST's `search`): on PostgreSQL full-text search over "
            'title and content (web search syntax: words, `"a phrase"`, `or`, `-word`; words are '
            "stemmed; in `examples` without `ordering`, best match first), on SQLite the title "
            "contains the text (case-insensitive). At most "
            f"{SEARCH_MAX_LENGTH} characters, as every text of a filter (longer: BAD_USER_INPUT); "
            "at most SEARCH_MAX_TERMS words (default 8) across every `search` of one filter "
            "(SEARCH_TERM_LIMIT_EXCEEDED), and at most GRAPHQL_MAX_FILTER_BRANCHES AND/OR/NOT "
            "(default 8; FILTER_BRANCH_LIMIT_EXCEEDED)."
        )
    )
    def search(self, value: str, prefix: str) -> Q:
        # The core's condition, so both surfaces match exactly the same rows.
        return search_condition(value)


@strawberry_django.order_type(ExampleModel, name="ExampleOrder")
class ExampleOrder:
    """One key per list item; ties are always broken by id, newest first."""

    created_at: auto
    updated_at: auto
    title: auto


@strawberry.input(name="ExampleInput")
class ExampleInput:
    title: str
    content: str = ""
    project_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="A project the caller may add to (owner or editor); omitted or null: none."
    )


@strawberry.input(
    name="ExamplePartialInput",
    description=(
        "`id` picks the example; omitted fields are kept; `projectId: null` takes it out of its project. "
        "Taking it out of its project (to another or to none) needs the right to delete it there (its "
        "author or the project's owner), else PERMISSION; its current project again is no change."
    ),
)
class ExamplePartialInput:
    id: strawberry.ID
    title: str | None = UNSET
    content: str | None = UNSET
    project_id: strawberry.ID | None = UNSET


@strawberry.input(name="ProjectInput")
class ProjectInput:
    name: str
    description: str = ""


@strawberry.input(name="ProjectPartialInput", description="`id` picks the project; omitted fields are kept.")
class ProjectPartialInput:
    id: strawberry.ID
    name: str | None = UNSET
    description: str | None = UNSET


@strawberry.input(
    name="ProjectMemberInput", description="Who (by username) gets which role on which project."
)
class ProjectMemberInput:
    project_id: strawberry.ID
    username: str
    role: ProjectRoleEnum


@strawberry.input(name="ProfileInput", description="Omitted fields are kept.")
class ProfileInput:
    display_name: str | None = UNSET
    bio: str | None = UNSET
    timezone: str | None = UNSET


@policy_type(Comment, name="Comment", description="A remark on an example, seen by whoever sees the example.")
class CommentType(PolicyType):
    id: auto
    body: auto
    example: ExampleType
    owner: PublicUserType = strawberry_django.field(field_name="user", description="The author.")
    created_at: auto
    updated_at: auto


@strawberry.input(name="CommentInput")
class CommentInput:
    example_id: strawberry.ID = strawberry.field(description="An example the caller may see.")
    body: str


@strawberry.input(
    name="CommentPartialInput", description="`id` picks the comment; its author changes `body`."
)
class CommentPartialInput:
    id: strawberry.ID
    body: str | None = UNSET


CommentPayload = Annotated[CommentType | OperationInfo, strawberry.union("CommentPayload")]
ExamplePayload = Annotated[ExampleType | OperationInfo, strawberry.union("ExamplePayload")]
ProfilePayload = Annotated[ProfileType | OperationInfo, strawberry.union("ProfilePayload")]
ProjectPayload = Annotated[ProjectType | OperationInfo, strawberry.union("ProjectPayload")]
ProjectMemberPayload = Annotated[ProjectMemberType | OperationInfo, strawberry.union("ProjectMemberPayload")]
InvitationPayload = Annotated[InvitationType | OperationInfo, strawberry.union("InvitationPayload")]


def given_fields(data: object, names: tuple[str, ...]) -> dict[str, object]:
    """The input's fields the client actually sent (UNSET ones are left out)."""
    return {name: getattr(data, name) for name in names if getattr(data, name) is not UNSET}

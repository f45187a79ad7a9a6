"""Root queries. They pick rows by id or filter; the types' ``get_queryset`` (the policy) decides visibility."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import UNSET
from strawberry.types import Info
from strawberry_django.pagination import OffsetPaginationInput

from api.models import ExampleModel, Invitation, Project
from api.querysets import parse_pk
from audit.graphql import HISTORY_DESCRIPTION, AuditEntryConnection, resolve_history

from .connection import ExampleConnection
from .context import viewer
from .inputs import BoundedFilter, BoundedSearchText, DateTimesInUTC, RejectNulCharacters
from .pagination import OffsetPaginated, PageRule
from .types import ExampleFilter, ExampleOrder, ExampleType, InvitationType, ProjectType, UserType


def resolve_example(info: Info, id: strawberry.ID) -> QuerySet:
    # Returned as a queryset: strawberry-django applies the type's get_queryset
    # (visible_to) and the optimizer, then takes .first(), so a missing id and
    # someone else's id both answer null.
    pk = parse_pk(id)
    examples = ExampleModel.objects.all()
    return examples.filter(pk=pk) if pk is not None else examples.none()


def resolve_project(info: Info, id: strawberry.ID) -> QuerySet:
    # As resolve_example: ProjectType.get_queryset (the policy) makes an
    # invisible project answer like a missing one.
    pk = parse_pk(id)
    projects = Project.objects.all()
    return projects.filter(pk=pk) if pk is not None else projects.none()


def resolve_projects(pagination: OffsetPaginationInput | None = UNSET) -> QuerySet:
    return Project.objects.all()


def resolve_invitations(pagination: OffsetPaginationInput | None = UNSET) -> QuerySet:
    return Invitation.objects.all()


def resolve_me(info: Info) -> UserType | None:
    user = viewer(info)
    return user if user.is_authenticated else None


def resolve_examples(
    filters: ExampleFilter | None = UNSET,
    ordering: list[ExampleOrder] | None = UNSET,
    pagination: OffsetPaginationInput | None = UNSET,
) -> QuerySet:
    # The arguments are declared here only to fix their order and nullability
    # in the schema; strawberry-django applies them to the returned queryset
    # (filters, ordering) after the type's get_queryset (visible_to), and cuts
    # the page PageRule allowed. A top-level `search` without `ordering` is
    # ranked, best match first, as REST's offset pages (api.search).
    examples = ExampleModel.objects.all()
    term = getattr(filters, "search", None) if filters else None
    if isinstance(term, str) and not ordering:
        examples = examples.ranked_by(term)
    return examples


def resolve_examples_connection(
    filters: ExampleFilter | None = UNSET,
    ordering: list[ExampleOrder] | None = UNSET,
) -> QuerySet:
    # As resolve_examples: strawberry-django applies the policy (the type's
    # get_queryset), the filters and the ordering; ExampleConnection cuts the page.
    return ExampleModel.objects.all()


@strawberry.type
class Query:
    history: AuditEntryConnection = strawberry.field(
        resolver=resolve_history, description=HISTORY_DESCRIPTION
    )
    me: UserType | None = strawberry.field(
        resolver=resolve_me, description="The caller; null when anonymous."
    )
    example: ExampleType | None = strawberry_django.field(
        resolver=resolve_example,
        description="An example the caller may see; null when missing or not visible.",
    )
    examples: OffsetPaginated[ExampleType] = strawberry_django.offset_paginated(
        resolver=resolve_examples,
        extensions=[
            RejectNulCharacters(),
            BoundedSearchText(),
            BoundedFilter(),
            DateTimesInUTC(),
            PageRule(),
        ],
        filters=ExampleFilter,
        ordering=ExampleOrder,
        description=(
            "The examples the caller may see (their own and their projects'), "
            "newest first unless `ordering` says otherwise."
        ),
    )
    examples_connection: ExampleConnection = strawberry_django.connection(
        resolver=resolve_examples_connection,
        extensions=[RejectNulCharacters(), BoundedSearchText(), BoundedFilter(), DateTimesInUTC()],
        filters=ExampleFilter,
        ordering=ExampleOrder,
        description=(
            "The examples the caller may see, paged by cursor (keyset): `first`/`after` forward, "
            "`last`/`before` backward, 20 by default and at most 100 (larger is clamped). "
            "Ordered by `createdAt` or `updatedAt` (either direction; ties by id in the same "
            "direction), newest first by default. A cursor is bound to the caller, the filters "
            "and the ordering it was made for: BAD_USER_INPUT with `reason` INVALID_CURSOR "
            "(altered) or CURSOR_MISMATCH (other filters). A project's examples: "
            "`filters: {project: ID}`."
        ),
    )
    project: ProjectType | None = strawberry_django.field(
        resolver=resolve_project,
        description="A project the caller owns or is a member of; null when missing or not visible.",
    )
    projects: OffsetPaginated[ProjectType] = strawberry_django.offset_paginated(
        resolver=resolve_projects,
        extensions=[
            RejectNulCharacters(),
            BoundedSearchText(),
            BoundedFilter(),
            DateTimesInUTC(),
            PageRule(),
        ],
        description="The projects the caller owns or is a member of, newest first.",
    )
    invitations: OffsetPaginated[InvitationType] = strawberry_django.offset_paginated(
        resolver=resolve_invitations,
        extensions=[PageRule()],
        description=(
            "The pending invitations the caller may see: those to them (until they expire; accept or "
            "decline them) and those of the projects they own, newest first."
        ),
    )

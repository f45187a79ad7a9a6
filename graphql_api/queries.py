"""Root queries. They pick rows by id or filter; the types' ``get_queryset`` (the policy) decides visibility."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
import strawberry_django
from django.db.models import Model, QuerySet
from strawberry import UNSET
from strawberry.types import Info
from strawberry_django.pagination import OffsetPaginationInput

from api.models import Comment, ExampleModel, Invitation, Project
from api.querysets import parse_pk
from audit.graphql import HISTORY_DESCRIPTION, AuditEntryConnection, resolve_history

from .connection import ExampleConnection
from .context import viewer
from .inputs import BoundedFilter, BoundedSearchText, DateTimesInUTC, RejectNulCharacters
from .pagination import OffsetPaginated, PageRule
from .types import (
    CommentType,
    ExampleFilter,
    ExampleOrder,
    ExampleType,
    InvitationType,
    ProjectType,
    UserType,
    page_extensions,
)


def by_id(model: type[Model]) -> Callable[..., QuerySet]:
    """A root field's resolver of one ``model`` row by ``id``.

    Returned as a queryset: strawberry-django applies the type's get_queryset
    (the policy) and the optimizer, then takes .first(), so a missing id and
    an invisible one both answer null.
    """

    def resolve(info: Info, id: strawberry.ID) -> QuerySet:
        pk = parse_pk(id)
        rows = model._default_manager.all()
        return rows.filter(pk=pk) if pk is not None else rows.none()

    return resolve


def every(model: type[Model]) -> Callable[..., QuerySet]:
    """A paginated root field's resolver: all ``model`` rows, which the type's get_queryset restricts."""

    def resolve(pagination: OffsetPaginationInput | None = UNSET) -> QuerySet:
        return model._default_manager.all()

    return resolve


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
        resolver=by_id(ExampleModel),
        description="An example the caller may see; null when missing or not visible.",
    )
    examples: OffsetPaginated[ExampleType] = strawberry_django.offset_paginated(
        resolver=resolve_examples,
        extensions=page_extensions(),
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
        resolver=by_id(Project),
        description="A project the caller owns or is a member of; null when missing or not visible.",
    )
    projects: OffsetPaginated[ProjectType] = strawberry_django.offset_paginated(
        resolver=every(Project),
        extensions=page_extensions(),
        description="The projects the caller owns or is a member of, newest first.",
    )
    invitations: OffsetPaginated[InvitationType] = strawberry_django.offset_paginated(
        resolver=every(Invitation),
        extensions=[PageRule()],
        description=(
            "The pending invitations the caller may see: those to them (until they expire; accept or "
            "decline them) and those of the projects they own, newest first."
        ),
    )
    comment: CommentType | None = strawberry_django.field(
        resolver=by_id(Comment), description="A comment the caller may see; null when missing or not visible."
    )
    comments: OffsetPaginated[CommentType] = strawberry_django.offset_paginated(
        resolver=every(Comment),
        extensions=page_extensions(),
        description="The comments on the examples the caller may see, newest first.",
    )

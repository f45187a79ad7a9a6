"""Root queries. They pick rows by id or filter; ``ExampleType.get_queryset`` decides visibility."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import UNSET
from strawberry.types import Info
from strawberry_django.pagination import OffsetPaginated, OffsetPaginationInput

from api.models import ExampleModel
from api.querysets import parse_pk

from .context import viewer
from .inputs import BoundedSearchText, DateTimesInUTC, RejectNulCharacters
from .pagination import PageRule
from .types import ExampleFilter, ExampleOrder, ExampleType, UserType


def resolve_example(info: Info, id: strawberry.ID) -> QuerySet:
    # Returned as a queryset: strawberry-django applies the type's get_queryset
    # (visible_to) and the optimizer, then takes .first(), so a missing id and
    # someone else's id both answer null.
    pk = parse_pk(id)
    examples = ExampleModel.objects.all()
    return examples.filter(pk=pk) if pk is not None else examples.none()


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
    # the page PageRule allowed.
    return ExampleModel.objects.all()


@strawberry.type
class Query:
    me: UserType | None = strawberry.field(
        resolver=resolve_me, description="The caller; null when anonymous."
    )
    example: ExampleType | None = strawberry_django.field(
        resolver=resolve_example,
        description="One of the caller's examples; null when missing or not the caller's.",
    )
    examples: OffsetPaginated[ExampleType] = strawberry_django.offset_paginated(
        resolver=resolve_examples,
        extensions=[RejectNulCharacters(), BoundedSearchText(), DateTimesInUTC(), PageRule()],
        filters=ExampleFilter,
        ordering=ExampleOrder,
        description="The caller's examples, newest first unless `ordering` says otherwise.",
    )

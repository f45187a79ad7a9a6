"""GraphQL types: output types, filter, ordering, inputs and payloads.

Reads: every ``Example`` the schema hands out, at the root or nested, comes
from a queryset that went through ``ExampleType.get_queryset``, which is
``visible_to(caller)``. strawberry-django runs that hook for root fields and
for the prefetches the optimizer builds for nested fields (NetBox #17310 is
what happens when a nested list skips it). ``User`` and ``Profile`` are only
reachable as ``me`` (the caller) and as ``Example.owner`` (the owner of an
example the caller can see, i.e. the caller), so they need no rule of their own.
"""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
import strawberry_django
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from strawberry import UNSET, auto
from strawberry.types import Info
from strawberry_django.fields.types import OperationInfo

from api.models import ExampleModel
from api.querysets import SEARCH_MAX_LENGTH, ExampleQuerySet, search_condition
from authentication.identity import display_name
from authentication.models import Profile

from .column_field import ColumnField
from .context import viewer


@strawberry_django.type(Profile, name="Profile", field_cls=ColumnField)
class ProfileType:
    display_name: auto
    bio: auto
    timezone: auto
    updated_at: auto


def _display_name(root: User) -> str:
    return display_name(root)


@strawberry_django.type(User, name="User", field_cls=ColumnField)
class UserType:
    id: auto
    username: auto
    email: auto
    name: str = strawberry_django.field(
        resolver=_display_name,
        description="Display name: the profile's, else the full name, else the username.",
        # What display_name reads, so that listing owners costs no query per row.
        only=["username", "first_name", "last_name", "profile__display_name"],
        select_related=["profile"],
    )
    date_joined: auto
    profile: ProfileType


@strawberry_django.type(ExampleModel, name="Example", field_cls=ColumnField)
class ExampleType:
    id: auto
    title: auto
    content: auto
    created_at: auto
    updated_at: auto
    owner: UserType = strawberry_django.field(field_name="user")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs) -> QuerySet:
        # The one read rule. Called as a plain function so that it holds for
        # any queryset it is handed (nested prefetches start from the default
        # manager with prefetch_custom_queryset, from the base manager without,
        # whose querysets are not ExampleQuerySets); it only needs .filter()/.none().
        return ExampleQuerySet.visible_to(queryset, viewer(info))


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

    @strawberry_django.filter_field(
        description=(
            "Title or content contains this text, case-insensitively (REST's `search`). "
            f"At most {SEARCH_MAX_LENGTH} characters, as every text of a filter (longer: BAD_USER_INPUT)."
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


@strawberry.input(name="ExamplePartialInput", description="`id` picks the example; omitted fields are kept.")
class ExamplePartialInput:
    id: strawberry.ID
    title: str | None = UNSET
    content: str | None = UNSET


@strawberry.input(name="ProfileInput", description="Omitted fields are kept.")
class ProfileInput:
    display_name: str | None = UNSET
    bio: str | None = UNSET
    timezone: str | None = UNSET


ExamplePayload = Annotated[ExampleType | OperationInfo, strawberry.union("ExamplePayload")]
ProfilePayload = Annotated[ProfileType | OperationInfo, strawberry.union("ProfilePayload")]


def given_fields(data: object, names: tuple[str, ...]) -> dict[str, object]:
    """The input's fields the client actually sent (UNSET ones are left out)."""
    return {name: getattr(data, name) for name in names if getattr(data, name) is not UNSET}

"""The graphene-django reference: the read queries of CONTRACT.md, answered a second way.

Never served by the product nor imported by it: the reference server
(reference.urls, in reference/.venv) serves ``schema`` at /graphql/ behind a
view that sets ``request.user`` from the token. The generated parity tests send
the same query text and variables to it and to the Strawberry schema over HTTP
(and compare both with REST); the benchmarks drive it with wrk. So:

- the caller is ``info.context.user`` (graphene-django's convention: the
  context is the Django request);
- every ``Example`` comes from ``ExampleModel.objects.visible_to(user)``
  (``ExampleType.get_queryset``); ``me`` is the caller and ``owner`` is the
  owner of a visible example, i.e. the caller;
- filters, ordering and pages follow the core: ``search_condition``,
  ``ORDERING_FIELDS`` with the ``DEFAULT_ORDERING`` id tiebreak, and
  ``api.paging.parse_page``; the filter combinators (``AND``, ``OR``, ``NOT``,
  ``DISTINCT``) combine as strawberry-django combines them;
- it is a fair reference, not a strawman: a list costs two queries (count and
  page), with the owner and profile joined in only when ``owner`` is asked for,
  and only the columns the types read.

Differences that are not about data: anonymous callers get ``me: null`` and
no rows here (``visible_to`` of an anonymous user is empty), where the
Strawberry schema refuses the operation with UNAUTHENTICATED; and
``ExampleOrder`` is checked for one key per item in the resolver, since
graphql-core 3.2 has no ``@oneOf``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import graphene
from django.contrib.auth.models import User
from django.db.models import F, Q, QuerySet
from graphene.utils.str_converters import to_camel_case
from graphene_django import DjangoObjectType
from graphene_django.registry import Registry
from graphql import FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode

from api.datetimes import DateTimeOutOfRange, as_utc
from api.models import ExampleModel
from api.paging import PageError, parse_page
from api.querysets import DEFAULT_ORDERING, ORDERING_FIELDS, ExampleQuerySet, parse_pk, search_condition
from authentication.identity import display_name
from authentication.models import Profile

BAD_USER_INPUT = "BAD_USER_INPUT"
NUL_MESSAGE = "Text may not contain NUL (\\u0000) characters."
ONE_KEY_MESSAGE = "Each ExampleOrder item must set exactly one key."
TIEBREAK = DEFAULT_ORDERING[-1]
# The columns the types below read, so that a page is one query with no deferred loads.
EXAMPLE_COLUMNS = ("id", "title", "content", "created_at", "updated_at", "user_id")
OWNER_COLUMNS = (
    "user__id",
    "user__username",
    "user__email",
    "user__first_name",
    "user__last_name",
    "user__date_joined",
    "user__profile__id",
    "user__profile__user_id",
    "user__profile__display_name",
    "user__profile__bio",
    "user__profile__timezone",
    "user__profile__updated_at",
)
TEXT_LOOKUPS = {
    "exact": "exact",
    "i_exact": "iexact",
    "contains": "contains",
    "i_contains": "icontains",
    "starts_with": "startswith",
    "i_starts_with": "istartswith",
    "ends_with": "endswith",
    "i_ends_with": "iendswith",
}
DATETIME_LOOKUPS = ("exact", "gt", "gte", "lt", "lte")

# A registry of its own: other DjangoObjectTypes for these models elsewhere
# (a benchmark, a test) neither see nor replace these.
REGISTRY = Registry()


def viewer(info):
    return info.context.user


def bad_input(message: str, field: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT, "field": field})


# Output types


class ProfileType(DjangoObjectType):
    class Meta:
        model = Profile
        name = "Profile"
        fields = ("display_name", "bio", "timezone", "updated_at")
        registry = REGISTRY


class UserType(DjangoObjectType):
    name = graphene.String(
        required=True, description="Display name: the profile's, else the full name, else the username."
    )
    profile = graphene.Field(ProfileType, required=True)

    class Meta:
        model = User
        name = "User"
        fields = ("id", "username", "email", "date_joined")
        registry = REGISTRY

    @staticmethod
    def resolve_name(root: User, info) -> str:
        return display_name(root)

    @staticmethod
    def resolve_profile(root: User, info) -> Profile:
        return root.profile


class ExampleType(DjangoObjectType):
    owner = graphene.Field(UserType, required=True)

    class Meta:
        model = ExampleModel
        name = "Example"
        fields = ("id", "title", "content", "created_at", "updated_at")
        registry = REGISTRY

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        # The one read rule (called as a plain function, so any queryset of
        # the model will do, as in graphql_api.types.ExampleType).
        return ExampleQuerySet.visible_to(queryset, viewer(info))

    @staticmethod
    def resolve_owner(root: ExampleModel, info) -> User:
        return root.user


class OffsetPaginationInfo(graphene.ObjectType):
    offset = graphene.Int(required=True)
    limit = graphene.Int()


class ExampleOffsetPaginated(graphene.ObjectType):
    """A page, evaluated lazily: only the parts a query selects cost a query."""

    total_count = graphene.Int(required=True, description="Total count of existing results.")
    results = graphene.List(graphene.NonNull(ExampleType), required=True)
    page_info = graphene.Field(OffsetPaginationInfo, required=True)

    @staticmethod
    def resolve_total_count(root: dict, info) -> int:
        return root["queryset"].count()

    @staticmethod
    def resolve_results(root: dict, info) -> list[ExampleModel]:
        start = root["page"].offset
        return list(root["queryset"][start : start + root["page"].limit])

    @staticmethod
    def resolve_page_info(root: dict, info) -> OffsetPaginationInfo:
        return OffsetPaginationInfo(offset=root["page"].offset, limit=root["page"].limit)


# Inputs (the same names and shapes as schema.graphql)


class TextFilterLookup(graphene.InputObjectType):
    exact = graphene.String()
    i_exact = graphene.String()
    contains = graphene.String()
    i_contains = graphene.String()
    starts_with = graphene.String()
    i_starts_with = graphene.String()
    ends_with = graphene.String()
    i_ends_with = graphene.String()


class DateTimeFilterLookup(graphene.InputObjectType):
    exact = graphene.DateTime()
    gt = graphene.DateTime()
    gte = graphene.DateTime()
    lt = graphene.DateTime()
    lte = graphene.DateTime()


class ExampleFilter(graphene.InputObjectType):
    title = graphene.InputField(TextFilterLookup)
    created_at = graphene.InputField(DateTimeFilterLookup)
    AND = graphene.InputField(lambda: ExampleFilter, name="AND")
    OR = graphene.InputField(lambda: ExampleFilter, name="OR")
    NOT = graphene.InputField(lambda: ExampleFilter, name="NOT")
    DISTINCT = graphene.Boolean(name="DISTINCT")
    search = graphene.String(
        description="Title or content contains this text, case-insensitively (REST's `search`)."
    )


class Ordering(graphene.Enum):
    ASC = "ASC"
    ASC_NULLS_FIRST = "ASC_NULLS_FIRST"
    ASC_NULLS_LAST = "ASC_NULLS_LAST"
    DESC = "DESC"
    DESC_NULLS_FIRST = "DESC_NULLS_FIRST"
    DESC_NULLS_LAST = "DESC_NULLS_LAST"


# One optional key per orderable field of the core.
ExampleOrder = type(
    "ExampleOrder",
    (graphene.InputObjectType,),
    {name: graphene.InputField(Ordering) for name in ORDERING_FIELDS},
)


class OffsetPaginationInput(graphene.InputObjectType):
    offset = graphene.Int(required=True, default_value=0)
    limit = graphene.Int()


# Argument handling


def _check_nul(value: Any, path: str) -> None:
    """PostgreSQL refuses NUL in text parameters: a client error, as in the Strawberry schema."""
    if isinstance(value, str):
        if "\x00" in value:
            raise bad_input(NUL_MESSAGE, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_nul(item, f"{path}.{to_camel_case(key)}")


def _as_utc(moment: dt.datetime, path: str) -> dt.datetime:
    """The core's rule (api.datetimes); out of range is a client error, as in the Strawberry schema."""
    try:
        return as_utc(moment)
    except DateTimeOutOfRange as error:
        raise bad_input(str(error), path) from None


def filter_condition(filters: dict, path: str) -> tuple[Q, bool]:
    """The condition of one ExampleFilter and whether it asks for DISTINCT.

    Field lookups, AND, NOT and search are ANDed together; OR is applied
    last, to everything else (strawberry-django's order); null skips a key.
    """
    q = Q()
    title = filters.get("title")
    if title is not None:
        for name, lookup in TEXT_LOOKUPS.items():
            if title.get(name) is not None:
                q &= Q(**{f"title__{lookup}": title[name]})
    created_at = filters.get("created_at")
    if created_at is not None:
        for name in DATETIME_LOOKUPS:
            if created_at.get(name) is not None:
                moment = _as_utc(created_at[name], f"{path}.createdAt.{name}")
                q &= Q(**{f"created_at__{name}": moment})
    subfilters = {
        name: filter_condition(filters[name], f"{path}.{name}")
        for name in ("AND", "NOT", "OR")
        if filters.get(name) is not None
    }
    if "AND" in subfilters:
        q &= subfilters["AND"][0]
    if "NOT" in subfilters:
        q &= ~subfilters["NOT"][0]
    if filters.get("search") is not None:
        q &= search_condition(filters["search"])
    if "OR" in subfilters:
        q |= subfilters["OR"][0]
    distinct = any(sub_distinct for _q, sub_distinct in subfilters.values())
    return q, distinct or bool(filters.get("DISTINCT"))


def order_keys(ordering: list[dict]) -> list:
    keys = []
    for item in ordering:
        given = [(name, value) for name, value in item.items() if value is not None]
        if len(given) != 1:
            raise GraphQLError(ONE_KEY_MESSAGE)
        name, value = given[0]
        direction = getattr(value, "value", value)
        nulls_first = True if "NULLS_FIRST" in direction else None
        nulls_last = True if "NULLS_LAST" in direction else None
        expression = F(name)
        keys.append(
            expression.asc(nulls_first=nulls_first, nulls_last=nulls_last)
            if direction.startswith("ASC")
            else expression.desc(nulls_first=nulls_first, nulls_last=nulls_last)
        )
    return keys


def _selections(info, node, fragments) -> list[FieldNode]:
    """The fields directly under ``node``, fragments included."""
    found = []
    for selection in node.selection_set.selections if node.selection_set else ():
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found.extend(_selections(info, selection, fragments))
        elif isinstance(selection, FragmentSpreadNode):
            found.extend(_selections(info, fragments[selection.name.value], fragments))
    return found


def _asks_for_owner(info, *path: str) -> bool:
    """Whether the query selects ``owner`` on the examples below ``path`` (join it in if so)."""
    nodes = list(info.field_nodes)
    for name in path:
        nodes = [
            child
            for node in nodes
            for child in _selections(info, node, info.fragments)
            if child.name.value == name
        ]
    return any(
        child.name.value == "owner" for node in nodes for child in _selections(info, node, info.fragments)
    )


def _read_columns(queryset: QuerySet, with_owner: bool) -> QuerySet:
    if with_owner:
        return queryset.select_related("user__profile").only(*EXAMPLE_COLUMNS, *OWNER_COLUMNS)
    return queryset.only(*EXAMPLE_COLUMNS)


# Root


class Query(graphene.ObjectType):
    me = graphene.Field(UserType, description="The caller; null when anonymous.")
    example = graphene.Field(
        ExampleType,
        id=graphene.ID(required=True),
        description="One of the caller's examples; null when missing or not the caller's.",
    )
    examples = graphene.Field(
        ExampleOffsetPaginated,
        required=True,
        filters=graphene.Argument(ExampleFilter),
        ordering=graphene.Argument(graphene.List(graphene.NonNull(ExampleOrder))),
        pagination=graphene.Argument(OffsetPaginationInput),
        description="The caller's examples, newest first unless `ordering` says otherwise.",
    )

    @staticmethod
    def resolve_me(root, info) -> User | None:
        user = viewer(info)
        return user if user.is_authenticated else None

    @staticmethod
    def resolve_example(root, info, id: str) -> ExampleModel | None:
        pk = parse_pk(id)
        if pk is None:
            return None
        queryset = ExampleType.get_queryset(ExampleModel.objects.filter(pk=pk), info)
        return _read_columns(queryset, _asks_for_owner(info)).first()

    @staticmethod
    def resolve_examples(root, info, filters=None, ordering=None, pagination=None) -> dict:
        _check_nul(filters, "filters")
        pagination = pagination or {}
        try:
            page = parse_page(pagination.get("limit"), pagination.get("offset"))
        except PageError as error:
            raise bad_input(error.message, f"pagination.{error.field}") from None
        queryset = ExampleType.get_queryset(ExampleModel.objects.all(), info)
        if filters is not None:
            condition, distinct = filter_condition(filters, "filters")
            queryset = queryset.filter(condition) if condition else queryset
            queryset = queryset.distinct() if distinct else queryset
        if ordering:
            queryset = queryset.order_by(*order_keys(ordering), TIEBREAK)
        return {"queryset": _read_columns(queryset, _asks_for_owner(info, "results")), "page": page}


schema = graphene.Schema(query=Query)

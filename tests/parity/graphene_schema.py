"""A graphene-django reference schema (a stand-in until the Proof issue's lands here).

Same query text as the Strawberry schema for ``me``, ``example(id)`` and
``examples(filters, ordering, pagination) { totalCount results {...} pageInfo {...} }``.
Resolvers read the caller from ``info.context.user`` (``info.context`` is the
Django request) and every row through ``visible_to``; pages follow
``api.paging.parse_page``. Written plainly, the way a careful graphene-django
user would: ``only()`` the columns a row type can return, no per-row queries.
The benchmarks mount it (``benchmarks.urls``); the product never does.
"""

from __future__ import annotations

import graphene
from graphene_django import DjangoObjectType
from graphql import GraphQLError

from api.models import ExampleModel
from api.paging import PageError, parse_page
from api.querysets import DEFAULT_ORDERING, ORDERING_FIELDS, parse_pk, search_condition
from authentication.models import User

EXAMPLE_COLUMNS = ("id", "title", "content", "created_at", "updated_at")


def _viewer(info):
    user = info.context.user
    if not user.is_authenticated:
        raise GraphQLError("Authentication required.", extensions={"code": "UNAUTHENTICATED"})
    return user


class UserNode(DjangoObjectType):
    name = graphene.String(required=True)

    class Meta:
        model = User
        name = "User"
        fields = ("id", "username", "email", "date_joined")

    @staticmethod
    def resolve_name(root: User, info) -> str:
        return root.name


class ExampleNode(DjangoObjectType):
    owner = graphene.Field(UserNode, required=True)

    class Meta:
        model = ExampleModel
        name = "Example"
        fields = EXAMPLE_COLUMNS

    @staticmethod
    def resolve_owner(root: ExampleModel, info):
        return root.user


class TextFilterLookup(graphene.InputObjectType):
    exact = graphene.String()
    i_exact = graphene.String()
    contains = graphene.String()
    i_contains = graphene.String()
    starts_with = graphene.String()
    i_starts_with = graphene.String()
    ends_with = graphene.String()
    i_ends_with = graphene.String()


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


class ExampleFilter(graphene.InputObjectType):
    search = graphene.String()
    title = graphene.Field(TextFilterLookup)


class Ordering(graphene.Enum):
    ASC = "ASC"
    DESC = "DESC"


class ExampleOrder(graphene.InputObjectType):
    created_at = Ordering()
    updated_at = Ordering()
    title = Ordering()


class OffsetPaginationInput(graphene.InputObjectType):
    offset = graphene.Int(default_value=0)
    limit = graphene.Int()


class OffsetPaginationInfo(graphene.ObjectType):
    offset = graphene.Int(required=True)
    limit = graphene.Int()


class ExampleOffsetPaginated(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(ExampleNode), required=True)
    page_info = graphene.Field(OffsetPaginationInfo, required=True)


def _filtered(queryset, filters):
    if not filters:
        return queryset
    if filters.get("search"):
        queryset = queryset.filter(search_condition(filters["search"]))
    for name, value in (filters.get("title") or {}).items():
        if value is not None:
            queryset = queryset.filter(**{f"title__{TEXT_LOOKUPS[name]}": value})
    return queryset


def _ordered(queryset, ordering):
    keys = []
    for item in ordering or ():
        for field in ORDERING_FIELDS:
            direction = item.get(field)
            if direction:
                keys.append(field if direction == Ordering.ASC.value else f"-{field}")
    return queryset.order_by(*keys, DEFAULT_ORDERING[-1]) if keys else queryset


class Query(graphene.ObjectType):
    me = graphene.Field(UserNode)
    example = graphene.Field(ExampleNode, id=graphene.ID(required=True))
    examples = graphene.Field(
        ExampleOffsetPaginated,
        required=True,
        filters=ExampleFilter(),
        ordering=graphene.List(graphene.NonNull(ExampleOrder)),
        pagination=OffsetPaginationInput(),
    )

    @staticmethod
    def resolve_me(root, info):
        user = info.context.user
        return user if user.is_authenticated else None

    @staticmethod
    def resolve_example(root, info, id):
        pk = parse_pk(id)
        if pk is None:
            return None
        rows = ExampleModel.objects.visible_to(_viewer(info)).only(*EXAMPLE_COLUMNS)
        return rows.filter(pk=pk).first()

    @staticmethod
    def resolve_examples(root, info, filters=None, ordering=None, pagination=None):
        pagination = pagination or {}
        try:
            page = parse_page(pagination.get("limit"), pagination.get("offset"))
        except PageError as error:
            raise GraphQLError(error.message, extensions={"code": "BAD_USER_INPUT"}) from None
        rows = _ordered(_filtered(ExampleModel.objects.visible_to(_viewer(info)), filters), ordering)
        return ExampleOffsetPaginated(
            total_count=rows.count(),
            results=list(rows.only(*EXAMPLE_COLUMNS)[page.offset : page.offset + page.limit]),
            page_info=OffsetPaginationInfo(offset=page.offset, limit=page.limit),
        )


schema = graphene.Schema(query=Query)

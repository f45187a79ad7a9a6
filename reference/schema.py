"""The graphene-django reference: the read queries of the API contract (docs/API.md), answered a second way.

Never served by the product nor imported by it: the reference server
(reference.urls, in reference/.venv) serves ``schema`` at /graphql/ behind a
view that sets ``request.user`` from the token. The generated parity tests send
the same query text and variables to it and to the Strawberry schema over HTTP
(and compare both with REST); the benchmarks drive it with wrk. So:

- the caller is ``info.context.user`` (graphene-django's convention: the
  context is the Django request);
- every row comes through the core's policy, ``api.policy.restrict(..., VIEW)``
  (each type's ``get_queryset``): examples (the caller's and those of the
  projects they see), projects (owned or joined) and memberships (of a
  project the caller sees); ``Project.role`` is the core's ``with_role``;
  ``Example.project`` is null when the example is in no project or in one the
  caller cannot see (an author removed from it);
- ``me`` is the caller (``User``); everyone else, ``Example.owner``,
  ``Project.owner`` and ``ProjectMember.user``, is a ``PublicUser`` (id,
  username, name): no other user's email, profile or join date is selectable;
- filters, ordering and pages follow the core: ``search_condition``,
  ``ORDERING_FIELDS`` with the ``DEFAULT_ORDERING`` id tiebreak, and
  ``api.paging.parse_page``; the filter combinators (``AND``, ``OR``, ``NOT``,
  ``DISTINCT``) combine as strawberry-django combines them;
- it is a fair reference, not a strawman: a list costs two queries (count and
  page), with the owner and profile joined in only when ``owner`` is asked for,
  and only the columns the types read. A relation asked of the rows of a page
  (``Example.project``, ``Project.members``, ``Project.examples``) is fetched
  once for all of them (``Batch``), never per row: ``Project.examples`` pages
  every project of a page in one query with a window function (and counts
  them in one grouped query), as strawberry-django's per-parent pagination does.

Differences that are not about data: anonymous callers get ``me: null`` and
no rows here (``visible_to`` of an anonymous user is empty), where the
Strawberry schema refuses the operation with UNAUTHENTICATED; and
``ExampleOrder`` is checked for one key per item in the resolver, since
graphql-core 3.2 has no ``@oneOf``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import graphene
from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from graphene.utils.str_converters import to_camel_case
from graphene_django import DjangoObjectType
from graphene_django.registry import Registry
from graphql import FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode

from api import keyset
from api.datetimes import DateTimeOutOfRange, as_utc
from api.models import OWNER_ROLE, ExampleModel, Project, ProjectMembership
from api.models import ProjectRole as MemberRole
from api.paging import Page, PageError, parse_page
from api.policy import VIEW, restrict, with_role
from api.querysets import DEFAULT_ORDERING, ORDERING_FIELDS, parse_pk, search_condition
from authentication.identity import display_name
from authentication.models import Profile

BAD_USER_INPUT = "BAD_USER_INPUT"
NUL_MESSAGE = "Text may not contain NUL (\\u0000) characters."
ONE_KEY_MESSAGE = "Each ExampleOrder item must set exactly one key."
TIEBREAK = DEFAULT_ORDERING[-1]
# The columns the types below read, so that a page is one query with no deferred loads.
EXAMPLE_COLUMNS = ("id", "title", "content", "created_at", "updated_at", "user_id", "project_id")
PROJECT_COLUMNS = ("id", "name", "description", "owner_id", "created_at", "updated_at")
MEMBERSHIP_COLUMNS = ("id", "project_id", "user_id", "role", "added_at")


def public_user_columns(path: str) -> tuple[str, ...]:
    """What a ``PublicUser`` at ``path`` reads (``display_name`` included), nothing more."""
    columns = ("id", "username", "first_name", "last_name", "profile__id", "profile__user_id")
    return tuple(f"{path}__{column}" for column in (*columns, "profile__display_name"))


OWNER_COLUMNS = public_user_columns("user")
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


# Batches


BATCH_ATTRIBUTE = "_reference_batch"


class Batch:
    """Rows resolved side by side (the results of one page): what one asks for is fetched for all, once.

    graphql-core completes a list item by item, depth first, so a relation
    resolved on each row would cost a query per row. Each row of a page
    carries its batch; the first row that asks for ``key`` fetches it for
    every row of the batch, the others read the answer. graphene has no
    dataloader of its own for synchronous execution, and this is the whole of
    one (Django's ``prefetch_related_objects`` cannot page per parent).
    """

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows = list(rows)
        self._loaded: dict[Hashable, Any] = {}
        for row in self.rows:
            setattr(row, BATCH_ATTRIBUTE, self)

    def load(self, key: Hashable, fetch: Callable[[list[Any]], Any]) -> Any:
        if key not in self._loaded:
            self._loaded[key] = fetch(self.rows)
        return self._loaded[key]


def batch_of(row: Any) -> Batch:
    return getattr(row, BATCH_ATTRIBUTE, None) or Batch([row])


@dataclass(frozen=True)
class PageOf:
    """An offset page, evaluated lazily: only the parts a query selects cost a query."""

    page: Page
    count: Callable[[], int]
    rows: Callable[[], list]


def queryset_page(queryset: QuerySet, page: Page) -> PageOf:
    start = page.offset
    return PageOf(
        page=page,
        count=queryset.count,
        rows=lambda: Batch(queryset[start : start + page.limit]).rows,
    )


# Output types


class ProfileType(DjangoObjectType):
    class Meta:
        model = Profile
        name = "Profile"
        fields = ("display_name", "bio", "timezone", "updated_at")
        registry = REGISTRY


class UserType(DjangoObjectType):
    """The caller (``me``) only."""

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


class PublicUserType(graphene.ObjectType):
    """Another user as anyone who shares something with them sees them."""

    class Meta:
        name = "PublicUser"

    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    name = graphene.String(
        required=True, description="Display name: the profile's, else the full name, else the username."
    )

    @staticmethod
    def resolve_name(root: User, info) -> str:
        return display_name(root)


class ProjectRole(graphene.Enum):
    """The caller's role on a project (a member's: EDITOR or VIEWER)."""

    OWNER = OWNER_ROLE
    EDITOR = MemberRole.EDITOR.value
    VIEWER = MemberRole.VIEWER.value


class ProjectMemberType(graphene.ObjectType):
    class Meta:
        name = "ProjectMember"

    user = graphene.Field(PublicUserType, required=True)
    role = graphene.Field(ProjectRole, required=True)
    added_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_user(root: ProjectMembership, info) -> User:
        return root.user


class OffsetPaginationInfo(graphene.ObjectType):
    offset = graphene.Int(required=True)
    limit = graphene.Int()


def _total_count(root: PageOf, info) -> int:
    return root.count()


def _results(root: PageOf, info) -> list:
    return root.rows()


def _page_info(root: PageOf, info) -> OffsetPaginationInfo:
    return OffsetPaginationInfo(offset=root.page.offset, limit=root.page.limit)


class ExampleOffsetPaginated(graphene.ObjectType):
    """A page of examples (``PageOf``)."""

    total_count = graphene.Int(required=True, description="Total count of existing results.")
    results = graphene.List(graphene.NonNull(lambda: ExampleType), required=True)
    page_info = graphene.Field(OffsetPaginationInfo, required=True)

    resolve_total_count = staticmethod(_total_count)
    resolve_results = staticmethod(_results)
    resolve_page_info = staticmethod(_page_info)


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    has_previous_page = graphene.Boolean(required=True)
    start_cursor = graphene.String()
    end_cursor = graphene.String()


class ExampleEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(lambda: ExampleType, required=True)


@dataclass
class ConnectionOf:
    """A keyset page (api.keyset, the rule the served connection follows) and its count, lazily."""

    queryset: QuerySet
    edges: Callable[[], list]
    page_info: Callable[[], PageInfo]


class ExampleConnection(graphene.ObjectType):
    page_info = graphene.Field(PageInfo, required=True)
    edges = graphene.List(graphene.NonNull(ExampleEdge), required=True)
    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_page_info(root: ConnectionOf, info) -> PageInfo:
        return root.page_info()

    @staticmethod
    def resolve_edges(root: ConnectionOf, info) -> list:
        return root.edges()

    @staticmethod
    def resolve_total_count(root: ConnectionOf, info) -> int:
        return root.queryset.count()


class ProjectOffsetPaginated(graphene.ObjectType):
    """A page of projects (``PageOf``)."""

    total_count = graphene.Int(required=True, description="Total count of existing results.")
    results = graphene.List(graphene.NonNull(lambda: ProjectType), required=True)
    page_info = graphene.Field(OffsetPaginationInfo, required=True)

    resolve_total_count = staticmethod(_total_count)
    resolve_results = staticmethod(_results)
    resolve_page_info = staticmethod(_page_info)


class ProjectMemberOffsetPaginated(graphene.ObjectType):
    """A page of a project's members (``PageOf``)."""

    total_count = graphene.Int(required=True, description="Total count of existing results.")
    results = graphene.List(graphene.NonNull(lambda: ProjectMemberType), required=True)
    page_info = graphene.Field(OffsetPaginationInfo, required=True)

    resolve_total_count = staticmethod(_total_count)
    resolve_results = staticmethod(_results)
    resolve_page_info = staticmethod(_page_info)


class OffsetPaginationInput(graphene.InputObjectType):
    offset = graphene.Int(required=True, default_value=0)
    limit = graphene.Int()


class ProjectType(DjangoObjectType):
    owner = graphene.Field(PublicUserType, required=True)
    role = graphene.Field(ProjectRole, required=True, description="The caller's role on this project.")
    members = graphene.Field(
        ProjectMemberOffsetPaginated,
        required=True,
        pagination=graphene.Argument(lambda: OffsetPaginationInput),
        description="Everyone who accepted the owner's invitation (not the owner), in the order they joined.",
    )
    examples = graphene.Field(
        ExampleOffsetPaginated,
        required=True,
        pagination=graphene.Argument(OffsetPaginationInput),
        description="The project's examples, newest first.",
    )

    class Meta:
        model = Project
        name = "Project"
        fields = ("id", "name", "description", "created_at", "updated_at")
        registry = REGISTRY

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        """The projects the caller sees, each with the caller's role, owner joined."""
        user = viewer(info)
        visible = with_role(restrict(queryset, user, VIEW), user)
        return visible.select_related("owner__profile").only(*PROJECT_COLUMNS, *public_user_columns("owner"))

    @staticmethod
    def resolve_owner(root: Project, info) -> User:
        return root.owner

    @staticmethod
    def resolve_role(root: Project, info) -> str:
        # Every project served comes from get_queryset, which annotates it.
        return root.role

    @staticmethod
    def resolve_members(root: Project, info, pagination=None) -> PageOf:
        # Every project's members in one query (the batch), each page cut here.
        page = _page(pagination)
        members = batch_of(root).load("members", lambda projects: _members_of(info, projects))
        mine = members.get(root.pk, [])
        return PageOf(
            page=page, count=lambda: len(mine), rows=lambda: mine[page.offset : page.offset + page.limit]
        )

    @staticmethod
    def resolve_examples(root: Project, info, pagination=None) -> PageOf:
        page = _page(pagination)
        with_owner = _asks_for_owner(info, "results")
        batch = batch_of(root)

        def count() -> int:
            counts = batch.load(("examples count",), lambda projects: _example_counts(info, projects))
            return counts.get(root.pk, 0)

        def rows() -> list[ExampleModel]:
            key = ("examples", page, with_owner)
            pages = batch.load(key, lambda projects: _example_pages(info, projects, page, with_owner))
            return pages.get(root.pk, [])

        return PageOf(page=page, count=count, rows=rows)


class ExampleType(DjangoObjectType):
    owner = graphene.Field(PublicUserType, required=True)
    project = graphene.Field(
        ProjectType, description="Null when the example is in no project or in one the caller cannot see."
    )

    class Meta:
        model = ExampleModel
        name = "Example"
        fields = ("id", "title", "content", "created_at", "updated_at")
        registry = REGISTRY

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        # The one read rule, the core's policy; any queryset of the model will
        # do (a project's examples go through it too).
        return restrict(queryset, viewer(info), VIEW)

    @staticmethod
    def resolve_owner(root: ExampleModel, info) -> User:
        return root.user

    @staticmethod
    def resolve_project(root: ExampleModel, info) -> Project | None:
        if root.project_id is None:
            return None
        projects = batch_of(root).load("project", lambda examples: _projects_of(info, examples))
        # Missing from the visible ones: in a project the caller cannot see.
        return projects.get(root.project_id)


def _projects_of(info, examples: list[ExampleModel]) -> dict[int, Project]:
    """The visible projects of these examples, by id, as one batch (their own relations batch too)."""
    ids = {example.project_id for example in examples if example.project_id is not None}
    projects = Batch(ProjectType.get_queryset(Project.objects.filter(pk__in=ids), info))
    return {project.pk: project for project in projects.rows}


def _members_of(info, projects: list[Project]) -> dict[int, list[ProjectMembership]]:
    """The memberships of these projects the caller may see, oldest first, with their users."""
    memberships = restrict(
        ProjectMembership.objects.filter(project_id__in=[project.pk for project in projects]),
        viewer(info),
        VIEW,
    )
    memberships = memberships.select_related("user__profile").only(
        *MEMBERSHIP_COLUMNS, *public_user_columns("user")
    )
    grouped: dict[int, list[ProjectMembership]] = defaultdict(list)
    for membership in memberships:
        grouped[membership.project_id].append(membership)
    return grouped


def _project_examples(info, projects: list[Project]) -> QuerySet:
    return ExampleType.get_queryset(
        ExampleModel.objects.filter(project_id__in=[project.pk for project in projects]), info
    )


def _example_counts(info, projects: list[Project]) -> dict[int, int]:
    grouped = _project_examples(info, projects).order_by().values("project_id").annotate(n=Count("pk"))
    return {row["project_id"]: row["n"] for row in grouped}


def _example_pages(info, projects: list[Project], page: Page, with_owner: bool) -> dict[int, list]:
    """One page of examples for every project, in one query: rows numbered per project, newest first."""
    numbered = _project_examples(info, projects).annotate(
        position=Window(
            RowNumber(),
            partition_by=[F("project_id")],
            order_by=[F("created_at").desc(), F("id").desc()],
        )
    )
    window = numbered.filter(position__gt=page.offset, position__lte=page.offset + page.limit)
    rows = Batch(_read_columns(window, with_owner).order_by("project_id", "position"))
    grouped: dict[int, list[ExampleModel]] = defaultdict(list)
    for row in rows.rows:
        grouped[row.project_id].append(row)
    return grouped


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
    updated_at = graphene.InputField(DateTimeFilterLookup)
    project = graphene.ID(description="Only examples in this project (one the caller sees).")
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


def filter_condition(filters: dict, path: str, user: Any = None) -> tuple[Q, bool]:
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
    for column in ("created_at", "updated_at"):
        moments = filters.get(column)
        if moments is not None:
            for name in DATETIME_LOOKUPS:
                if moments.get(name) is not None:
                    moment = _as_utc(moments[name], f"{path}.{to_camel_case(column)}.{name}")
                    q &= Q(**{f"{column}__{name}": moment})
    if filters.get("project") is not None:
        # As the served filter: a project the caller cannot see matches nothing.
        pk = parse_pk(filters["project"])
        visible = restrict(Project.objects.all(), user, VIEW).order_by().values("pk")
        q &= Q(project_id=pk, project_id__in=visible) if pk is not None else Q(pk__in=[])
    subfilters = {
        name: filter_condition(filters[name], f"{path}.{name}", user)
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


def _page(pagination: dict | None) -> Page:
    pagination = pagination or {}
    try:
        return parse_page(pagination.get("limit"), pagination.get("offset"))
    except PageError as error:
        raise bad_input(error.message, f"pagination.{error.field}") from None


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
        description="One example the caller may see; null when missing or not visible.",
    )
    examples = graphene.Field(
        ExampleOffsetPaginated,
        required=True,
        filters=graphene.Argument(ExampleFilter),
        ordering=graphene.Argument(graphene.List(graphene.NonNull(ExampleOrder))),
        pagination=graphene.Argument(OffsetPaginationInput),
        description="The examples the caller may see, newest first unless `ordering` says otherwise.",
    )
    examples_connection = graphene.Field(
        ExampleConnection,
        required=True,
        filters=graphene.Argument(ExampleFilter),
        ordering=graphene.Argument(graphene.List(graphene.NonNull(ExampleOrder))),
        before=graphene.String(),
        after=graphene.String(),
        first=graphene.Int(),
        last=graphene.Int(),
        description="The examples the caller may see, paged by cursor (keyset, api.keyset).",
    )
    project = graphene.Field(
        ProjectType,
        id=graphene.ID(required=True),
        description="One project the caller owns or is a member of; null when missing or not visible.",
    )
    projects = graphene.Field(
        ProjectOffsetPaginated,
        required=True,
        pagination=graphene.Argument(OffsetPaginationInput),
        description="The projects the caller owns or is a member of, newest first.",
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
        return _first(_read_columns(queryset, _asks_for_owner(info)))

    @staticmethod
    def resolve_examples(root, info, filters=None, ordering=None, pagination=None) -> PageOf:
        _check_nul(filters, "filters")
        page = _page(pagination)
        queryset = ExampleType.get_queryset(ExampleModel.objects.all(), info)
        if filters is not None:
            condition, distinct = filter_condition(filters, "filters", viewer(info))
            queryset = queryset.filter(condition) if condition else queryset
            queryset = queryset.distinct() if distinct else queryset
        if ordering:
            queryset = queryset.order_by(*order_keys(ordering), TIEBREAK)
        elif filters is not None and isinstance(filters.get("search"), str):
            # The core's ranking, as the product's examples and REST's offset pages.
            queryset = queryset.ranked_by(filters["search"])
        return queryset_page(_read_columns(queryset, _asks_for_owner(info, "results")), page)

    @staticmethod
    def resolve_examples_connection(
        root, info, filters=None, ordering=None, before=None, after=None, first=None, last=None
    ) -> ConnectionOf:
        _check_nul(filters, "filters")
        queryset = ExampleType.get_queryset(ExampleModel.objects.all(), info)
        if filters is not None:
            condition, distinct = filter_condition(filters, "filters", viewer(info))
            queryset = queryset.filter(condition) if condition else queryset
            queryset = queryset.distinct() if distinct else queryset
        if ordering:
            queryset = queryset.order_by(*order_keys(ordering), TIEBREAK)
        return keyset_connection(queryset, info, before=before, after=after, first=first, last=last)

    @staticmethod
    def resolve_project(root, info, id: str) -> Project | None:
        pk = parse_pk(id)
        if pk is None:
            return None
        return _first(ProjectType.get_queryset(Project.objects.filter(pk=pk), info))

    @staticmethod
    def resolve_projects(root, info, pagination=None) -> PageOf:
        return queryset_page(ProjectType.get_queryset(Project.objects.all(), info), _page(pagination))


def keyset_connection(queryset: QuerySet, info, *, before, after, first, last) -> ConnectionOf:
    """The page api.keyset cuts, with the served connection's argument rules and error codes."""
    if first is not None and last is not None:
        raise bad_input("Give first (with after) or last (with before), not both.", "last")
    if after is not None and before is not None:
        raise bad_input("Give after or before, not both.", "before")
    name, value = ("last", last) if last is not None else ("first", first)
    try:
        size = parse_page(value).limit
    except PageError as error:
        raise bad_input(error.message.replace("limit", name), name) from None
    try:
        order = keyset.key_order(queryset)
    except keyset.CursorError as error:
        raise GraphQLError(
            error.message,
            extensions={"code": BAD_USER_INPUT, "reason": error.code.upper(), "field": "ordering"},
        ) from None
    binding = keyset.binding_of(queryset, order)
    try:
        after_at = keyset.read_cursor(after, binding) if after else None
        before_at = keyset.read_cursor(before, binding) if before else None
    except keyset.CursorError as error:
        field = "after" if after else "before"
        raise GraphQLError(
            error.message, extensions={"code": BAD_USER_INPUT, "reason": error.code.upper(), "field": field}
        ) from None
    cache: dict[str, Any] = {}

    def page() -> keyset.KeysetSlice:
        if "page" not in cache:
            rows = _read_columns(queryset, _asks_for_owner(info, "edges", "node"))
            cut = keyset.keyset_slice(
                rows,
                order,
                size=size,
                after=after_at,
                before=before_at,
                from_end=last is not None and before is None,
            )
            cut.rows = Batch(cut.rows).rows
            cache["page"] = cut
        return cache["page"]

    def edges() -> list:
        return [ExampleEdge(cursor=keyset.make_cursor(row, order, binding), node=row) for row in page().rows]

    def page_info() -> PageInfo:
        cut, found = page(), edges()
        return PageInfo(
            has_next_page=cut.has_next,
            has_previous_page=cut.has_previous,
            start_cursor=found[0].cursor if found else None,
            end_cursor=found[-1].cursor if found else None,
        )

    return ConnectionOf(queryset=queryset, edges=edges, page_info=page_info)


def _first(queryset: QuerySet) -> Any:
    """The first row, as a batch of one (its relations are fetched as for a page)."""
    row = queryset.first()
    return None if row is None else Batch([row]).rows[0]


schema = graphene.Schema(query=Query)

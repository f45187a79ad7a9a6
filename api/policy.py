"""The one place that decides who may do what.

Every surface (REST, GraphQL, services, admin-free reads) asks
``restrict(queryset, user, action)`` for the rows a user may act on. Each
model registers a policy: an object whose ``condition(user, action)`` returns
a ``Q`` over that model's rows, or None when the action is not allowed at all.
It fails closed: an anonymous or inactive user, or an action the policy does
not define, gets no rows; a model with no policy raises
``ImproperlyConfigured``, so a new type or viewset that forgot its policy
serves nothing and fails loudly in tests.

Conditions use ``IN`` subqueries (``in_subquery``), never joins to to-many
relations, so a restricted queryset has no duplicate rows and needs no
``.distinct()``: counts and pages stay as cheap as on the bare table.

Every subquery is uncorrelated and, on PostgreSQL, written as
``col = ANY(ARRAY(SELECT ...))`` (see ``InSubquery``): an InitPlan run once,
whose result the planner can use as an index condition. So a rule such as
"mine OR in a project I may see" becomes a BitmapOr of two index scans (the
``user_id`` index and the ``project_id`` index), never a scan of the whole
table; ``tests/api/test_policy_plans.py`` EXPLAINs it on PostgreSQL. A
BitmapOr yields rows in no order, so a policy may also give its condition as
disjoint ``branches``: pages (``ordered_page``) and counts (``count_rows``)
then read each branch from its own index (tests/api/test_cursor_explain.py).
In the spirit of NetBox's ``RestrictedQuerySet.restrict``, with the rules in
code rather than in permission rows.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models import Case, Expression, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Now
from django.db.models.sql.where import WhereNode

from .models import OWNER_ROLE, Comment, ExampleModel, Invitation, Project, ProjectMembership, ProjectRole
from .sql_internals import (
    BranchUnion,
    InSubquery,
    count_sql,
    is_plain,
    ordering_ends_with_pk,
    replaced_filter,
    top_level_filter,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser | None

VIEW = "view"
CHANGE = "change"
DELETE = "delete"
ADD = "add"  # put examples into a project
MANAGE = "manage"  # add, change and remove a project's members
RESPOND = "respond"  # accept or decline an invitation
ACTIONS = frozenset({VIEW, CHANGE, DELETE, ADD, MANAGE, RESPOND})

# Moving a row from one parent to another (an example from one project to
# another, or out of any). Taking it out removes it from its parent's owner
# as surely as deleting it would, so it needs the right to delete it where it
# is; putting it in needs the right to add to the new parent. Checked by
# ``api.services.parent_to_write`` for every model registered with a parent.
TRANSFER_OUT = DELETE  # on the row, in its current parent
TRANSFER_IN = ADD  # on the new parent

# The annotation ``with_role`` adds: the caller's role on each project.
ROLE_ANNOTATION = "role"

M = TypeVar("M", bound=models.Model)


class Policy(Protocol):
    def condition(self, user: AbstractBaseUser, action: str) -> Q | None:
        """The rows ``user`` (active, authenticated) may do ``action`` to; None = none at all."""


class BranchedPolicy(Policy, Protocol):
    def branches(self, user: AbstractBaseUser, action: str) -> tuple[Q, ...]:
        """``condition(user, action)`` as disjoint parts whose union is exactly it (see ``PolicyCondition``)."""


@dataclass(frozen=True)
class Parent:
    """The row a model's rows live in and may move between: an example's project.

    ``name`` is the relation's name; the row holds the parent's id at
    ``<name>_id`` (a foreign key's column, or a plain id column). A client
    names the parent by ``name`` (REST) or ``<name>Id`` (GraphQL).
    """

    name: str
    model: type[models.Model]

    @property
    def id_field(self) -> str:
        return f"{self.name}_id"


_registry: dict[type[models.Model], Policy] = {}
_parents: dict[type[models.Model], Parent] = {}


def register(model: type[models.Model], policy: Policy, *, parent: Parent | None = None) -> None:
    """Make ``policy`` decide for ``model``. Registering a model twice is a mistake and raises.

    ``parent``: the row each of ``model``'s rows is in, where a write may move
    it to another (TRANSFER_OUT / TRANSFER_IN). A relation a row never leaves
    (a membership's project) is no such parent.
    """
    if model in _registry and _registry[model] is not policy:
        raise ImproperlyConfigured(f"{model._meta.label} already has a policy.")
    _registry[model] = policy
    if parent is not None:
        _parents[model] = parent


def parent_of(model: type[models.Model]) -> Parent | None:
    """The parent ``model`` was registered with, or None (proxies fall back to their concrete model)."""
    return _parents.get(model) or _parents.get(model._meta.concrete_model)


def policy_for(model: type[models.Model]) -> Policy:
    """The policy registered for ``model`` (proxies fall back to their concrete model)."""
    policy = _registry.get(model) or _registry.get(model._meta.concrete_model)
    if policy is None:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no policy: register one in api.policy before serving it."
        )
    return policy


def is_active_user(user: AnyUser) -> TypeGuard[AbstractBaseUser]:
    return user is not None and user.is_authenticated and user.is_active


def in_subquery(field: str, ids: models.QuerySet) -> Q:
    """Rows whose ``field`` is one of the values ``ids`` (a one-column queryset) selects."""
    return Q(InSubquery(F(field), ids.order_by().query))


def restrict(queryset: models.QuerySet[M], user: AnyUser, action: str) -> models.QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may do ``action`` to."""
    policy = policy_for(queryset.model)
    if action not in ACTIONS or not is_active_user(user):
        return queryset.none()
    condition = policy.condition(user, action)
    if condition is None:
        return queryset.none()
    branches = policy.branches(user, action) if hasattr(policy, "branches") else ()
    if len(branches) < 2:
        return queryset.filter(condition)
    return queryset.filter(PolicyCondition(condition, branches))


class PolicyCondition(Expression):
    """A policy's condition that knows its disjoint branches: SQL-wise it is the condition itself.

    "Mine OR in my projects" is one condition, which PostgreSQL can only
    plan as a BitmapOr: its rows come out in no order, so a page of them
    sorts every visible row. A policy that also gives the condition as
    disjoint branches (``Q(user=me)``, ``in my projects AND NOT Q(user=me)``)
    lets ``ordered_page`` read each branch from its own index in the page's
    order and ``count_rows`` count each with an index-only scan. Wrapping the
    condition marks it in the WHERE clause, so those two can swap it for one
    branch while every filter a surface added stays; compiled on its own it
    is exactly the condition.
    """

    conditional = True

    def __init__(self, condition: Q | WhereNode, branches: tuple[Q, ...]) -> None:
        super().__init__(output_field=models.BooleanField())
        self.condition = condition
        self.branches = branches

    def get_source_expressions(self) -> list:
        return [self.condition]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        [self.condition] = exprs

    def as_sql(self, compiler, connection):
        return compiler.compile(self.condition)


def _branched(queryset: models.QuerySet) -> tuple[int, tuple[Q, ...]] | None:
    """Where the policy condition of ``queryset`` is among its top-level conditions, and its branches.

    None when the queryset has no branched policy condition at its top level
    or is already cut, distinct, grouped, windowed or combined: then it is used as it is.
    """
    if not is_plain(queryset):
        return None
    found = top_level_filter(queryset, PolicyCondition)
    if found is None:
        return None
    index, condition = found
    return index, condition.branches


def ordered_page(queryset: models.QuerySet[M], start: int, stop: int) -> models.QuerySet[M]:
    """``queryset[start:stop]``, read branch by branch when its policy condition has branches.

    The one page builder of every list (REST offset and cursor pages,
    GraphQL lists and connections). With branches and a total ordering, the
    page is ``queryset.filter(pk IN (branch 1 [:stop] UNION ALL branch 2
    [:stop]))[start:stop]``: each branch keeps every filter and the
    cursor's keyset, and walks its own index in the page's order (the
    caller's rows on ``(user, -created_at, -id)``, their projects' on
    ``(project, -created_at, -id)``), so the database sorts at most
    ``stop`` rows per branch rather than every visible row. The branches are
    disjoint and their union is the condition, so the rows and their order
    are those of ``queryset[start:stop]``. The outer query reads the page's
    rows by primary key: the whole condition there would tempt the planner
    back into its BitmapOr (tests/api/test_cursor_explain.py). An offset page reads ``stop`` (offset + limit) ids per branch:
    deep offsets cost their depth, which is what cursor pages are for.
    """
    branched = _branched(queryset) if ordering_ends_with_pk(queryset) else None
    if branched is None:
        return queryset[start:stop]
    index, branches = branched
    queries = [replaced_filter(queryset, index, branch).values("pk")[:stop].query for branch in branches]
    union = BranchUnion(queries, output_field=queryset.model._meta.pk)
    # As an InSubquery, "pk = ANY(ARRAY(...))" on PostgreSQL: the page's few ids are read
    # first, and the rows by primary key, never by a join the planner might make a scan.
    return replaced_filter(queryset, index, Q(InSubquery(F("pk"), union)))[start:stop]


def count_rows(queryset: models.QuerySet) -> int:
    """``queryset.count()``, as the sum of its branches' counts when its policy condition has branches.

    One statement, ``SELECT (SELECT COUNT(*) FROM branch 1) + ...``: each
    branch alone is what an index answers (the caller's own rows: an
    index-only scan of ``(user, ...)``), where the whole condition is a
    BitmapOr that visits every visible row in the table.
    """
    queryset = queryset.order_by()
    branched = _branched(queryset)
    if branched is None:
        return queryset.count()
    index, branches = branched
    connection = connections[queryset.db]
    queries = [replaced_filter(queryset, index, branch).values("pk").query for branch in branches]
    counted = count_sql(queries, connection)
    if counted is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(*counted)
        return int(cursor.fetchone()[0])


# Conditions on projects, shared by the three policies below.
#
# They depend on the user's primary key and the action only, never on
# anything else about the user or on the data (membership is read by the SQL,
# when the query runs). So each is built once per (pk, action) and kept:
# building one costs more than the rest of a list request's ORM work (about
# 0.5 ms: three querysets, two of them nested), and a Q is never changed by
# the querysets that filter with it (Django resolves a copy of it, subqueries
# included). A policy whose condition reads more of the user (is_staff, a
# group) must not be cached by pk like this.
CONDITION_CACHE_SIZE = 4096


def _member_of(user_pk: object, roles: tuple[str, ...] | None = None) -> Q:
    """Projects the user is a member of (with one of ``roles``): an uncorrelated id subquery.

    Uncorrelated rather than ``EXISTS(... project_id = outer.id)``, so that
    ``owner OR member`` is a BitmapOr of the owner index and the primary key.
    """
    memberships = ProjectMembership.objects.filter(user_id=user_pk)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return in_subquery("pk", memberships.values("project_id"))


@functools.lru_cache(maxsize=CONDITION_CACHE_SIZE)
def _project_condition(user_pk: object, action: str) -> Q | None:
    owner = Q(owner_id=user_pk)
    if action == VIEW:
        return owner | _member_of(user_pk)
    if action == ADD:
        return owner | _member_of(user_pk, roles=(ProjectRole.EDITOR,))
    if action in (CHANGE, DELETE, MANAGE):
        return owner
    return None


def _project_ids(user_pk: object, action: str) -> models.QuerySet:
    """The ids of the projects the user may do ``action`` to, as a subquery."""
    condition = _project_condition(user_pk, action)
    assert condition is not None  # only called with actions projects define
    return Project.objects.filter(condition).order_by().values("pk")


@functools.lru_cache(maxsize=CONDITION_CACHE_SIZE)
def _project_branches(user_pk: object, action: str) -> tuple[Q, ...]:
    owner = Q(owner_id=user_pk)
    if action == VIEW:
        return (owner, _member_of(user_pk) & ~owner)
    if action == ADD:
        return (owner, _member_of(user_pk, roles=(ProjectRole.EDITOR,)) & ~owner)
    return ()


class ProjectPolicy:
    """See: owner and members. Change, delete, manage members: owner. Add examples: owner, editors."""

    def condition(self, user: AbstractBaseUser, action: str) -> Q | None:
        return _project_condition(user.pk, action)

    def branches(self, user: AbstractBaseUser, action: str) -> tuple[Q, ...]:
        """Owned; not owned but a member (of the right role)."""
        return _project_branches(user.pk, action)


@functools.lru_cache(maxsize=CONDITION_CACHE_SIZE)
def _example_condition(user_pk: object, action: str) -> Q | None:
    project_action = ExamplePolicy.PROJECT_ACTION.get(action)
    if project_action is None:
        return None
    return Q(user_id=user_pk) | in_subquery("project_id", _project_ids(user_pk, project_action))


class ExamplePolicy:
    """See: author, project owner and members. Change: author, project owner and editors.

    Delete: author, project owner. An example is never added to or managed.
    """

    # The project action that grants each example action to non-authors.
    PROJECT_ACTION = {VIEW: VIEW, CHANGE: ADD, DELETE: DELETE}

    def condition(self, user: AbstractBaseUser, action: str) -> Q | None:
        return _example_condition(user.pk, action)

    def branches(self, user: AbstractBaseUser, action: str) -> tuple[Q, ...]:
        """Authored; not authored but in a project that grants the action."""
        return _example_branches(user.pk, action)


@functools.lru_cache(maxsize=CONDITION_CACHE_SIZE)
def _example_branches(user_pk: object, action: str) -> tuple[Q, ...]:
    project_action = ExamplePolicy.PROJECT_ACTION.get(action)
    if project_action is None:
        return ()
    mine = Q(user_id=user_pk)
    return (mine, in_subquery("project_id", _project_ids(user_pk, project_action)) & ~mine)


@functools.lru_cache(maxsize=CONDITION_CACHE_SIZE)
def _membership_condition(user_pk: object, action: str) -> Q | None:
    if action == VIEW:
        return in_subquery("project_id", _project_ids(user_pk, VIEW))
    if action in (CHANGE, MANAGE):
        return in_subquery("project_id", _project_ids(user_pk, MANAGE))
    if action == DELETE:
        return in_subquery("project_id", _project_ids(user_pk, MANAGE)) | Q(user_id=user_pk)
    return None


class MembershipPolicy:
    """See: whoever sees the project. Change: the owner. Delete: the owner, or the member themself."""

    def condition(self, user: AbstractBaseUser, action: str) -> Q | None:
        return _membership_condition(user.pk, action)


# An example moves between projects (api.services.parent_to_write); a membership never leaves its project.
EXAMPLE_PARENT = Parent("project", Project)

register(ExampleModel, ExamplePolicy(), parent=EXAMPLE_PARENT)
register(Project, ProjectPolicy())
register(ProjectMembership, MembershipPolicy())


def role_of(project: Project, user: AnyUser) -> str | None:
    """The caller's role on ``project``: "owner", "editor", "viewer", or None."""
    if not is_active_user(user):
        return None
    if project.owner_id == user.pk:
        return OWNER_ROLE
    return (
        ProjectMembership.objects.filter(project_id=project.pk, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def with_role(queryset: models.QuerySet[Project], user: AnyUser) -> models.QuerySet[Project]:
    """``queryset`` with each project's ``role`` for ``user`` annotated, in the same query."""
    if not is_active_user(user):
        return queryset.annotate(**{ROLE_ANNOTATION: Value(None, output_field=models.CharField())})
    # At most one row (the unique constraint); order_by() drops the model's ordering from the subquery.
    member_role = (
        ProjectMembership.objects.filter(project_id=OuterRef("pk"), user_id=user.pk)
        .order_by()
        .values("role")[:1]
    )
    return queryset.annotate(
        **{
            ROLE_ANNOTATION: Case(
                When(owner_id=user.pk, then=Value(OWNER_ROLE)),
                default=Subquery(member_role),
                output_field=models.CharField(),
            )
        }
    )


@functools.lru_cache(maxsize=CONDITION_CACHE_SIZE)
def _invitation_condition(user_pk: object, action: str) -> Q | None:
    # Expiry is compared by the database's clock (Now() in the SQL), so the Q
    # does not depend on the time it was built and may be cached like the others.
    mine = Q(invitee_id=user_pk, expires_at__gt=Now())
    managed = in_subquery("project_id", _project_ids(user_pk, MANAGE))
    if action == VIEW:
        return mine | managed
    if action == RESPOND:
        return mine
    if action == DELETE:
        return managed
    return None


class InvitationPolicy:
    """See: the invitee (until it expires) and the project's owner. Accept, decline: the invitee.

    Cancel (delete): the project's owner. An invitation with no invitee (an
    unknown username) is seen by the owner only and can never be answered.
    """

    def condition(self, user: AbstractBaseUser, action: str) -> Q | None:
        return _invitation_condition(user.pk, action)

    def branches(self, user: AbstractBaseUser, action: str) -> tuple[Q, ...]:
        """To the caller (unexpired); not to the caller but of a project they own."""
        return _invitation_branches(user.pk, action)


@functools.lru_cache(maxsize=CONDITION_CACHE_SIZE)
def _invitation_branches(user_pk: object, action: str) -> tuple[Q, ...]:
    if action != VIEW:
        return ()
    mine = Q(invitee_id=user_pk, expires_at__gt=Now())
    return (mine, in_subquery("project_id", _project_ids(user_pk, MANAGE)) & ~mine)


register(Invitation, InvitationPolicy())


@functools.lru_cache(maxsize=CONDITION_CACHE_SIZE)
def _comment_condition(user_pk: object, action: str) -> Q | None:
    mine = Q(user_id=user_pk)
    if action == VIEW:
        examples = ExampleModel.objects.filter(_example_condition(user_pk, VIEW)).order_by().values("pk")
        return in_subquery("example_id", examples)
    if action == CHANGE:
        return mine
    if action == DELETE:
        return mine | in_subquery("example__project_id", _project_ids(user_pk, DELETE))
    return None


class CommentPolicy:
    """See: whoever sees the example. Change: the author. Delete: the author or the example's project owner."""

    def condition(self, user: AbstractBaseUser, action: str) -> Q | None:
        return _comment_condition(user.pk, action)


register(Comment, CommentPolicy())

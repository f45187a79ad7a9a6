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
table; ``tests/api/test_policy_plans.py`` EXPLAINs it on PostgreSQL.
In the spirit of NetBox's ``RestrictedQuerySet.restrict``, with the rules in
code rather than in permission rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeGuard, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Now
from django.db.models.lookups import In

from .models import OWNER_ROLE, ExampleModel, Invitation, Project, ProjectMembership, ProjectRole

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


class InSubquery(In):
    """``column IN (SELECT ...)``; on PostgreSQL ``column = ANY(ARRAY(SELECT ...))``.

    Why: PostgreSQL plans ``a = 1 OR b IN (SELECT ...)`` as a sequential scan
    with a hashed SubPlan filter, because a SubPlan cannot be an index
    condition; that made every example list read the whole table. An
    uncorrelated ``ARRAY(SELECT ...)`` is an InitPlan, computed once before the
    scan, so ``b = ANY($0)`` is an index condition and ``OR`` becomes a
    BitmapOr of two index scans. The result is the same set of rows (NULL
    matches nothing either way, and the ids are never NULL); other databases
    keep the plain ``IN``, which SQLite plans with its indexes as it is.
    Built on Django's public ``In`` lookup and its vendor hook ``as_postgresql``.
    """

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)  # "(SELECT ...)"
        return f"{lhs_sql} = ANY(ARRAY{rhs_sql})", (*lhs_params, *rhs_params)


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
    return queryset.filter(condition)


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


class ProjectPolicy:
    """See: owner and members. Change, delete, manage members: owner. Add examples: owner, editors."""

    def condition(self, user: AbstractBaseUser, action: str) -> Q | None:
        return _project_condition(user.pk, action)


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


register(Invitation, InvitationPolicy())

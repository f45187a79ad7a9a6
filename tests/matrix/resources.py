"""The registry of resources: what the cross-user matrix and the bad-input tests are derived from.

A resource is a model served by the API: ``Example``, ``Project``,
``ProjectMembership``. Its entry says, as data, what nobody can find by
walking the code:

- the policy table (docs/EXTENDING.md) for it: for each action,
  the *relations* an actor must hold to the object (``author``, ``owner``,
  ``editor``, ``viewer``, ``self``) to be allowed;
- how to make the object the routes are about (its *target*) in the shared
  population (``Population`` below), and the values its routes and fields
  take (URL parameters, REST bodies, GraphQL arguments) for that target;
- the operations it has beyond the standard ones, and what they are
  (``duplicate`` is a VIEW that adds a row).

Everything else is found: its REST routes from the URL resolver (by the model
of each viewset's queryset), its GraphQL root fields from the served schema
(by return type), the relations an actor holds from the rows themselves.
``tests/matrix/test_resource_matrix.py`` runs every route and field for
every actor; a route or field of a model with no entry fails
``test_every_resource_route_and_field_has_a_registry_entry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

from api import policy
from api.models import Comment, ExampleModel, Invitation, Project, ProjectMembership, ProjectRole
from authentication.models import Profile

from ..factories import ExampleFactory, UserFactory, token_for
from .surface import Route, routes

# The actors, each a user of the population (anonymous aside).
AUTHOR = "author"  # wrote the target example; an editor of the project
OWNER = "owner"  # owns the project
EDITOR = "editor"
VIEWER = "viewer"  # the target membership is theirs
REMOVED = "removed"  # was an editor, removed; wrote an example while a member
STRANGER = "stranger"  # in no project of the population; invited to the shared project, not accepted
ANONYMOUS = "anonymous"
ACTORS = (AUTHOR, OWNER, EDITOR, VIEWER, REMOVED, STRANGER, ANONYMOUS)

# Outcomes, one spelling for both surfaces.
SUCCESS = "success"
NOT_FOUND = "not_found"  # REST 404 {"detail": "Not found."}; GraphQL null / OperationInfo not_found
FORBIDDEN = "forbidden"  # REST 403; GraphQL OperationInfo kind PERMISSION
INVALID = "invalid"  # REST 400 {field: [...]}; GraphQL OperationInfo kind VALIDATION on the field
UNAUTHENTICATED = "unauthenticated"  # REST 401; GraphQL error UNAUTHENTICATED


@dataclass
class Population:
    """One project shared with every role, the rows each route is about, and an outsider's secrets."""

    users: dict[str, User]
    project: Project  # owned by OWNER; AUTHOR and EDITOR edit, VIEWER views, REMOVED left
    example: ExampleModel  # by AUTHOR, in ``project``
    removed_example: ExampleModel  # by REMOVED, still in ``project``
    membership: ProjectMembership  # VIEWER's
    newcomer: User  # in no project: the one an owner adds
    foreign_project: Project  # the outsider's: nobody here may see or add to it
    secrets: list[str]
    foreign_example: ExampleModel | None = None  # the outsider's, in ``foreign_project``: nobody here sees it
    # STRANGER's pending invitation to ``project``: until accepted it shows them nothing of it.
    invitation: Invitation | None = None
    targets: dict[str, models.Model] = field(default_factory=dict)  # by resource name

    def user(self, actor: str) -> User | None:
        return None if actor == ANONYMOUS else self.users[actor]

    def target(self, resource: Resource) -> models.Model:
        if resource.name not in self.targets:
            self.targets[resource.name] = resource.make_target(self)
        return self.targets[resource.name]


def build_population() -> Population:
    users = {
        actor: UserFactory(username=f"{actor}-user", email=f"{actor}.mail-secret@example.com")
        for actor in ACTORS
        if actor != ANONYMOUS
    }
    Profile.objects.filter(user__in=users.values()).update(bio="bio-secret-Ω")
    project = Project.objects.create(owner=users[OWNER], name="shared project", description="shared")
    for actor, role in (
        (AUTHOR, ProjectRole.EDITOR),
        (EDITOR, ProjectRole.EDITOR),
        (REMOVED, ProjectRole.EDITOR),
    ):
        ProjectMembership.objects.create(project=project, user=users[actor], role=role)
    membership = ProjectMembership.objects.create(
        project=project, user=users[VIEWER], role=ProjectRole.VIEWER
    )
    example = ExampleFactory(user=users[AUTHOR], project=project, title="the shared example")
    removed_example = ExampleFactory(user=users[REMOVED], project=project, title="written while a member")
    ProjectMembership.objects.filter(project=project, user=users[REMOVED]).delete()
    outsider = UserFactory(username="outsider-secret", email="outsider.mail-secret@example.com")
    foreign_project = Project.objects.create(owner=outsider, name="outsider-project-secret", description="x")
    foreign_example = ExampleFactory(
        user=outsider, project=foreign_project, title="outsider-title-secret", content="outsider-Ω"
    )
    ExampleFactory(user=users[STRANGER], title="the stranger's own")
    newcomer = UserFactory(username="newcomer-user", email="newcomer.mail-secret@example.com")
    invitation = Invitation.objects.create(
        project=project,
        username=users[STRANGER].username,
        username_key=users[STRANGER].username.lower(),
        invitee=users[STRANGER],
        invited_by=users[OWNER],
        role=ProjectRole.EDITOR,
        expires_at=timezone.now() + timedelta(days=1),
    )
    for user in users.values():
        token_for(user)  # every token exists before any call, as a client's would
    return Population(
        users=users,
        project=project,
        example=example,
        removed_example=removed_example,
        membership=membership,
        newcomer=newcomer,
        foreign_project=foreign_project,
        foreign_example=foreign_example,
        invitation=invitation,
        # Another user's email, bio or token never leaves the server, and the outsider's rows are invisible.
        secrets=[
            "mail-secret",
            "bio-secret-Ω",
            "outsider-secret",
            "outsider-project-secret",
            "outsider-title-secret",
            "outsider-Ω",
            *(token_for(user) for user in users.values()),
        ],
    )


# Relations: what an actor is to a row, read from the rows (never from the policy's code).


def relations(resource: Resource, obj: models.Model, user: User | None) -> frozenset[str]:
    if user is None:
        return frozenset()
    found = set()
    if resource.author_field and getattr(obj, f"{resource.author_field}_id") == user.pk:
        found.add("author")
    if resource.self_field and getattr(obj, f"{resource.self_field}_id") == user.pk:
        found.add("self")
    if resource.parent is not None and (parent := follow(resource, obj, resource.parent_field)):
        # "parent:view": the actor may view the row's parent, by the parent's own table and relations.
        parent_rels = relations(resource.parent, parent, user)
        found |= {f"parent:{a}" for a in resource.parent.table if resource.parent.allowed(a, parent_rels)}
    project = obj if isinstance(obj, Project) else follow(resource, obj, resource.project_field)
    if project is not None:
        if project.owner_id == user.pk:
            found.add("owner")
        role = (
            ProjectMembership.objects.filter(project=project, user=user)
            .values_list("role", flat=True)
            .first()
        )
        if role:
            found.add(role)
    return frozenset(found)


def follow(resource: Resource, obj: models.Model, path: str | None) -> models.Model | None:
    """The row at the end of ``path`` (Django's ``a__b`` spelling) from ``obj``; None where a link is null.

    A name the model does not have is the registry's mistake: it fails, naming the fix, rather than
    reading as "no project" and blaming the API.
    """
    for name in (path or "").split("__") if path else ():
        if obj is None:
            return None
        if not _has_field(obj, name):
            raise AssertionError(
                f"{resource.name}: {type(obj).__name__} has no field {name!r} (project_field {path!r}): "
                "fix the path in its Resource in tests/matrix/resources.py (e.g. 'example__project')."
            )
        obj = getattr(obj, name)
    return obj


def _has_field(obj: models.Model, name: str) -> bool:
    """A model field, or an attribute of the class (a throwaway's ``project`` property over an id column)."""
    try:
        obj._meta.get_field(name)
    except FieldDoesNotExist:
        return hasattr(type(obj), name)
    return True


# Operations: what a route's viewset action or a GraphQL field does.


@dataclass(frozen=True)
class Op:
    name: str
    action: str | None  # the policy action on the target; None for collection operations
    writes: str  # "none" | "update" | "delete" | "add"
    # Models of which it adds exactly one row besides what ``writes`` does to the resource's own
    # table: inviting adds an invitation (not a membership), accepting one adds a membership.
    adds: tuple[type[models.Model], ...] = ()

    @property
    def on_target(self) -> bool:
        return self.action is not None


STANDARD_OPS = {
    "list": Op("list", None, "none"),
    "create": Op("create", None, "add"),
    "retrieve": Op("retrieve", policy.VIEW, "none"),
    "update": Op("update", policy.CHANGE, "update"),
    "partial_update": Op("partial_update", policy.CHANGE, "update"),
    "destroy": Op("destroy", policy.DELETE, "delete"),
}
# GraphQL mutation names start with a verb, then the type's name: createExample, removeProjectMember.
GRAPHQL_VERBS = {
    "create": "create",
    "add": "create",
    "update": "update",
    "delete": "destroy",
    "remove": "destroy",
}


@dataclass(frozen=True)
class Variant:
    """One way of calling an operation: the default, pointing the row at a project one cannot add to,
    or (an update) moving the target out of its project (``transfer``)."""

    name: str = "default"
    foreign_project: bool = False
    no_project: bool = False  # the body names no project at all
    transfer: str | None = None  # TO_OTHER, TO_NONE or INTO_INVISIBLE: where the update moves the target


DEFAULT = Variant()
FOREIGN = Variant("foreign project", foreign_project=True)
NO_PROJECT = Variant("no project", no_project=True)
REST, GRAPHQL = "rest", "graphql"

# Transfer probes, generated for the updates of every resource with a project field
# (``Resource.transfer_variants``): the body names the project to move the target to.
TO_OTHER = "other"  # a project the actor owns, made for the call (so ADD there is never what refuses)
TO_NONE = "none"  # no project at all
INTO_INVISIBLE = "invisible"  # the outsider's project, which nobody of the population sees
TRANSFERS = (
    Variant("transfer to another project", transfer=TO_OTHER),
    Variant("transfer to no project", transfer=TO_NONE),
    Variant("transfer into an invisible project", transfer=INTO_INVISIBLE),
)


def _item_id(item: dict) -> object:
    return item["id"]


def _pk(obj: models.Model) -> object:
    return obj.pk


@dataclass
class Resource:
    name: str
    model: type[models.Model]
    graphql_type: str
    # The policy table: action -> the relations that allow it.
    table: Mapping[str, frozenset[str]]
    make_target: Callable[[Population], models.Model]
    # Values by parameter name, for the target (URL kwargs, REST bodies and GraphQL arguments).
    url_values: Callable[[Population, object], dict[str, Any]]
    rest_body: Callable[[Population, str, Variant], dict[str, Any] | None]
    graphql_values: Callable[[Population, str, Variant, object], dict[str, Any]]
    author_field: str | None = None
    self_field: str | None = None
    # The path to the row's project: a field ("project") or through another ("example__project").
    project_field: str | None = None
    # Creating one needs (action on the parent, how a refusal answers: "field" 400 or "object" 403/404).
    create_needs: tuple[str, str] | None = None
    # The resource a create names (None: the project), reached by the first step of project_field;
    # its target is the parent a create is about, and "parent:<action>" a relation to the row.
    parent: Resource | None = None
    # A row in ``parent`` by a user, for the policy worlds (tests/matrix/test_policy_worlds.py).
    make_row: Callable[[models.Model, User], models.Model] | None = None
    nested_in_project: bool = False  # its collection routes carry the project's id
    # With nested_in_project: the collection operations that do (None: every one).
    nested_ops: frozenset[str] | None = None
    extra_ops: Mapping[str, Op] = field(default_factory=dict)
    # The ways of calling each operation, by (op name, surface); the default alone if None.
    variants: Callable[[str, str], tuple[Variant, ...]] | None = None
    # Rows of other models a delete of the target may change: (model, column holding the target's id).
    cascades: tuple[tuple[type[models.Model], str], ...] = ()
    # How a listed item names its object, and the key the routes take for the target.
    rest_item_id: Callable[[dict], object] = _item_id
    target_item_id: Callable[[models.Model], object] = _pk

    def allowed(self, action: str, rels: Iterable[str]) -> bool:
        if action not in self.table:
            raise AssertionError(
                f"The registry's policy table for {self.name} has no row for {action!r}: "
                "add it to its Resource in tests/matrix/resources.py (which relations may do it)."
            )
        return bool(self.table[action] & set(rels))

    def op(self, name: str) -> Op:
        # extra_ops first: a resource may say what a standard operation really writes.
        op = self.extra_ops.get(name) or STANDARD_OPS.get(name)
        if op is None:
            raise AssertionError(
                f"{self.name} has an operation {name!r} the registry does not know: add it to the "
                f"resource's extra_ops in tests/matrix/resources.py (its policy action and what it writes)."
            )
        return op

    def variants_of(self, op: str, surface: str) -> tuple[Variant, ...]:
        own = self.variants(op, surface) if self.variants else (DEFAULT,)
        return own + self.transfer_variants(op)

    def transfer_variants(self, op: str) -> tuple[Variant, ...]:
        """The transfer probes: for every update of a resource whose rows have a project field.

        Not for a resource nested in a project (a membership): there the project is in the
        row's address, not a field a body writes.
        """
        if not self.own_project or self.nested_in_project or self.op(op).writes != "update":
            return ()
        return TRANSFERS

    @property
    def parent_column(self) -> str:
        assert self.project_field is not None
        return f"{self.project_field}_id"

    @property
    def parent_field(self) -> str:
        """The field a body names the parent by, which a refused parent is a 400 on: ``project``, ``example``."""
        return (
            self.parent.name if self.parent is not None else (self.project_field or "project").split("__")[0]
        )

    @property
    def own_project(self) -> bool:
        """Whether the row holds its project itself (not through another row): transfers apply."""
        return self.project_field is not None and "__" not in self.project_field

    @property
    def moves(self) -> bool:
        """Whether its rows move between projects: the policy declares the project field their parent.

        If not, a transfer probe expects the field to be ignored and the row to stay where it is.
        """
        parent = policy.parent_of(self.model)
        if parent is None:
            return False
        assert parent.name == self.project_field, (
            f"{self.name}: the policy's parent is {parent.name!r}, the registry's project_field "
            f"{self.project_field!r}: make them the same field."
        )
        return True


def expected(population: Population, resource: Resource, op: Op, variant: Variant, actor: str) -> str:
    """The outcome the policy table gives ``actor`` for ``op`` on ``resource``'s target."""
    user = population.user(actor)
    if user is None:
        return UNAUTHENTICATED
    if op.on_target:
        rels = relations(resource, population.target(resource), user)
        if not resource.allowed(policy.VIEW, rels):
            return NOT_FOUND
        if not resource.allowed(op.action, rels):
            return FORBIDDEN
        if variant.transfer:
            return transfer_outcome(population, resource, variant, rels)
        return INVALID if variant.foreign_project else SUCCESS
    project_rels = relations(PROJECT, population.project, user)
    nested = resource.nested_in_project and (resource.nested_ops is None or op.name in resource.nested_ops)
    if nested and not PROJECT.allowed(policy.VIEW, project_rels):
        return NOT_FOUND
    if op.name == "create" and resource.create_needs:
        action, refusal = resource.create_needs
        parent = resource.parent or PROJECT
        parent_rels = relations(parent, population.target(parent), user)
        if variant.no_project:
            return SUCCESS
        if refusal == "field":
            return INVALID if variant.foreign_project or not parent.allowed(action, parent_rels) else SUCCESS
        return SUCCESS if parent.allowed(action, parent_rels) else FORBIDDEN
    return SUCCESS


def transfer_outcome(
    population: Population, resource: Resource, variant: Variant, rels: frozenset[str]
) -> str:
    """The transfer rule, for an actor who may change the target, from the tables (never from the
    policy's code): taking it out of its project needs the right to delete it there, putting it into
    one the right to add to that project."""
    if not resource.moves:
        return SUCCESS  # the project in the body is ignored (checked: the row stays where it is)
    in_a_project = getattr(population.target(resource), resource.parent_column) is not None
    if in_a_project and not resource.allowed(policy.DELETE, rels):
        return FORBIDDEN  # before the destination is looked at: the caller can see the row
    if variant.transfer == INTO_INVISIBLE:
        return INVALID
    if variant.transfer == TO_OTHER and not PROJECT.allowed(policy.ADD, {"owner"}):
        return INVALID
    return SUCCESS


def may_add_to_project(population: Population, actor: str) -> bool:
    return PROJECT.allowed(policy.ADD, relations(PROJECT, population.project, population.user(actor)))


# The three resources of the product


def _example_body(p: Population, op: str, variant: Variant) -> dict[str, Any] | None:
    if op == "duplicate":
        return None
    project = p.foreign_project if variant.foreign_project else p.project
    body = {"title": "written in the matrix", "content": "matrix", "project": project.pk}
    if variant.no_project or (op == "partial_update" and not variant.foreign_project):
        body.pop("project")
    # Ignored fields: the author is always the caller.
    return {**body, "user": p.users[STRANGER].pk, "owner": p.users[STRANGER].pk, "id": p.example.pk + 1}


def _example_graphql(p: Population, op: str, variant: Variant, target: object) -> dict[str, Any]:
    project = p.foreign_project if variant.foreign_project else p.project
    values: dict[str, Any] = {"id": str(target), "title": "written in the matrix", "content": "matrix"}
    if (op == "create" and not variant.no_project) or variant.foreign_project:
        values["projectId"] = str(project.pk)
    return values


def _example_variants(op: str, surface: str) -> tuple[Variant, ...]:
    if op not in ("create", "update", "partial_update"):
        return (DEFAULT,)
    # An update's moves are the generated transfer probes (Resource.transfer_variants).
    return (DEFAULT, FOREIGN, NO_PROJECT) if op == "create" else (DEFAULT,)


EXAMPLE = Resource(
    name="example",
    model=ExampleModel,
    graphql_type="Example",
    table={
        policy.VIEW: frozenset({"author", "owner", "editor", "viewer"}),
        policy.CHANGE: frozenset({"author", "owner", "editor"}),
        policy.DELETE: frozenset({"author", "owner"}),
    },
    make_target=lambda p: p.example,
    url_values=lambda p, target: {"pk": target},
    rest_body=_example_body,
    graphql_values=_example_graphql,
    author_field="user",
    project_field="project",
    create_needs=(policy.ADD, "field"),
    extra_ops={"duplicate": Op("duplicate", policy.VIEW, "add")},
    variants=lambda op, surface: _example_variants(op, surface),
)


def _project_body(p: Population, op: str, variant: Variant) -> dict[str, Any]:
    return {"name": "named in the matrix", "description": "matrix", "owner": p.users[STRANGER].pk, "id": 1}


PROJECT = Resource(
    name="project",
    model=Project,
    graphql_type="Project",
    table={
        policy.VIEW: frozenset({"owner", "editor", "viewer"}),
        policy.CHANGE: frozenset({"owner"}),
        policy.DELETE: frozenset({"owner"}),
        policy.ADD: frozenset({"owner", "editor"}),
        policy.MANAGE: frozenset({"owner"}),
    },
    make_target=lambda p: p.project,
    url_values=lambda p, target: {"pk": target, "project_pk": target, "project_id": target},
    rest_body=_project_body,
    graphql_values=lambda p, op, variant, target: {
        "id": str(target),
        "name": "named in the matrix",
        "description": "matrix",
    },
    author_field="owner",
    cascades=(
        (ProjectMembership, "project_id"),
        (ExampleModel, "project_id"),
        (Invitation, "project_id"),
    ),
)


def _member_body(p: Population, op: str, variant: Variant) -> dict[str, Any]:
    if op == "create":
        return {"username": p.newcomer.username, "role": ProjectRole.EDITOR}
    return {"role": ProjectRole.EDITOR}


def _member_graphql(p: Population, op: str, variant: Variant, target: object) -> dict[str, Any]:
    username = p.newcomer.username if op == "create" else p.membership.user.username
    return {"projectId": str(p.project.pk), "username": username, "role": "EDITOR"}


def _member_url(p: Population, target: object) -> dict[str, Any]:
    # The membership is named by its project and its user; ``target`` is the member's user id.
    project = p.project.pk
    return {
        "project_pk": project,
        "project_id": project,
        "parent_lookup_project": project,
        "user_id": target,
        "user_pk": target,
        "pk": target,
    }


MEMBERSHIP = Resource(
    name="membership",
    model=ProjectMembership,
    graphql_type="ProjectMember",
    table={
        policy.VIEW: frozenset({"owner", "editor", "viewer"}),
        policy.CHANGE: frozenset({"owner"}),
        policy.DELETE: frozenset({"owner", "self"}),
    },
    make_target=lambda p: p.membership,
    url_values=_member_url,
    rest_body=_member_body,
    graphql_values=_member_graphql,
    self_field="user",
    project_field="project",
    create_needs=(policy.MANAGE, "object"),
    nested_in_project=True,
    # POST .../members/ invites: it adds an invitation and no membership.
    extra_ops={"create": Op("create", None, "none", adds=(Invitation,))},
    rest_item_id=lambda item: item["user"]["id"],
    target_item_id=lambda obj: obj.user_id,
)


def _invitation_graphql(p: Population, op: str, variant: Variant, target: object) -> dict[str, Any]:
    # addProjectMember (create) invites the newcomer; the others name the target invitation.
    return {
        "id": str(target),
        "projectId": str(p.project.pk),
        "username": p.newcomer.username,
        "role": "EDITOR",
    }


INVITATION = Resource(
    name="invitation",
    model=Invitation,
    graphql_type="Invitation",
    table={
        policy.VIEW: frozenset({"owner", "self"}),
        policy.RESPOND: frozenset({"self"}),
        policy.DELETE: frozenset({"owner"}),
    },
    make_target=lambda p: p.invitation,
    url_values=lambda p, target: {"pk": target},
    rest_body=lambda p, op, variant: None,
    graphql_values=_invitation_graphql,
    author_field="invited_by",
    self_field="invitee",
    project_field="project",
    create_needs=(policy.MANAGE, "object"),
    # Only creating (addProjectMember) names the project; the list is the caller's own.
    nested_in_project=True,
    nested_ops=frozenset({"create"}),
    extra_ops={
        "accept": Op("accept", policy.RESPOND, "delete", adds=(ProjectMembership,)),
        "decline": Op("decline", policy.RESPOND, "delete"),
        "cancel": Op("cancel", policy.DELETE, "delete"),
    },
)


def _comment_body(p: Population, op: str, variant: Variant) -> dict[str, Any]:
    example = p.foreign_example if variant.foreign_project else p.example
    return {
        "example": getattr(example, "pk", None),
        "body": "said in the matrix",
        "owner": p.users[STRANGER].pk,
    }


COMMENT = Resource(
    name="comment",
    model=Comment,
    graphql_type="Comment",
    table={
        policy.VIEW: frozenset({"parent:view"}),
        policy.CHANGE: frozenset({"author"}),
        policy.DELETE: frozenset({"author", "owner"}),
    },
    # By the editor, on the author's example in the shared project.
    make_target=lambda p: Comment.objects.create(example=p.example, user=p.users[EDITOR], body="a remark"),
    url_values=lambda p, target: {"pk": target},
    rest_body=_comment_body,
    graphql_values=lambda p, op, variant, target: {
        "id": str(target),
        "exampleId": str(_comment_body(p, op, variant)["example"]),
        "body": "said in the matrix",
    },
    author_field="user",
    project_field="example__project",
    parent=EXAMPLE,
    make_row=lambda example, user: Comment.objects.create(example=example, user=user, body="x"),
    create_needs=(policy.VIEW, "field"),
    variants=lambda op, surface: (DEFAULT, FOREIGN) if op == "create" else (DEFAULT,),
)

RESOURCES: list[Resource] = [EXAMPLE, PROJECT, MEMBERSHIP, INVITATION, COMMENT]


def resource_for_model(model: type[models.Model], resources: Iterable[Resource]) -> Resource | None:
    return next((r for r in resources if r.model is model or r.model is model._meta.concrete_model), None)


def target_key(resource: Resource, obj: models.Model) -> object:
    """The id the routes and fields take for the target (a membership: its user's id)."""
    return resource.target_item_id(obj)


# Finding the REST routes: by the model of each viewset's queryset


def viewset_model(view_class: type) -> type[models.Model] | None:
    """The model a DRF viewset serves: from ``queryset``, ``model``, or get_queryset() as the schema sees it."""
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    if getattr(view_class, "model", None) is not None:
        return view_class.model
    view = view_class()
    view.swagger_fake_view = True  # the views answer an empty queryset of their model, no request needed
    view.request = None
    view.kwargs = {}
    view.args = ()
    view.format_kwarg = None
    try:
        return view.get_queryset().model
    except Exception:
        serializer = getattr(view_class, "serializer_class", None)
        return getattr(getattr(serializer, "Meta", None), "model", None)


@dataclass(frozen=True)
class RestCase:
    route: Route
    method: str
    op_name: str
    model: type[models.Model]

    @property
    def id(self) -> str:
        return f"{self.method} {self.route.regex}"


def rest_cases(all_routes: list[Route] | None = None) -> list[RestCase]:
    """Every (route, method) served by a viewset of a model: the routes the registry must cover."""
    cases = []
    for route in all_routes if all_routes is not None else routes():
        actions = getattr(route.callback, "actions", None)
        view_class = getattr(route.callback, "cls", None)
        if not actions or view_class is None or route.is_admin:
            continue
        model = viewset_model(view_class)
        if model is None:
            continue
        cases += [RestCase(route, method.upper(), name, model) for method, name in actions.items()]
    return cases


def unregistered_rest_cases(resources: Iterable[Resource]) -> list[str]:
    """The routes served by a viewset of a model the registry has no entry for, as text."""
    resources = list(resources)
    return sorted(
        {
            f"{case.id} ({case.model._meta.label})"
            for case in rest_cases()
            if not resource_for_model(case.model, resources)
        }
    )


# Finding the GraphQL fields: by return type


@dataclass(frozen=True)
class GraphQLCase:
    root: str  # "Query" | "Mutation"
    name: str
    type_name: str  # the object type it is about
    op_name: str
    many: bool  # a list or a page of them

    @property
    def id(self) -> str:
        return f"{self.root}.{self.name}"


def _object_type(field_def: GraphQLField) -> tuple[GraphQLObjectType | None, bool]:
    """The object type a field answers with (a payload union's non-OperationInfo member, a page's
    ``results``, a connection's ``edges { node }``), and whether it is many of them."""
    type_ = field_def.type
    many = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        many = many or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    if isinstance(type_, GraphQLUnionType):
        members = [t for t in type_.types if t.name != "OperationInfo"]
        return (members[0] if len(members) == 1 else None), many
    if isinstance(type_, GraphQLObjectType) and "results" in type_.fields and "totalCount" in type_.fields:
        return get_named_type(type_.fields["results"].type), True
    if isinstance(type_, GraphQLObjectType) and "edges" in type_.fields and "pageInfo" in type_.fields:
        # A connection (examplesConnection): its objects are edges { node }.
        edge = get_named_type(type_.fields["edges"].type)
        return get_named_type(edge.fields["node"].type), True
    return (type_ if isinstance(type_, GraphQLObjectType) else None), many


def graphql_cases(
    schema: GraphQLSchema, resources: Iterable[Resource]
) -> tuple[list[GraphQLCase], list[str]]:
    """The root fields about a registered resource, and those about an object type nobody registered
    that is backed by a model (reported)."""
    by_type = {r.graphql_type: r for r in resources}
    cases, unknown = [], []
    for root_name, root in (("Query", schema.query_type), ("Mutation", schema.mutation_type)):
        if root is None:
            continue
        for name, field_def in root.fields.items():
            object_type, many = _object_type(field_def)
            if object_type is None or object_type.name not in by_type:
                if object_type is not None and _is_model_type(object_type):
                    unknown.append(f"{root_name}.{name}")
                continue
            cases.append(
                GraphQLCase(root_name, name, object_type.name, _graphql_op(root_name, name, many), many)
            )
    return cases, unknown


# Types the matrix leaves to its hand-written tables: the caller's own account.
CALLER_TYPES = frozenset({"User", "Profile"})


def _is_model_type(object_type: GraphQLObjectType) -> bool:
    # Strawberry keeps its definition in the GraphQL type's extensions; strawberry_django marks the
    # class of a model type with its definition (and model).
    definition = (object_type.extensions or {}).get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    model = getattr(getattr(origin, "__strawberry_django_definition__", None), "model", None)
    return model is not None and object_type.name not in CALLER_TYPES


def _graphql_op(root: str, name: str, many: bool) -> str:
    if root == "Query":
        return "list" if many else "retrieve"
    for verb, op in GRAPHQL_VERBS.items():
        if name.startswith(verb) and name[len(verb) : len(verb) + 1].isupper():
            return op
    return _first_word(name)  # duplicate, or a verb the resource must list in extra_ops


def _first_word(name: str) -> str:
    for index, char in enumerate(name):
        if char.isupper():
            return name[:index]
    return name


def graphql_resource(case: GraphQLCase, resources: Iterable[Resource]) -> Resource:
    return next(r for r in resources if r.graphql_type == case.type_name)


# For generated input: who may do everything to a resource's target, and which registry case a route is.


def most_allowed_actor(population: Population, resource: Resource) -> str:
    """The first actor allowed every action of the resource's table on its target (the author, the owner);
    where nobody is (an invitation: the owner cancels, the invitee answers), the first allowed the most."""
    target = population.target(resource)
    allowed = {
        actor: sum(
            resource.allowed(action, relations(resource, target, population.user(actor)))
            for action in resource.table
        )
        for actor in ACTORS
    }
    best = max(ACTORS, key=lambda actor: allowed[actor])
    if allowed[best] == 0:
        raise AssertionError(f"no actor of the population may do anything to the {resource.name}")
    return best


def rest_case_for(
    route: Route, method: str, resources: Iterable[Resource]
) -> tuple[Resource, RestCase] | None:
    for case in rest_cases([route]):
        if case.method == method and (resource := resource_for_model(case.model, resources)):
            return resource, case
    return None

"""A throwaway resource, for the meta-test: a model, its policy, a viewset, a route and a registry entry.

``Note`` lives in an app registry of its own (so the product's migrations and
admin never see it) and its table is created by the meta-test itself. It
keeps its author and project as plain id columns: a foreign key from another
app registry to ``Project`` would add a reverse relation to the product's
model. Its URL conf is the product's plus ``/api/v1/notes/``, used with
``override_settings(ROOT_URLCONF="tests.matrix.throwaway")``.

What it takes is what docs/EXTENDING.md asks of a new resource: nothing in
tests/matrix/test_resource_matrix.py or engine.py names it. A note moves
between projects as an example does (its policy declares the project its
parent, its update calls ``services.parent_to_write``), so the matrix's
generated transfer probes cover it too.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

import strawberry
import strawberry_django
from django.apps.registry import Apps
from django.db import models, transaction
from django.db.models import Q
from django.urls import include, path
from rest_framework import routers, serializers
from strawberry.tools import merge_types
from strawberry.types import Info
from strawberry_django.fields.types import OperationInfo
from strawberry_django.pagination import OffsetPaginated

from api import policy, services, versions
from api.models import Project
from api.querysets import parse_pk
from api.v1.base import PolicyModelViewSet, Writes
from api.v1.relations import PolicyPrimaryKeyRelatedField
from backend.urls import urlpatterns as product_urlpatterns
from graphql_api.base import PolicyType, policy_type
from graphql_api.context import viewer
from graphql_api.mutations import Mutation, _call
from graphql_api.pagination import PageRule
from graphql_api.queries import Query
from graphql_api.schema import GraphQLSchema, build_schema
from graphql_api.types import given_fields
from graphql_api.views import GraphQLView

from .resources import Population, Resource

throwaway_apps = Apps(["tests.matrix"])


class Note(models.Model):
    user_id = models.IntegerField()
    project_id = models.IntegerField(null=True, blank=True)
    text = models.CharField(max_length=100)

    class Meta:
        apps = throwaway_apps
        app_label = "matrix"
        db_table = "matrix_throwaway_note"

    def __str__(self) -> str:
        return self.text

    @property
    def project(self) -> Project | None:
        return Project.objects.filter(pk=self.project_id).first()


class NotePolicy:
    """See: the author and whoever sees the project. Change: the author and the project's owner. Delete: the author."""

    def condition(self, user, action: str) -> Q | None:
        projects = lambda action: Project.objects.restrict(user, action).order_by().values("pk")  # noqa: E731
        if action == policy.VIEW:
            return Q(user_id=user.pk) | Q(project_id__in=projects(policy.VIEW))
        if action == policy.CHANGE:
            return Q(user_id=user.pk) | Q(project_id__in=projects(policy.MANAGE))
        if action == policy.DELETE:
            return Q(user_id=user.pk)
        return None


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=100)
    project = PolicyPrimaryKeyRelatedField(
        model=Project, action=policy.ADD, source="project_id", allow_null=True, required=False
    )


@transaction.atomic
def note_create(*, user, text: str) -> Note:
    return Note.objects.create(user_id=user.pk, text=text)


@transaction.atomic
def note_update(*, user, note_id: object, data: dict[str, Any], expected=None) -> Note:
    note = services.get_for_action(Note, user=user, action=policy.CHANGE, pk=note_id, lock=True)
    versions.check(note, expected)  # Note has no updated_at: its version is a hash of its columns
    changes = dict(data)
    if "project_id" in changes:  # a move: the one transfer rule, as example_update
        changes["project_id"] = services.parent_to_write(note, user=user, parent_id=changes["project_id"])
    return services.model_update(note, data=changes, fields={"text", "project_id"})


@transaction.atomic
def note_update_skipping_the_transfer_rule(*, user, note_id: object, data: dict[str, Any], expected=None):
    """The mistake the transfer probes must catch: a move that checks only ADD on the new project."""
    note = services.get_for_action(Note, user=user, action=policy.CHANGE, pk=note_id, lock=True)
    changes = dict(data)
    if changes.get("project_id") is not None:
        changes["project_id"] = services.parent_to_add_to(
            NOTE_PARENT, user=user, parent_id=changes["project_id"]
        ).pk
    return services.model_update(note, data=changes, fields={"text", "project_id"})


@transaction.atomic
def note_delete(*, user, note_id: object, expected=None) -> Note:
    """As the product's deletes: returns the row as it was (id included) for the caller to echo."""
    note = services.get_for_action(Note, user=user, action=policy.DELETE, pk=note_id, lock=True)
    versions.check(note, expected)
    pk = note.pk
    note.delete()
    note.pk = pk
    return note


# As a product model does in api/policy.py (or its AppConfig.ready): the base refuses a viewset
# whose model has no policy when the URL conf is built. Its project is a parent it moves between.
NOTE_PARENT = policy.Parent("project", Project)
policy.register(Note, NotePolicy(), parent=NOTE_PARENT)


class NoteViewSet(PolicyModelViewSet):
    """On the shared base: reads through the policy, writes through the services above."""

    model = Note
    serializer_class = NoteSerializer
    writes = Writes(id_kwarg="note_id", create=note_create, update=note_update, delete=note_delete)

    def base_queryset(self):
        return Note.objects.order_by("-pk")


class LeakyNoteViewSet(NoteViewSet):
    """The mistake the matrix must catch: a read that forgot the policy."""

    def get_queryset(self):
        return Note.objects.order_by("-pk")


class CarelessMoveNoteViewSet(NoteViewSet):
    """The mistake the transfer probes must catch: an update that moves a note with ADD alone."""

    writes = Writes(
        id_kwarg="note_id",
        create=note_create,
        update=note_update_skipping_the_transfer_rule,
        delete=note_delete,
    )


def _urls(viewset: type) -> list:
    router = routers.SimpleRouter()
    router.register("notes", viewset, basename="note")
    return [*product_urlpatterns, path("api/v1/", include(router.urls))]


def _note_body(p: Population, op: str, variant: Any) -> dict[str, Any]:
    return {"text": "written in the meta-test", "id": 1}


NOTE = Resource(
    name="note",
    model=Note,
    graphql_type="Note",
    table={
        policy.VIEW: frozenset({"author", "owner", "editor", "viewer"}),
        policy.CHANGE: frozenset({"author", "owner"}),
        policy.DELETE: frozenset({"author"}),
    },
    # The author's note, in the shared project (the author is one of its editors).
    make_target=lambda p: Note.objects.create(
        user_id=p.example.user_id, project_id=p.project.pk, text="note"
    ),
    url_values=lambda p, target: {"pk": target},
    rest_body=_note_body,
    graphql_values=lambda p, op, variant, target: {"id": str(target), "text": "x"},
    author_field="user",
    project_field="project",
)


# GraphQL, as docs/EXTENDING.md steps 7 and 8 ask: a type on the policy base, a payload union,
# root fields and mutations calling the services above. ``note_schema()`` serves them merged
# into the product's root types, under the product's extensions, at /graphql/ of this URL conf.


@policy_type(Note, name="Note")
class NoteType(PolicyType):
    id: strawberry.auto
    text: strawberry.auto


NotePayload = Annotated[NoteType | OperationInfo, strawberry.union("NotePayload")]


@strawberry.input(name="NotePartialInput")
class NotePartialInput:
    id: strawberry.ID
    text: str | None = strawberry.UNSET
    project_id: strawberry.ID | None = strawberry.UNSET


def _resolve_note(info: Info, id: strawberry.ID):
    pk = parse_pk(id)
    return Note.objects.filter(pk=pk) if pk is not None else Note.objects.none()


@strawberry.type(name="Query")
class NoteQuery:
    note: NoteType | None = strawberry_django.field(resolver=_resolve_note)
    notes: OffsetPaginated[NoteType] = strawberry_django.offset_paginated(
        resolver=lambda: Note.objects.order_by("-pk"), extensions=[PageRule()]
    )


@strawberry.type(name="Mutation")
class NoteMutation:
    @strawberry_django.mutation(handle_django_errors=True)
    def create_note(self, info: Info, text: str) -> NotePayload:
        return _call(note_create, user=viewer(info), text=text)

    @strawberry_django.mutation(handle_django_errors=True)
    def update_note(self, info: Info, data: NotePartialInput) -> NotePayload:
        return _call(
            note_update, user=viewer(info), note_id=data.id, data=given_fields(data, ("text", "project_id"))
        )

    @strawberry_django.mutation(handle_django_errors=True)
    def delete_note(self, info: Info, id: strawberry.ID) -> NotePayload:
        return _call(note_delete, user=viewer(info), note_id=id)


@functools.cache
def note_schema() -> GraphQLSchema:
    """The product's schema plus the note's fields, built by the product's own builder."""
    return build_schema(
        query=merge_types("Query", (Query, NoteQuery)),
        mutation=merge_types("Mutation", (Mutation, NoteMutation)),
    )


def _graphql_urls(viewset: type) -> list:
    view = GraphQLView.as_view(schema=note_schema())
    return [path("graphql/", view), *_urls(viewset)]


urlpatterns = _graphql_urls(NoteViewSet)

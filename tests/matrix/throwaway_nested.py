"""A throwaway resource whose parent is another row, for the meta-test: ``Remark`` on a ``Note``.

As ``Comment`` is on an example, a remark is on a note (tests/matrix/throwaway.py): a real
foreign key to the note, and its project reached through it (``note__project``). Seen by
whoever sees the note; changed by its author; deleted by its author or the note's project
owner. Its registry entry (``REMARK``) names ``parent=NOTE`` and nothing else is written for
the matrix. ``CarelessRemarkViewSet`` (tests/matrix/throwaway_nested_careless.py) creates a
remark on any note id, seen or not: the matrix must catch it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.urls import include, path
from rest_framework import routers, serializers

from api import policy, services, versions
from api.models import Project
from api.querysets import parse_pk
from api.v1.base import PolicyModelViewSet, Writes
from api.v1.relations import PolicyPrimaryKeyRelatedField
from backend.urls import urlpatterns as product_urlpatterns

from .resources import EDITOR, Population, Resource
from .throwaway import NOTE, Note, throwaway_apps


class Remark(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE)
    user_id = models.IntegerField()
    text = models.CharField(max_length=100)

    class Meta:
        apps = throwaway_apps
        app_label = "matrix"
        db_table = "matrix_throwaway_remark"

    def __str__(self) -> str:
        return f"{self.user_id} on note {self.note_id}"


@contextmanager
def throwaway_tables() -> Iterator[None]:
    """The notes' and remarks' tables, for a test: deleting a note cascades to its remarks' table."""
    with connection.schema_editor() as editor:
        editor.create_model(Note)
        editor.create_model(Remark)
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Remark)
            editor.delete_model(Note)


class RemarkPolicy:
    """See: whoever sees the note. Change: the author. Delete: the author or the note's project owner."""

    def condition(self, user, action: str) -> Q | None:
        mine = Q(user_id=user.pk)
        if action == policy.VIEW:
            notes = policy.restrict(Note.objects.all(), user, policy.VIEW).order_by().values("pk")
            return policy.in_subquery("note_id", notes)
        if action == policy.CHANGE:
            return mine
        if action == policy.DELETE:
            owned = Project.objects.restrict(user, policy.DELETE).order_by().values("pk")
            return mine | policy.in_subquery("note__project_id", owned)
        return None


policy.register(Remark, RemarkPolicy())


class RemarkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=100)
    note = PolicyPrimaryKeyRelatedField(model=Note, action=policy.VIEW, source="note_id")


def _remark_on(notes: models.QuerySet, *, user, note_id: object, text: str) -> Remark:
    note = notes.filter(pk=parse_pk(note_id) or 0).first()
    if note is None:
        raise ValidationError({"note": [ValidationError("Invalid note: not found.", code="invalid")]})
    return Remark.objects.create(note=note, user_id=user.pk, text=text)


@transaction.atomic
def remark_create(*, user, note_id: object, text: str) -> Remark:
    return _remark_on(
        policy.restrict(Note.objects.all(), user, policy.VIEW), user=user, note_id=note_id, text=text
    )


@transaction.atomic
def remark_create_on_any_note(*, user, note_id: object, text: str) -> Remark:
    """The mistake the matrix must catch: the parent is looked up without the policy."""
    return _remark_on(Note.objects.all(), user=user, note_id=note_id, text=text)


@transaction.atomic
def remark_update(*, user, remark_id: object, data: dict[str, Any], expected=None) -> Remark:
    remark = services.get_for_action(Remark, user=user, action=policy.CHANGE, pk=remark_id, lock=True)
    versions.check(remark, expected)
    return services.model_update(
        remark, data={"text": data["text"]} if "text" in data else {}, fields={"text"}
    )


@transaction.atomic
def remark_delete(*, user, remark_id: object, expected=None) -> Remark:
    remark = services.get_for_action(Remark, user=user, action=policy.DELETE, pk=remark_id, lock=True)
    versions.check(remark, expected)
    pk = remark.pk
    remark.delete()
    remark.pk = pk
    return remark


class RemarkViewSet(PolicyModelViewSet):
    model = Remark
    serializer_class = RemarkSerializer
    writes = Writes(id_kwarg="remark_id", create=remark_create, update=remark_update, delete=remark_delete)

    def base_queryset(self):
        return Remark.objects.order_by("-pk")


class CarelessRemarkViewSet(RemarkViewSet):
    writes = Writes(
        id_kwarg="remark_id", create=remark_create_on_any_note, update=remark_update, delete=remark_delete
    )


def remark_urls(viewset: type) -> list:
    router = routers.SimpleRouter()
    router.register("remarks", viewset, basename="remark")
    return [*product_urlpatterns, path("api/v1/", include(router.urls))]


def _remark_body(p: Population, op: str, variant: Any) -> dict[str, Any]:
    return {"note": p.target(NOTE).pk, "text": "remarked in the meta-test", "user_id": p.users[EDITOR].pk + 1}


REMARK = Resource(
    name="remark",
    model=Remark,
    graphql_type="Remark",
    table={
        policy.VIEW: frozenset({"parent:view"}),
        policy.CHANGE: frozenset({"author"}),
        policy.DELETE: frozenset({"author", "owner"}),
    },
    # By the editor, on the author's note in the shared project (as COMMENT's target).
    make_target=lambda p: Remark.objects.create(note=p.target(NOTE), user_id=p.users[EDITOR].pk, text="r"),
    url_values=lambda p, target: {"pk": target},
    rest_body=_remark_body,
    graphql_values=lambda p, op, variant, target: {"id": str(target), "text": "x"},
    author_field="user",
    project_field="note__project",
    parent=NOTE,
    create_needs=(policy.VIEW, "field"),
)

urlpatterns = remark_urls(RemarkViewSet)

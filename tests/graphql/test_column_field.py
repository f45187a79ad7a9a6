"""Guards of graphql_api.column_field: the same answers as strawberry-django's own path, for every kind of field.

A throwaway model (never migrated: its rows live in memory) carries what a
team is likely to add: a foreign key, a file, a computed property, a field
with a resolver. Each is served by a type built with ``ColumnField`` and by
the same type built with strawberry-django's ``StrawberryDjangoField``; the
answers must be equal. The upgrade guards fail when Strawberry or
strawberry-django change what ``ColumnField`` relies on.
"""

# No `from __future__ import annotations`: the types below are built inside functions,
# and Strawberry resolves their annotations at once.
import inspect

import pytest
import strawberry
import strawberry_django
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from strawberry import auto
from strawberry_django.fields.base import StrawberryDjangoFieldBase
from strawberry_django.fields.field import StrawberryDjangoField

from api.models import ExampleModel
from authentication.models import User
from graphql_api.column_field import ColumnField
from graphql_api.schema import schema as product_schema
from graphql_api.types import ExampleType

from ..factories import ExampleFactory

UPGRADE = (
    "graphql_api/column_field.py relies on this; after a Strawberry or strawberry-django upgrade "
    "check that ColumnField still answers as StrawberryDjangoField does (or drop it if upstream "
    "now makes plain columns basic fields)."
)


class Gadget(models.Model):
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=50)
    manual = models.FileField(blank=True, null=True)
    price_cents = models.IntegerField()

    class Meta:
        app_label = "column_field_guard"
        managed = False

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> str:
        return f"{self.price_cents / 100:.2f}"


def _label(root: Gadget) -> str:
    return f"{root.name} by {root.owner.username}"


def build_schema(field_cls: type[StrawberryDjangoField], gadgets: list[Gadget]) -> strawberry.Schema:
    @strawberry_django.type(User, name="Owner", field_cls=field_cls)
    class OwnerType:
        username: auto

    @strawberry_django.type(Gadget, name="Gadget", field_cls=field_cls)
    class GadgetType:
        id: auto
        name: auto
        manual: auto
        price: str
        owner: OwnerType
        label: str = strawberry_django.field(resolver=_label)

    @strawberry.type
    class Query:
        @strawberry.field
        def gadgets(self) -> list[GadgetType]:
            return gadgets

    return strawberry.Schema(query=Query)


QUERY = "{ gadgets { id name manual { name url } price owner { username } label } }"


def gadgets() -> list[Gadget]:
    ada, bob = User(id=1, username="ada"), User(id=2, username="bob")
    return [
        Gadget(id=1, owner=ada, name="lamp", manual="manuals/lamp.pdf", price_cents=1999),
        Gadget(id=2, owner=bob, name="fan", manual="", price_cents=500),
    ]


def test_foreign_key_file_and_computed_fields_answer_as_strawberry_django_does():
    rows = gadgets()
    fast = build_schema(ColumnField, rows).execute_sync(QUERY)
    stock = build_schema(StrawberryDjangoField, rows).execute_sync(QUERY)

    assert fast.errors is None and stock.errors is None
    assert (
        fast.data
        == stock.data
        == {
            "gadgets": [
                {
                    "id": "1",
                    "name": "lamp",
                    "manual": {"name": "manuals/lamp.pdf", "url": rows[0].manual.url},
                    "price": "19.99",
                    "owner": {"username": "ada"},
                    "label": "lamp by ada",
                },
                {
                    "id": "2",
                    "name": "fan",
                    # An empty FileField is null, as strawberry-django has it.
                    "manual": None,
                    "price": "5.00",
                    "owner": {"username": "bob"},
                    "label": "fan by bob",
                },
            ]
        }
    )


def test_only_plain_columns_become_basic_fields():
    fields = {
        field.name: field for field in build_schema(ColumnField, gadgets()).get_type_by_name("Gadget").fields
    }

    assert {name for name, field in fields.items() if field.is_basic_field} == {
        "id",
        "name",
        "manual",
        "price",
    }
    assert not fields["owner"].is_basic_field  # a relation: the optimizer's hooks stay
    assert not fields["label"].is_basic_field  # a resolver


@pytest.mark.django_db
def test_a_deferred_column_is_loaded_not_answered_empty(user):
    ExampleFactory(user=user, title="Loaded on demand")

    @strawberry.type
    class Query:
        @strawberry.field
        def examples(self) -> list[ExampleType]:
            return list(ExampleModel.objects.only("id"))

    with CaptureQueriesContext(connection) as queries:
        result = strawberry.Schema(query=Query).execute_sync("{ examples { title } }")

    assert result.errors is None
    assert result.data == {"examples": [{"title": "Loaded on demand"}]}
    assert len(queries) == 2  # the rows, then the deferred title


def test_upgrade_guard_strawberry_resolves_basic_fields_without_info():
    example = product_schema._schema.type_map["Example"]
    # Strawberry's converter builds this resolver for a basic field: it calls
    # get_result(source, info=None, args=[], kwargs={}).
    assert example.fields["title"].resolve.__name__ == "_get_basic_result", UPGRADE
    assert example.fields["project"].resolve.__name__ != "_get_basic_result", UPGRADE
    source = inspect.getsource(type(product_schema.schema_converter).from_resolver)
    assert "field.is_basic_field" in source and "info=None" in source, UPGRADE


def test_upgrade_guard_strawberry_django_get_result_and_is_basic_field():
    assert list(inspect.signature(StrawberryDjangoField.get_result).parameters) == [
        "self",
        "source",
        "info",
        "args",
        "kwargs",
    ], UPGRADE
    assert isinstance(StrawberryDjangoFieldBase.__dict__["is_basic_field"], property), UPGRADE
    assert StrawberryDjangoField(python_name="x", graphql_name=None).is_basic_field is False, UPGRADE

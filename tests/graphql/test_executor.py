"""Guards of graphql_api.executor: the short path for leaf columns answers exactly as graphql-core does.

Every query here runs twice, through ``LeafColumnsExecutor`` and through
Strawberry's own executor, and the two answers (data, errors, their paths and
messages, the key order) must be equal. The fields cover what a team is likely
to add: a foreign key, a file, a computed property, a resolver (the
throwaway ``Gadget`` model of test_column_field.py), and the failure cases a
plain attribute can still produce: ``None`` in a non-null field, a property
that raises, a value the scalar cannot serialize. The upgrade guards fail
when graphql-core, Strawberry or strawberry-django change what the module
relies on; the counting tests fail when the short path silently stops running.
"""

# No `from __future__ import annotations`: the types below are built inside functions,
# and Strawberry resolves their annotations at once.
import inspect
import json
from typing import Any

import pytest
import strawberry
import strawberry_django
from graphql import GraphQLSchema, MiddlewareManager
from graphql.execution import Executor
from strawberry import auto
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry_django.optimizer import DjangoOptimizerExtension

from authentication.models import User
from graphql_api.column_field import ColumnField
from graphql_api.executor import BASIC_RESOLVER_NAME, PASS_THROUGH_MIDDLEWARE, LeafColumnsExecutor
from graphql_api.schema import schema as product_schema

from ..factories import ExampleFactory
from .test_column_field import Gadget, gadgets

UPGRADE = (
    "graphql_api/executor.py relies on this; after a graphql-core, Strawberry or strawberry-django "
    "upgrade check that LeafColumnsExecutor still answers as the stock executor does (or drop it)."
)


class Plain:
    """A source object for a plain Strawberry type: attributes, and a property that fails."""

    def __init__(self, name: Any, note: Any = None, count: Any = 1) -> None:
        self.name = name
        self.note = note
        self.count = count

    @property
    def broken(self) -> str:
        raise ValueError("no broken value here")


class Note:
    """Not a plain value: the String scalar refuses it (a located error, the same from both executors)."""

    def __repr__(self) -> str:
        return "Note()"


def build(executor: type | None, rows: list[Gadget], extensions: tuple = ()) -> strawberry.Schema:
    @strawberry_django.type(User, name="Owner", field_cls=ColumnField)
    class OwnerType:
        username: auto

    @strawberry_django.type(Gadget, name="Gadget", field_cls=ColumnField)
    class GadgetType:
        id: auto
        name: auto
        manual: auto
        price: str
        owner: OwnerType
        label: str = strawberry_django.field(resolver=lambda root: f"{root.name} by {root.owner.username}")

    @strawberry.type
    class PlainType:
        name: str
        note: str | None
        count: int
        broken: str

    @strawberry.type
    class Query:
        @strawberry.field
        def gadgets(self) -> list[GadgetType]:
            return rows

        @strawberry.field
        def plains(self) -> list[PlainType]:
            # The rows that fail come last: a failing non-null field nulls the whole list.
            return [
                Plain("a", note="n"),
                Plain("d", note=Note()),
                Plain(None),
                Plain("c", count="not a number"),
            ]

    return strawberry.Schema(query=Query, execution_context_class=executor, extensions=list(extensions))


def answers(query: str, extensions: tuple = ()) -> tuple[str, str]:
    """The JSON answers of the short path and of Strawberry's stock executor, keys in their order."""

    def run(executor: type | None) -> str:
        result = build(executor, gadgets(), extensions).execute_sync(query)
        errors = [
            {"message": error.message, "path": error.path, "locations": error.locations}
            for error in result.errors or ()
        ]
        return json.dumps({"data": result.data, "errors": errors}, default=str)

    return run(LeafColumnsExecutor), run(StrawberryGraphQLCoreExecutionContext)


QUERIES = {
    "foreign key, file, computed property and resolver": (
        "{ gadgets { id name manual { name url } price owner { username } label } }"
    ),
    "aliases, repeated fields, fragments, __typename and @skip/@include": """
        query { gadgets { __typename first: name ...F name id @skip(if: true) price @include(if: true) } }
        fragment F on Gadget { name owner { n: username } }
    """,
    "None in a non-null field nulls the row, the error keeps its path": "{ plains { name count } }",
    "a failing property is a located error": "{ plains { name broken } }",
    "a value the scalar rejects is a located error": "{ plains { note count } }",
    "a null in a nullable field stays null": "{ plains { note } }",
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_the_short_path_answers_as_graphql_core_does(query):
    fast, stock = answers(query)
    assert fast == stock


def test_the_failure_cases_really_fail():
    # Without this, the comparisons above could pass on two empty answers.
    errors = json.loads(answers(QUERIES["a failing property is a located error"])[0])["errors"]
    assert errors == [
        {"message": "no broken value here", "path": ["plains", 0, "broken"], "locations": [[1, 17]]}
    ]


class Count:
    """How many rows the short path completed, and how many it handed to graphql-core's full path."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.short = self.full = 0
        original = LeafColumnsExecutor._complete_leaves

        def counting(plan, source):
            leaves = original(plan, source)
            if leaves is None:
                self.full += 1
            else:
                self.short += 1
            return leaves

        monkeypatch.setattr(LeafColumnsExecutor, "_complete_leaves", staticmethod(counting))


def test_rows_with_a_surprise_take_the_full_path(monkeypatch):
    count = Count(monkeypatch)
    build(LeafColumnsExecutor, gadgets()).execute_sync("{ plains { name count } }")
    # "a" and "d" are plain; the null name goes the full way, which nulls the list (the last row never runs).
    assert (count.short, count.full) == (2, 1)

    count = Count(monkeypatch)
    build(LeafColumnsExecutor, gadgets()).execute_sync("{ plains { note count } }")
    # "a" and the null note are plain; Note() (not a plain type) and the bad count go the full way.
    assert (count.short, count.full) == (2, 2)


def test_a_file_and_a_relation_keep_their_own_path(monkeypatch):
    count = Count(monkeypatch)
    result = build(LeafColumnsExecutor, gadgets()).execute_sync(
        "{ gadgets { manual { name } owner { username } } }"
    )
    assert result.errors is None
    # A file and a relation are object types: graphql-core's own path runs them. Their leaves are
    # plain again: the first gadget's FieldFile name and both owners' usernames take the short path;
    # the second gadget's empty file is null, so its name never runs.
    assert (count.short, count.full) == (3, 0)
    assert result.data["gadgets"][0]["manual"] == {"name": "manuals/lamp.pdf"}


def test_an_extension_with_a_resolve_hook_turns_the_short_path_off(monkeypatch):
    class Shout(SchemaExtension):
        def resolve(self, _next, root, info, *args, **kwargs):
            value = _next(root, info, *args, **kwargs)
            return value.upper() if isinstance(value, str) else value

    count = Count(monkeypatch)
    fast, stock = answers("{ gadgets { name } }", extensions=(Shout,))
    assert fast == stock
    assert json.loads(fast)["data"] == {"gadgets": [{"name": "LAMP"}, {"name": "FAN"}]}
    assert count.short == 0


@pytest.mark.django_db
def test_the_served_examples_list_takes_the_short_path(monkeypatch, user, gql_owner):
    ExampleFactory.create_batch(3, user=user)
    count = Count(monkeypatch)
    result = gql_owner.run(
        "{ examples(pagination: {limit: 10}) { totalCount results { id title content createdAt updatedAt "
        "owner { username } } } }"
    )
    assert result.errors is None
    assert len(result.data["examples"]["results"]) == 3
    # Three rows and their three owners; the connection object itself has no basic field.
    assert (count.short, count.full) == (6, 0)


def test_upgrade_guard_the_served_schema_runs_this_executor():
    assert product_schema.execution_context_class is LeafColumnsExecutor, UPGRADE
    assert issubclass(LeafColumnsExecutor, Executor), UPGRADE


def test_upgrade_guard_graphql_core_execute_fields_and_its_memo():
    parameters = list(inspect.signature(Executor.execute_fields).parameters)
    assert parameters == [
        "self",
        "parent_type",
        "source_value",
        "path",
        "grouped_field_set",
        "position_context",
    ], UPGRADE
    # The grouped field set of a selection is computed once per operation and reused for every row,
    # so a plan keyed by its identity is built once per selection.
    assert "_relevant_sub_fields" in inspect.getsource(Executor.collect_subfields), UPGRADE
    assert "middlewares" in MiddlewareManager.__slots__, UPGRADE
    assert isinstance(product_schema._schema, GraphQLSchema)


def test_upgrade_guard_strawberry_basic_resolver_takes_no_info():
    title = product_schema._schema.type_map["Example"].fields["title"]
    assert title.resolve.__name__ == BASIC_RESOLVER_NAME, UPGRADE
    assert title.resolve(ExampleFactory.build(title="t"), None) == "t", UPGRADE


def test_upgrade_guard_the_optimizer_passes_plain_values_through():
    assert set(PASS_THROUGH_MIDDLEWARE) == {DjangoOptimizerExtension}
    optimizer = DjangoOptimizerExtension()
    for value in ("text", 3, None):
        assert optimizer.resolve(lambda root, info, value=value: value, None, None) == value, UPGRADE
    source = inspect.getsource(DjangoOptimizerExtension.resolve)
    assert "isinstance(ret, BaseManager)" in source and "isinstance(ret, QuerySet)" in source, UPGRADE

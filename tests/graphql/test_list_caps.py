"""Every list argument and list input field of the served schema has a cap (graphql_api.lists).

The positions are found by walking ``graphql_api.schema``, not listed: a
list a team adds later is tested here without anyone naming it. For each
one, an operation reaching it is generated (through the root fields and the
required arguments on the way) and run with a variable holding cap + 1
items: the answer is one ``BAD_USER_INPUT`` error naming the variable, and
no SQL beyond authentication runs. With cap items it gets past the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
    get_nullable_type,
)

from api.models import ExampleModel
from graphql_api.lists import list_cap, ordering_leaves
from graphql_api.queries import Query
from graphql_api.schema import build_schema, schema

pytestmark = pytest.mark.django_db

SERVED = schema._schema


@dataclass(frozen=True)
class Position:
    """A list somewhere inside an argument: the operation that reaches it and how to fill it."""

    name: str  # "Query.examples(ordering)", for the test id
    operation: str  # "query" or "mutation"
    path: tuple[str, ...]  # root field, nested fields, the argument: how the document reaches it
    argument_type: GraphQLInputType
    inner: tuple[str, ...]  # input fields from the argument down to the list
    required_args: tuple[tuple[str, ...], ...]  # per path field, the required args besides the list's


def sample(type_: Any) -> Any:
    """A valid raw value of an input type (the smallest one)."""
    type_ = get_nullable_type(type_)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        if type_.is_one_of:
            name, field = next(iter(type_.fields.items()))
            return {name: sample(field.type)}
        return {
            name: sample(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is None
        }
    assert isinstance(type_, GraphQLScalarType), type_
    return {"Int": 1, "Float": 1.0, "Boolean": True, "DateTime": "2024-01-01T00:00:00Z"}.get(type_.name, "1")


def items(item_type: Any, count: int) -> list[Any]:
    """``count`` items; for ordering keys, distinct ones while there are (the cap is their number)."""
    named = get_named_type(item_type)
    if isinstance(named, GraphQLInputObjectType) and ordering_leaves(named) is not None:
        keys = [{name: "ASC"} for name in named.fields]
        return [keys[n % len(keys)] for n in range(count)]
    return [sample(item_type) for _ in range(count)]


def lists_inside(type_: Any, inner: tuple[str, ...] = (), seen: frozenset[str] = frozenset()):
    """Each list position inside an input type, as the input-field path down to it."""
    nullable = get_nullable_type(type_)
    if isinstance(nullable, GraphQLList):
        yield inner, nullable
        return
    if isinstance(nullable, GraphQLInputObjectType) and nullable.name not in seen:
        for name, field in nullable.fields.items():
            yield from lists_inside(field.type, (*inner, name), seen | {nullable.name})


def positions(served=SERVED) -> list[Position]:
    found: list[Position] = []
    for operation, root in (("query", served.query_type), ("mutation", served.mutation_type)):
        # Breadth first from the root, each object type once: the shortest way to each field.
        queue: list[tuple[GraphQLObjectType, tuple[str, ...], tuple[tuple[str, ...], ...]]] = [(root, (), ())]
        visited = {root.name}
        while queue:
            parent, path, required = queue.pop(0)
            for field_name, field in parent.fields.items():
                needed = tuple(
                    name for name, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)
                )
                for arg_name, arg in field.args.items():
                    for inner, _list in lists_inside(arg.type):
                        found.append(
                            Position(
                                name=f"{parent.name}.{field_name}({'.'.join((arg_name, *inner))})",
                                operation=operation,
                                path=(*path, field_name, arg_name),
                                argument_type=arg.type,
                                inner=inner,
                                required_args=(*required, tuple(n for n in needed if n != arg_name)),
                            )
                        )
                named = get_named_type(field.type)
                if (
                    isinstance(named, GraphQLObjectType)
                    and named.name not in visited
                    and operation == "query"
                ):
                    visited.add(named.name)
                    queue.append((named, (*path, field_name), (*required, needed)))
    return found


def document(position: Position) -> tuple[str, dict[str, Any]]:
    """The operation that passes ``$list`` at ``position`` (other required arguments inline)."""
    *fields, argument = position.path
    variables: dict[str, Any] = {}
    definitions = [f"$list: {position.argument_type}"]
    parent = SERVED.query_type if position.operation == "query" else SERVED.mutation_type
    opening, closing = "", ""
    for depth, name in enumerate(fields):
        field = parent.fields[name]
        args = []
        for required in position.required_args[depth]:
            variable = f"r{depth}_{required}"
            definitions.append(f"${variable}: {field.args[required].type}")
            variables[variable] = sample(field.args[required].type)
            args.append(f"{required}: ${variable}")
        if depth == len(fields) - 1:
            args.append(f"{argument}: $list")
        opening += f"{name}" + (f"({', '.join(args)})" if args else "") + " { "
        closing += "} "
        named = get_named_type(field.type)
        parent = named if isinstance(named, GraphQLObjectType) else parent
    return f"{position.operation}({', '.join(definitions)}) {{ {opening}__typename {closing}}}", variables


def argument_value(position: Position, list_value: list[Any]) -> Any:
    """The argument's raw value with ``list_value`` at the list's place (other required fields sampled)."""
    if not position.inner:
        return list_value
    value = sample(position.argument_type)
    holder, type_ = value, get_nullable_type(position.argument_type)
    for name in position.inner[:-1]:
        type_ = get_nullable_type(type_.fields[name].type)
        holder = holder.setdefault(name, sample(type_))
    holder[position.inner[-1]] = list_value
    return value


def list_item_type(position: Position) -> Any:
    type_ = get_nullable_type(position.argument_type)
    for name in position.inner:
        type_ = get_nullable_type(type_.fields[name].type)
    return type_.of_type


POSITIONS = positions()


def test_the_walk_finds_the_lists_the_schema_has():
    # A sanity check of the generator, not a list to maintain: these exist today.
    assert {"Query.examples(ordering)", "Query.examplesConnection(ordering)"} <= {p.name for p in POSITIONS}


@pytest.mark.parametrize("position", POSITIONS, ids=lambda p: p.name)
def test_one_item_past_the_cap_is_refused_before_any_query(gql_owner, position):
    item_type = list_item_type(position)
    cap = list_cap(item_type)
    query, variables = document(position)

    with CaptureQueriesContext(connection) as queries:
        response = gql_owner.run(
            query, {**variables, "list": argument_value(position, items(item_type, cap + 1))}
        )

    assert response.data is None
    (error,) = response.errors
    field = ".".join(("list", *position.inner))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field, "limit": cap, "found": cap + 1}
    assert len(queries) <= 1  # the token's lookup; nothing of the operation ran


@pytest.mark.parametrize("position", POSITIONS, ids=lambda p: p.name)
def test_the_cap_itself_is_allowed(gql_owner, position):
    item_type = list_item_type(position)
    cap = list_cap(item_type)
    query, variables = document(position)

    response = gql_owner.run(query, {**variables, "list": argument_value(position, items(item_type, cap))})

    assert not any("at most" in error["message"] for error in response.errors or ()), response.errors


# Ordering keys: at most one per orderable field; a key given again is dropped (REST's ?ordering= alike).

EXAMPLES = "query($o: [ExampleOrder!]) { examples(ordering: $o) { totalCount } }"


def test_the_ordering_cap_is_the_number_of_orderable_fields():
    assert list_cap(SERVED.type_map["ExampleOrder"]) == len(SERVED.type_map["ExampleOrder"].fields) == 3


def test_40000_ordering_keys_in_a_variable_are_refused_before_any_query(gql_owner):
    with CaptureQueriesContext(connection) as queries:
        response = gql_owner.run(EXAMPLES, {"o": [{"title": "ASC"}] * 40_000})

    (error,) = response.errors
    assert error["message"] == "`o` takes at most 3 items; 40000 given."
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(queries) <= 1


def titles(response) -> list[str]:
    assert response.errors is None, response.errors
    return [row["title"] for row in response.data["examples"]["results"]]


ORDERED = "query($o: [ExampleOrder!]) { examples(ordering: $o) { results { title } } }"


def test_a_key_given_again_is_dropped_as_rest_drops_it(gql_owner, auth_client, user):
    for title in ("b", "a", "c"):
        ExampleModel.objects.create(user=user, title=title, content="")
    once = [{"title": "ASC"}, {"createdAt": "DESC"}]

    again = gql_owner.run(ORDERED, {"o": [{"title": "ASC"}, {"title": "DESC"}, {"createdAt": "DESC"}]})
    inline = gql_owner.run("{ examples(ordering: [{title: ASC}, {title: DESC}]) { results { title } } }")
    rest = auth_client.get("/api/v1/examples/", {"ordering": "title,-title,-created_at"})

    assert titles(again) == titles(inline) == titles(gql_owner.run(ORDERED, {"o": once})) == ["a", "b", "c"]
    assert [row["title"] for row in rest.json()["results"]] == ["a", "b", "c"]


def test_too_many_keys_inline_are_refused(gql_owner):
    keys = ", ".join(["{title: ASC}"] * 4)
    response = gql_owner.run(f"{{ examplesConnection(ordering: [{keys}]) {{ totalCount }} }}")

    (error,) = response.errors
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "ordering", "limit": 3, "found": 4}


def test_distinct_keys_up_to_the_cap_still_sort(gql_owner, user):
    response = gql_owner.run(EXAMPLES, {"o": [{"title": "ASC"}, {"createdAt": "DESC"}, {"updatedAt": "ASC"}]})

    assert response.errors is None


# A list a team adds later is capped without being named anywhere.


@strawberry.type
class Numbers:
    @strawberry.field
    def count(self, values: list[int]) -> int:
        return len(values)


def test_a_list_argument_added_later_gets_the_default_cap(settings, user):
    settings.GRAPHQL_MAX_LIST_ITEMS = 5

    @strawberry.type
    class Extended(Query):
        numbers: Numbers = strawberry.field(resolver=lambda: Numbers())

    served = build_schema(query=Extended)
    position = next(p for p in positions(served._schema) if p.name == "Numbers.count(values)")
    assert list_cap(list_item_type(position)) == 5
    context = SimpleNamespace(request=SimpleNamespace(user=user))
    query = "query($v: [Int!]!) { numbers { count(values: $v) } }"

    refused = served.execute_sync(query, variable_values={"v": [1] * 6}, context_value=context)
    allowed = served.execute_sync(query, variable_values={"v": [1] * 5}, context_value=context)

    assert [error.extensions for error in refused.errors] == [
        {"code": "BAD_USER_INPUT", "field": "v", "limit": 5, "found": 6}
    ]
    assert allowed.errors is None
    assert allowed.data == {"numbers": {"count": 5}}


# Unknown fields of an input object in a variable: the first is refused before coercion.


def test_twenty_thousand_unknown_fields_in_a_variable_are_refused_at_the_first(gql_owner):
    filters = {f"field{n}": 1 for n in range(20_000)}

    with CaptureQueriesContext(connection) as queries:
        response = gql_owner.run(
            "query($f: ExampleFilter) { examples(filters: $f) { totalCount } }", {"f": filters}
        )

    assert response.data is None
    assert response.errors == [
        {
            "message": "`f`: ExampleFilter has no field `field0`.",
            "extensions": {"code": "BAD_USER_INPUT", "field": "f"},
        }
    ]
    assert len(queries) <= 1


def test_an_unknown_field_deep_in_a_variable_is_named_by_its_path(gql_owner):
    filters = {"AND": {"title": {"iContains": "a", "x" * 100: 1}}}

    response = gql_owner.run(
        "query($f: ExampleFilter) { examples(filters: $f) { totalCount } }", {"f": filters}
    )

    (error,) = response.errors
    assert error["message"] == f"`f.AND.title`: TextFilterLookup has no field `{'x' * 40}…`."
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "f.AND.title"}

"""The graphene-django reference itself: the same shapes as the served schema, and a fair cost."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, GraphQLScalarType

from graphql_api.schema import schema as strawberry_schema

from ..factories import ExampleFactory
from .graphene_schema import schema as graphene_schema
from .surfaces import EXAMPLE_QUERY, EXAMPLES_QUERY, ME_QUERY, Surfaces

SERVED = strawberry_schema._schema
REFERENCE = graphene_schema.graphql_schema
PRODUCT_PACKAGES = ("api", "authentication", "graphql_api", "backend")


def shape(named_type) -> dict:
    """What a client can rely on: kind, field and argument names and their types, enum values."""
    if isinstance(named_type, GraphQLObjectType):
        return {
            "object": {
                name: (str(field.type), {arg: str(a.type) for arg, a in field.args.items()})
                for name, field in named_type.fields.items()
            }
        }
    if isinstance(named_type, GraphQLInputObjectType):
        fields = {name: (str(field.type), field.default_value) for name, field in named_type.fields.items()}
        return {"input": fields}
    if isinstance(named_type, GraphQLEnumType):
        return {"enum": sorted(named_type.values)}
    assert isinstance(named_type, GraphQLScalarType)
    return {"scalar": named_type.name}


def reference_types() -> list[str]:
    return sorted(name for name in REFERENCE.type_map if not name.startswith("__"))


@pytest.mark.parametrize("name", reference_types())
def test_every_reference_type_has_the_served_shape(name):
    assert name in SERVED.type_map, f"{name} is in the reference but not in the served schema"
    assert shape(REFERENCE.type_map[name]) == shape(SERVED.type_map[name])


def test_the_reference_answers_exactly_the_served_read_queries():
    assert shape(REFERENCE.query_type) == shape(SERVED.query_type)
    assert REFERENCE.mutation_type is None


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 20])
def test_a_page_with_owners_and_profiles_costs_two_queries(user, rows):
    """Count and page, whatever the page size: owner and profile are joined, not fetched per row."""
    ExampleFactory.create_batch(rows, user=user)
    reference = Surfaces(user)
    with CaptureQueriesContext(connection) as queries:
        answer = reference.graphene(EXAMPLES_QUERY, {"pagination": {"limit": 100}})
    assert answer.errors is None
    assert len(answer.data["examples"]["results"]) == rows
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_a_page_without_owners_does_not_join_them(user):
    ExampleFactory.create_batch(3, user=user)
    reference = Surfaces(user)
    with CaptureQueriesContext(connection) as queries:
        answer = reference.graphene("{ examples { results { id title } } }")
    assert answer.errors is None
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert "auth_user" not in queries[0]["sql"]


@pytest.mark.django_db
def test_one_example_with_its_owner_is_one_query(user):
    example = ExampleFactory(user=user)
    reference = Surfaces(user)
    with CaptureQueriesContext(connection) as queries:
        answer = reference.graphene(EXAMPLE_QUERY, {"id": str(example.pk)})
    assert answer.data["example"]["owner"]["profile"]["timezone"] == "UTC"
    assert len(queries) == 1


@pytest.mark.django_db
def test_me_reads_the_caller_from_the_request(user, other_user):
    """graphene-django's convention: ``info.context`` is the request, and its ``user`` is the caller."""
    assert Surfaces(user).graphene(ME_QUERY).data["me"]["username"] == "alice"
    assert Surfaces(other_user).graphene(ME_QUERY).data["me"]["username"] == "bob"


def test_the_product_never_imports_the_reference_or_graphene():
    offenders = []
    for package in PRODUCT_PACKAGES:
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                offenders += [
                    f"{path.relative_to(settings.BASE_DIR)}: {name}"
                    for name in names
                    if name.split(".")[0] in ("tests", "graphene", "graphene_django")
                ]
    assert offenders == []

"""The graphene-django reference itself: the same shapes as the served schema, and a fair cost.

Asked over HTTP, from the reference server (tests/parity/reference.py): its
schema by introspection, its SQL from the header only its test settings send
(reference/settings_test.py). Every request's first statement is the token
lookup (one query, the user joined), as on the product's surfaces.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from graphql import (
    EnumTypeDefinitionNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_client_schema,
    get_introspection_query,
    graphql_sync,
    parse,
    print_ast,
)

from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from graphql_api.schema import schema as strawberry_schema

from ..factories import ExampleFactory, UserFactory, token_for
from .pending import pending
from .reference import REFERENCE_PYTHON, ROOT
from .surfaces import EXAMPLE_QUERY, EXAMPLES_QUERY, ME_QUERY

CONTRACT_SDL = Path(__file__).with_name("contract.graphql")
# What the projects contract adds to the read schema: compared with the contract's SDL
# while the Strawberry schema does not serve it yet (tests/parity/pending.py).
NEW_IN_ISSUE_14 = {"Query", "Example", "PublicUser", "Project", "ProjectMember", "ProjectRole"}
NEW_IN_ISSUE_14 |= {"ProjectOffsetPaginated"}
NEW_ROOT_FIELDS = {"project", "projects"}


def served_shape(name: str, reference: dict) -> dict:
    """The served type's shape, an object type's cut to the fields the reference has.

    The reference is the oracle for what it models: each of its fields must be served with the
    same shape; what only the served schema has (invitations, comments) is not compared.
    """
    found = shape(SERVED.type_map[name])
    if "object" in found and "object" in reference:
        found["object"] = {k: v for k, v in found["object"].items() if k in reference["object"]}
    return found


PRINT_SETTING = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.REFERENCE_SQL_HEADER, settings.ROOT_URLCONF)"
)

INTROSPECTION = get_introspection_query(descriptions=False)


def as_a_client_sees_it(introspection: dict):
    return build_client_schema(introspection)


# Both schemas are compared as clients see them: rebuilt from their introspection.
SERVED = as_a_client_sees_it(graphql_sync(strawberry_schema._schema, INTROSPECTION).data)


def default_of(field) -> str | None:
    """An input field's default as written in the introspection (``"0"``), or None."""
    return print_ast(field.default.literal) if field.default is not None else None


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
        fields = {name: (str(field.type), default_of(field)) for name, field in named_type.fields.items()}
        return {"input": fields}
    if isinstance(named_type, GraphQLEnumType):
        return {"enum": sorted(named_type.values)}
    assert isinstance(named_type, GraphQLScalarType)
    return {"scalar": named_type.name}


@pytest.fixture(scope="module")
def reference_schema(reference_server):
    """The reference's schema as a client sees it (graphql-core 3.2's introspection, read by 3.3)."""
    answer = reference_server.graphql(INTROSPECTION)
    assert answer.status == 200 and "errors" not in answer.body, answer.body
    return as_a_client_sees_it(answer.body["data"])


def sql_after_the_token(answer) -> list[str]:
    token_lookup, *rest = answer.sql
    assert "authtoken_token" in token_lookup, answer.sql
    return rest


def contract_shapes() -> dict[str, dict]:
    """The shapes the contract's SDL block (tests/parity/contract.graphql) gives, as ``shape`` writes them."""
    shapes = {}
    for definition in parse(CONTRACT_SDL.read_text()).definitions:
        if isinstance(definition, EnumTypeDefinitionNode):
            shapes[definition.name.value] = {"enum": sorted(value.name.value for value in definition.values)}
            continue
        shapes[definition.name.value] = {
            "object": {
                field.name.value: (
                    print_ast(field.type),
                    {arg.name.value: print_ast(arg.type) for arg in field.arguments or ()},
                )
                for field in definition.fields
            }
        }
    return shapes


def test_the_reference_has_the_contract_read_shapes(reference_schema):
    """Every type of the contract's read SDL, field by field, argument by argument: names, types, nullability."""
    expected = contract_shapes()
    assert set(expected) >= NEW_IN_ISSUE_14
    found = {
        name: shape(reference_schema.type_map[name]) for name in expected if name in reference_schema.type_map
    }
    assert found == expected


def test_every_reference_type_has_the_served_shape(reference_schema):
    names = sorted(name for name in reference_schema.type_map if not name.startswith("__"))
    assert {"Example", "ExampleFilter", "ExampleOrder", "User", "Profile"} <= set(names)
    if pending("strawberry"):
        # Checked against the contract above until the served schema has them.
        names = [name for name in names if name not in NEW_IN_ISSUE_14]
    missing = [name for name in names if name not in SERVED.type_map]
    assert missing == [], f"in the reference but not in the served schema: {missing}"
    shapes = {name: shape(reference_schema.type_map[name]) for name in names}
    differ = {
        name: (shapes[name], served_shape(name, shapes[name]))
        for name in names
        if shapes[name] != served_shape(name, shapes[name])
    }
    assert differ == {}


def test_the_reference_roots_are_served_alike(reference_schema):
    """Each root query of the reference is served with its shape; the served schema may have more."""
    reference = shape(reference_schema.query_type)
    if pending("strawberry"):
        reference["object"] = {
            name: f for name, f in reference["object"].items() if name not in NEW_ROOT_FIELDS
        }
    assert {"example", "examples", "me"} <= set(reference["object"])
    assert reference == served_shape(SERVED.query_type.name, reference)
    assert reference_schema.mutation_type is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rows", [1, 20])
def test_a_page_with_owners_and_profiles_costs_two_queries(reference_server, user, rows):
    """Count and page, whatever the page size: owner and profile are joined, not fetched per row."""
    ExampleFactory.create_batch(rows, user=user)
    answer = reference_server.graphql(EXAMPLES_QUERY, {"pagination": {"limit": 100}}, token_for(user))
    assert "errors" not in answer.body, answer.body
    assert len(answer.body["data"]["examples"]["results"]) == rows
    assert len(sql_after_the_token(answer)) == 2, answer.sql


@pytest.mark.django_db(transaction=True)
def test_a_page_without_owners_does_not_join_them(reference_server, user):
    ExampleFactory.create_batch(3, user=user)
    answer = reference_server.graphql("{ examples { results { id title } } }", token=token_for(user))
    assert "errors" not in answer.body, answer.body
    assert len(answer.body["data"]["examples"]["results"]) == 3
    (page,) = sql_after_the_token(answer)
    assert "auth_user" not in page


@pytest.mark.django_db(transaction=True)
def test_one_example_with_its_owner_is_one_query(reference_server, user):
    example = ExampleFactory(user=user)
    answer = reference_server.graphql(EXAMPLE_QUERY, {"id": str(example.pk)}, token_for(user))
    assert answer.body["data"]["example"]["owner"] == {
        "id": str(user.pk),
        "username": "alice",
        "name": "alice",
    }
    (row,) = sql_after_the_token(answer)
    # A PublicUser: none of the user's other columns is even read.
    assert "email" not in row and "date_joined" not in row and "bio" not in row


NESTED_QUERY = """
query Nested($limit: Int) {
  projects(pagination: {limit: 100}) {
    totalCount
    results {
      id name role owner { id name }
      members { results { role addedAt user { id username name } } }
      examples(pagination: {limit: $limit}) {
        totalCount
        results { id title owner { name } project { id role } }
      }
    }
  }
}
"""


def shared_projects(count: int, owner, editor, viewer) -> list[Project]:
    """``count`` projects of ``owner``, each with an editor, a viewer and three examples."""
    projects = [Project.objects.create(owner=owner, name=f"Project {n}") for n in range(count)]
    for project in projects:
        ProjectMembership.objects.create(project=project, user=editor, role=ProjectRole.EDITOR)
        ProjectMembership.objects.create(project=project, user=viewer, role=ProjectRole.VIEWER)
        for author in (owner, editor, viewer):
            ExampleFactory(user=author, project=project)
    return projects


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("projects", [1, 6])
def test_nested_lists_cost_the_same_for_one_project_and_many(reference_server, projects):
    """Count, page, members, the examples' counts and pages, their projects: six queries, at any size."""
    owner, editor, viewer = UserFactory(), UserFactory(), UserFactory()
    shared_projects(projects, owner, editor, viewer)
    for caller in (owner, viewer):
        answer = reference_server.graphql(NESTED_QUERY, {"limit": 2}, token_for(caller))
        assert "errors" not in answer.body, answer.body
        page = answer.body["data"]["projects"]
        assert page["totalCount"] == projects
        for project in page["results"]:
            assert project["role"] == ("OWNER" if caller == owner else "VIEWER")
            assert [m["role"] for m in project["members"]["results"]] == ["EDITOR", "VIEWER"]
            assert project["examples"]["totalCount"] == 3
            assert len(project["examples"]["results"]) == 2
            assert {row["project"]["id"] for row in project["examples"]["results"]} == {project["id"]}
        assert len(sql_after_the_token(answer)) == 6, answer.sql


@pytest.mark.django_db(transaction=True)
def test_example_project_is_one_query_for_a_page_and_null_when_not_visible(reference_server):
    """An author removed from a project still sees their example, not the project."""
    owner, author = UserFactory(), UserFactory()
    project = Project.objects.create(owner=owner, name="Team")
    ProjectMembership.objects.create(project=project, user=author, role=ProjectRole.EDITOR)
    ExampleFactory.create_batch(3, user=author, project=project)
    query = (
        "{ examples { results { id project { id name role members { results { user { username } } } } } } }"
    )
    member = reference_server.graphql(query, token=token_for(author))
    assert "errors" not in member.body, member.body
    rows = member.body["data"]["examples"]["results"]
    assert [row["project"]["role"] for row in rows] == ["EDITOR"] * 3
    # The page, the projects, their members: never a query per row.
    assert len(sql_after_the_token(member)) == 3, member.sql
    ProjectMembership.objects.filter(user=author).delete()
    removed = reference_server.graphql(query, token=token_for(author))
    assert [row["project"] for row in removed.body["data"]["examples"]["results"]] == [None] * 3
    assert ExampleModel.objects.filter(user=author, project=project).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_project_is_null_for_a_stranger_and_its_members_only_for_those_who_see_it(reference_server):
    owner, viewer, stranger = UserFactory(), UserFactory(), UserFactory()
    (project,) = shared_projects(1, owner, UserFactory(), viewer)
    query = "query P($id: ID!) { project(id: $id) { id role members { results { user { id } } } examples { totalCount } } }"
    seen = reference_server.graphql(query, {"id": str(project.pk)}, token_for(viewer)).body["data"]["project"]
    assert (
        seen["role"] == "VIEWER"
        and len(seen["members"]["results"]) == 2
        and seen["examples"]["totalCount"] == 3
    )
    for caller in (stranger, None):
        token = token_for(caller) if caller else None
        answer = reference_server.graphql(query, {"id": str(project.pk)}, token)
        assert answer.body == {"data": {"project": None}}
        assert reference_server.graphql("{ projects { totalCount } }", token=token).body["data"] == {
            "projects": {"totalCount": 0}
        }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pagination", [{"limit": 0}, {"offset": -1}])
def test_a_bad_nested_page_is_refused_in_the_served_words(reference_server, user, pagination):
    Project.objects.create(owner=user, name="Mine")
    query = "query P($p: OffsetPaginationInput) { projects { results { examples(pagination: $p) { totalCount } } } }"
    answer = reference_server.graphql(query, {"p": pagination}, token_for(user))
    (error,) = answer.body["errors"]
    field = next(iter(pagination))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": f"pagination.{field}"}
    assert answer.body["data"] is None


@pytest.mark.django_db(transaction=True)
def test_me_reads_the_caller_from_the_token(reference_server, user, other_user):
    """graphene-django's convention: ``info.context`` is the request, and its ``user`` is the caller."""
    assert reference_server.graphql(ME_QUERY, token=token_for(user)).body["data"]["me"]["username"] == "alice"
    assert (
        reference_server.graphql(ME_QUERY, token=token_for(other_user)).body["data"]["me"]["username"]
        == "bob"
    )
    assert reference_server.graphql(ME_QUERY).body["data"] == {"me": None}


@pytest.mark.django_db(transaction=True)
def test_a_bad_token_is_refused_as_on_the_product(reference_server):
    answer = reference_server.graphql(ME_QUERY, token="not-a-token")
    assert answer.status == 401
    assert answer.body == {"errors": [{"message": "Invalid token."}]}


@pytest.mark.parametrize(
    ("module", "sends_sql"),
    [("reference.settings_test", True), ("reference.settings", False), ("reference.settings_bench", False)],
)
def test_only_the_test_settings_send_the_sql_back(module, sends_sql):
    """The SQL header would show any caller the queries: only the tests' settings turn it on."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": module,
        # What production settings require to load at all (no connection is made).
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_NAME": "unused",
    }
    found = subprocess.run(
        [str(REFERENCE_PYTHON), "-c", PRINT_SETTING],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )
    assert found.returncode == 0, found.stderr[-2000:]
    assert found.stdout.split() == [str(sends_sql), "reference.urls"]

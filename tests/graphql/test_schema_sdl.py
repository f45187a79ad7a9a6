"""The committed schema.graphql is the printed schema, and carries the contract's names."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    build_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)

from api.querysets import ORDERING_FIELDS

COMMITTED = Path(settings.BASE_DIR) / "schema.graphql"


@pytest.fixture(scope="module")
def sdl() -> str:
    return COMMITTED.read_text(encoding="utf-8")


def test_schema_graphql_is_up_to_date(tmp_path, sdl):
    exported = tmp_path / "schema.graphql"
    call_command("export_schema", "graphql_api.schema", path=str(exported))
    message = "schema.graphql is out of date with graphql_api; run `make schema` and commit the result."
    assert exported.read_text(encoding="utf-8") == sdl, message


def fields(schema, type_name: str) -> dict[str, str]:
    graphql_type = schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    return {name: str(field.type) for name, field in graphql_type.fields.items()}


def arguments(schema, type_name: str, field_name: str) -> dict[str, str]:
    field = schema.type_map[type_name].fields[field_name]
    return {name: str(arg.type) for name, arg in field.args.items()}


def has_fields(schema, type_name: str, expected: dict[str, str]) -> bool:
    """The root type has these fields with these types; it may have more (a new resource's)."""
    return expected.items() <= fields(schema, type_name).items()


def test_every_resource_has_the_contract_shape(sdl):
    """Derived from the schema: each root field about a type answers as the contract's do.

    ``<type>(id: ID!)`` answers the type or null; a list is ``<Type>OffsetPaginated!``; a mutation
    ``<verb><Type>`` answers ``<Type>Payload!`` (the type or OperationInfo), and an update or delete
    of a row type with ``updatedAt`` takes ``ifUpdatedAt: DateTime``.
    """
    schema = build_schema(sdl)
    payloads = {name[: -len("Payload")] for name in schema.type_map if name.endswith("Payload")}
    for name, field in schema.query_type.fields.items():
        if name[:1].upper() + name[1:] in payloads:
            assert (
                arguments(schema, "Query", name) == {"id": "ID!"}
                and str(field.type) == name[:1].upper() + name[1:]
            )
    for name, field in schema.mutation_type.fields.items():
        payload = str(field.type)
        assert payload.endswith("Payload!"), name
        type_name = payload[: -len("Payload!")]
        members = [t.name for t in schema.type_map[payload[:-1]].types]
        assert members == [type_name, "OperationInfo"], name
        versioned = {"id", "updatedAt"} <= set(fields(schema, type_name))  # a row, not the caller's profile
        if versioned and name in (f"update{type_name}", f"delete{type_name}"):
            assert arguments(schema, "Mutation", name)["ifUpdatedAt"] == "DateTime", name


def test_contract_names_and_nullability(sdl):
    schema = build_schema(sdl)
    assert has_fields(
        schema,
        "Query",
        {
            "me": "User",
            "example": "Example",
            "examples": "ExampleOffsetPaginated!",
            "examplesConnection": "ExampleConnection!",
            "project": "Project",
            "projects": "ProjectOffsetPaginated!",
            "invitations": "InvitationOffsetPaginated!",
            "history": "AuditEntryConnection!",
        },
    )
    assert arguments(schema, "Query", "examplesConnection") == {
        "first": "Int",
        "after": "String",
        "last": "Int",
        "before": "String",
        "filters": "ExampleFilter",
        "ordering": "[ExampleOrder!]",
    }
    assert fields(schema, "ExampleConnection") == {
        "edges": "[ExampleEdge!]!",
        "pageInfo": "PageInfo!",
        "totalCount": "Int!",
    }
    assert fields(schema, "ExampleEdge") == {"cursor": "String!", "node": "Example!"}
    assert fields(schema, "PageInfo") == {
        "hasNextPage": "Boolean!",
        "hasPreviousPage": "Boolean!",
        "startCursor": "String",
        "endCursor": "String",
    }
    assert arguments(schema, "Query", "example") == {"id": "ID!"}
    assert arguments(schema, "Query", "project") == {"id": "ID!"}
    assert arguments(schema, "Query", "projects") == {"pagination": "OffsetPaginationInput"}
    assert arguments(schema, "Query", "examples") == {
        "filters": "ExampleFilter",
        "ordering": "[ExampleOrder!]",
        "pagination": "OffsetPaginationInput",
    }
    assert has_fields(
        schema,
        "Mutation",
        {
            "createExample": "ExamplePayload!",
            "updateExample": "ExamplePayload!",
            "deleteExample": "ExamplePayload!",
            "duplicateExample": "ExamplePayload!",
            "updateProfile": "ProfilePayload!",
            "createProject": "ProjectPayload!",
            "updateProject": "ProjectPayload!",
            "deleteProject": "ProjectPayload!",
            "addProjectMember": "InvitationPayload!",
            "acceptInvitation": "InvitationPayload!",
            "declineInvitation": "InvitationPayload!",
            "cancelInvitation": "InvitationPayload!",
            "updateProjectMember": "ProjectMemberPayload!",
            "removeProjectMember": "ProjectMemberPayload!",
        },
    )
    assert arguments(schema, "Mutation", "createExample") == {"data": "ExampleInput!"}
    assert arguments(schema, "Mutation", "updateExample") == {
        "data": "ExamplePartialInput!",
        "ifUpdatedAt": "DateTime",
    }
    assert arguments(schema, "Mutation", "deleteExample") == {"id": "ID!", "ifUpdatedAt": "DateTime"}
    assert arguments(schema, "Mutation", "duplicateExample") == {"id": "ID!"}
    assert arguments(schema, "Mutation", "updateProfile") == {"data": "ProfileInput!"}
    assert arguments(schema, "Mutation", "createProject") == {"data": "ProjectInput!"}
    assert arguments(schema, "Mutation", "updateProject") == {
        "data": "ProjectPartialInput!",
        "ifUpdatedAt": "DateTime",
    }
    assert arguments(schema, "Mutation", "deleteProject") == {"id": "ID!", "ifUpdatedAt": "DateTime"}
    assert arguments(schema, "Mutation", "addProjectMember") == {"data": "ProjectMemberInput!"}
    for name in ("acceptInvitation", "declineInvitation", "cancelInvitation"):
        assert arguments(schema, "Mutation", name) == {"id": "ID!"}
    assert arguments(schema, "Query", "invitations") == {"pagination": "OffsetPaginationInput"}
    assert arguments(schema, "Mutation", "updateProjectMember") == {"data": "ProjectMemberInput!"}
    assert arguments(schema, "Mutation", "removeProjectMember") == {"projectId": "ID!", "username": "String!"}
    assert str(schema.type_map["ExamplePartialInput"].fields["id"].type) == "ID!"
    assert str(schema.type_map["ExamplePartialInput"].fields["projectId"].type) == "ID"
    assert str(schema.type_map["ExampleInput"].fields["projectId"].type) == "ID"
    assert {name: str(f.type) for name, f in schema.type_map["ProjectMemberInput"].fields.items()} == {
        "projectId": "ID!",
        "username": "String!",
        "role": "ProjectRole!",
    }
    assert list(schema.type_map["ProjectRole"].values) == ["OWNER", "EDITOR", "VIEWER"]
    for union, members in {
        "ExamplePayload": ["Example", "OperationInfo"],
        "ProfilePayload": ["Profile", "OperationInfo"],
        "ProjectPayload": ["Project", "OperationInfo"],
        "ProjectMemberPayload": ["ProjectMember", "OperationInfo"],
        "InvitationPayload": ["Invitation", "OperationInfo"],
    }.items():
        assert isinstance(schema.type_map[union], GraphQLUnionType)
        assert [t.name for t in schema.type_map[union].types] == members
    assert fields(schema, "ExampleOffsetPaginated") == {
        "pageInfo": "OffsetPaginationInfo!",
        "totalCount": "Int!",
        "results": "[Example!]!",
    }
    assert fields(schema, "Example") == {
        "id": "ID!",
        "title": "String!",
        "content": "String!",
        "createdAt": "DateTime!",
        "updatedAt": "DateTime!",
        "owner": "PublicUser!",
        "project": "Project",
    }
    assert fields(schema, "PublicUser") == {"id": "ID!", "username": "String!", "name": "String!"}
    assert fields(schema, "Project") == {
        "id": "ID!",
        "name": "String!",
        "description": "String!",
        "owner": "PublicUser!",
        "role": "ProjectRole!",
        "members": "ProjectMemberOffsetPaginated!",
        "invitations": "InvitationOffsetPaginated!",
        "examples": "ExampleOffsetPaginated!",
        "createdAt": "DateTime!",
        "updatedAt": "DateTime!",
    }
    assert arguments(schema, "Project", "examples") == {"pagination": "OffsetPaginationInput"}
    assert arguments(schema, "Project", "members") == {"pagination": "OffsetPaginationInput"}
    assert arguments(schema, "Project", "invitations") == {"pagination": "OffsetPaginationInput"}
    # An invitation holds the name as typed, never who it names: no user, no name of the invitee.
    assert fields(schema, "Invitation") == {
        "id": "ID!",
        "username": "String!",
        "role": "ProjectRole!",
        "status": "String!",
        "project": "InvitedProject!",
        "invitedBy": "PublicUser!",
        "createdAt": "DateTime!",
        "expiresAt": "DateTime!",
    }
    assert fields(schema, "InvitedProject") == {"id": "ID!", "name": "String!"}
    assert fields(schema, "ProjectMember") == {
        "user": "PublicUser!",
        "role": "ProjectRole!",
        "addedAt": "DateTime!",
    }
    assert fields(schema, "ProjectOffsetPaginated") == {
        "pageInfo": "OffsetPaginationInfo!",
        "totalCount": "Int!",
        "results": "[Project!]!",
    }
    assert fields(schema, "User") == {
        "id": "ID!",
        "username": "String!",
        "email": "String!",
        "name": "String!",
        "dateJoined": "DateTime!",
        "profile": "Profile!",
    }
    assert fields(schema, "Profile") == {
        "displayName": "String!",
        "bio": "String!",
        "timezone": "String!",
        "updatedAt": "DateTime!",
    }


def test_filter_offers_search_title_and_created_at_and_no_regex(sdl):
    schema = build_schema(sdl)
    example_filter = schema.type_map["ExampleFilter"].fields
    assert str(example_filter["search"].type) == "String"
    assert {"title", "createdAt"} <= set(example_filter)
    assert "regex" not in sdl.lower()


def test_ordering_offers_exactly_the_core_ordering_fields(sdl):
    order = build_schema(sdl).type_map["ExampleOrder"].fields
    camel = {"created_at": "createdAt", "updated_at": "updatedAt", "title": "title"}
    assert set(order) == {camel[name] for name in ORDERING_FIELDS}


# What a current client (graphql-codegen, GraphiQL) asks for, isOneOf included
# (graphql-core 3.3's `one_of`): without it `@oneOf` is lost and the client's
# schema is not the committed one.
CLIENT_INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,
)


def sorted_sdl(schema: GraphQLSchema) -> str:
    return print_schema(lexicographic_sort_schema(schema))


@pytest.fixture
def introspected(gql_owner) -> GraphQLSchema:
    """The schema as a client builds it from /graphql/, over HTTP."""
    response = gql_owner.run(CLIENT_INTROSPECTION)
    assert response.errors is None, response.errors
    return build_client_schema(response.data)


def test_what_clients_introspect_is_the_committed_schema(introspected, sdl):
    message = (
        "The schema served at /graphql/ differs from schema.graphql; run `make schema` and commit the result."
    )
    assert sorted_sdl(introspected) == sorted_sdl(build_schema(sdl)), message


def test_introspection_keeps_one_of_on_the_ordering_input(introspected, sdl):
    assert "input ExampleOrder @oneOf {" in sdl
    assert introspected.type_map["ExampleOrder"].is_one_of
    assert "input ExampleOrder @oneOf {" in sorted_sdl(introspected)

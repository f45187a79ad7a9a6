"""Safety limits (read from settings per request) and the masking of unexpected errors."""

from __future__ import annotations

import importlib
import logging
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import get_introspection_query

import api.services
import graphql_api.base

from ..factories import ExampleFactory

pytestmark = pytest.mark.django_db

DEEP_VALID = "{ examples { results { project { owner { name } } } } }"  # depth 4


def nested(depth: int) -> str:
    """A selection ``depth`` levels deep (the field names need not exist: depth is checked first)."""
    return "{ me " + "{ f " * (depth - 1) + "{ id }" + " }" * (depth - 1) + " }"


def only_error(response) -> str:
    assert response.data is None, response.data
    return " | ".join(e["message"] for e in response.errors)


# Depth


def test_depth_past_the_default_limit_of_10_is_refused(gql_owner):
    message = only_error(gql_owner.run(nested(11)))
    assert "exceeds maximum operation depth of 10" in message


def test_a_valid_deep_document_within_the_cost_limit_is_refused_before_any_row_is_read(gql_owner, user):
    # Without the depth limit, 10 levels of this (depth 30) kept a worker busy for
    # 18 s in strawberry-django's optimizer; the cost estimate admits it (pages of 1).
    ExampleFactory(user=user)
    level = "examples(pagination: {limit: 1}) { results { project { "
    query = "{ " + level * 4 + "name " + "} } } " * 4 + "}"
    with CaptureQueriesContext(connection) as queries:
        response = gql_owner.run(query)
    assert response.data is None
    [error] = response.errors
    assert error["extensions"] == {"code": "DEPTH_LIMIT_EXCEEDED", "limit": 10, "found": 12}
    assert not [q for q in queries if "api_examplemodel" in q["sql"]]


def test_depth_limit_is_read_from_settings(gql_owner, user, settings):
    ExampleFactory(user=user)
    assert gql_owner.run(DEEP_VALID).errors is None
    settings.GRAPHQL_MAX_DEPTH = 3
    assert "exceeds maximum operation depth of 3" in only_error(gql_owner.run(DEEP_VALID))
    settings.GRAPHQL_MAX_DEPTH = 4
    assert gql_owner.run(DEEP_VALID).errors is None


def test_depth_counts_through_fragments(gql_owner, settings):
    settings.GRAPHQL_MAX_DEPTH = 3
    query = "query { ...Q } fragment Q on Query { examples { results { project { owner { name } } } } }"
    assert "exceeds maximum operation depth of 3" in only_error(gql_owner.run(query))


# Aliases


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(count)) + " }"


def test_aliases_up_to_15_are_served(gql_owner):
    response = gql_owner.run(aliased(15))
    assert response.errors is None and len(response.data) == 15


def test_aliases_past_15_are_refused(gql_owner):
    assert only_error(gql_owner.run(aliased(16))) == "16 aliases found. Allowed: 15"


def test_alias_limit_is_read_from_settings(gql_owner, settings):
    settings.GRAPHQL_MAX_ALIASES = 2
    assert only_error(gql_owner.run(aliased(3))) == "3 aliases found. Allowed: 2"


# Tokens


def test_documents_past_2000_tokens_are_refused(gql_owner):
    query = "{ me { " + "id " * 2000 + "} }"
    assert "Document contains more than 2000 tokens" in only_error(gql_owner.run(query))


def test_token_limit_is_read_from_settings(gql_owner, settings):
    settings.GRAPHQL_MAX_TOKENS = 10
    query = "{ me { id username email name dateJoined profile { bio } } }"  # 14 tokens
    assert "more than 10 tokens" in only_error(gql_owner.run(query))
    settings.GRAPHQL_MAX_TOKENS = 14
    assert gql_owner.run(query).errors is None


def test_deeply_nested_input_is_refused_not_crashed(gql_owner, user):
    ExampleFactory(user=user)
    literal = "{ examples(filters: " + "{AND: " * 400 + '{search: "x"}' + "}" * 400 + ") { totalCount } }"
    assert "nested too deeply" in only_error(gql_owner.run(literal))
    variables = current = {}
    for _ in range(300):
        current["AND"] = current = {}
    response = gql_owner.run(
        "query($f: ExampleFilter) { examples(filters: $f) { totalCount } }", {"f": variables}
    )
    assert "nested too deeply" in only_error(response)


# Introspection


INTROSPECTION = "{ __schema { queryType { name } } }"


def test_introspection_works_when_enabled(gql_anon, settings):
    settings.GRAPHQL_INTROSPECTION = True
    response = gql_anon.run(INTROSPECTION)
    assert response.data == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.mark.parametrize("query", [INTROSPECTION, '{ __type(name: "Example") { name } }'])
def test_introspection_is_refused_when_the_setting_is_off(gql_owner, settings, query):
    settings.GRAPHQL_INTROSPECTION = False
    assert "introspection has been disabled" in only_error(gql_owner.run(query))
    # Ordinary queries are unaffected, and so is __typename.
    assert gql_owner.run("{ __typename me { id } }").errors is None


def test_graphiqls_introspection_query_fits_within_the_default_limits(gql_anon, settings):
    settings.GRAPHQL_INTROSPECTION = True
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    response = gql_anon.run(query)
    assert response.errors is None
    assert {t["name"] for t in response.data["__schema"]["types"]} >= {"Example", "User", "ExampleFilter"}


def test_production_defaults_turn_introspection_and_graphiql_off(monkeypatch):
    for name in ("GRAPHQL_INTROSPECTION", "GRAPHIQL_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "production-like-secret-" + "x" * 40)
    monkeypatch.setenv("ALLOWED_HOSTS", "api.example.com")
    monkeypatch.setenv("DB_NAME", "app")
    monkeypatch.delitem(sys.modules, "backend.settings.production", raising=False)
    production = importlib.import_module("backend.settings.production")
    assert production.GRAPHQL_INTROSPECTION is False
    assert production.GRAPHIQL_ENABLED is False


# Errors: unexpected ones are masked and logged, expected ones keep message and code


def boom(**kwargs):
    raise RuntimeError("secret detail: SELECT * FROM auth_user")


def test_an_unexpected_exception_is_masked_and_logged(gql_owner, monkeypatch, caplog, rows):
    monkeypatch.setattr(api.services, "example_create", boom)
    with caplog.at_level(logging.ERROR, logger="graphql_api"):
        response = gql_owner.run('mutation { createExample(data: {title: "x"}) { __typename } }')
    assert response.data is None
    assert response.errors == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 12}],
            "path": ["createExample"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    [record] = [r for r in caplog.records if r.name == "graphql_api"]
    assert record.levelno == logging.ERROR
    assert isinstance(record.exc_info[1], RuntimeError)
    assert "secret detail" in str(record.exc_info[1])
    assert rows() == []


def test_an_unexpected_exception_in_a_query_is_masked(gql_owner, user, monkeypatch, caplog):
    ExampleFactory(user=user)

    def broken_restrict(queryset, user, action):
        raise ZeroDivisionError("internal")

    # The read rule every type's get_queryset calls (graphql_api.base).
    monkeypatch.setattr(graphql_api.base, "restrict", broken_restrict)
    with caplog.at_level(logging.ERROR, logger="graphql_api"):
        response = gql_owner.run("{ examples { totalCount } }")
    assert [e["message"] for e in response.errors] == ["Unexpected error."]
    assert any(isinstance(r.exc_info[1], ZeroDivisionError) for r in caplog.records if r.exc_info)


@pytest.mark.parametrize(
    ("client_name", "query", "message"),
    [
        ("gql_anon", "{ examples { totalCount } }", "Authentication required"),
        (
            "gql_owner",
            "{ examples(pagination: {limit: -1}) { totalCount } }",
            "limit must be a positive integer.",
        ),
        ("gql_owner", "{ nope }", "Cannot query field 'nope' on type 'Query'."),
        ("gql_owner", "{ me { ", "Syntax Error"),
        ("gql_owner", aliased(16), "16 aliases found. Allowed: 15"),
    ],
)
def test_expected_errors_keep_their_message_and_are_not_logged_as_errors(
    request, caplog, client_name, query, message
):
    client = request.getfixturevalue(client_name)
    with caplog.at_level(logging.DEBUG, logger="graphql_api"):
        response = client.run(query)
    assert message in response.errors[0]["message"]
    assert "Unexpected error." not in [e["message"] for e in response.errors]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# Every limit error carries extensions.code (docs/GRAPHQL.md lists them)

LIMIT_PROBES = [
    ("GRAPHQL_MAX_TOKENS", 5, "{ me { id username } }", "TOKEN_LIMIT_EXCEEDED"),
    ("GRAPHQL_MAX_ALIASES", 0, "{ a: me { id } }", "ALIAS_LIMIT_EXCEEDED"),
    ("GRAPHQL_MAX_DEPTH", 1, "{ me { profile { bio } } }", "DEPTH_LIMIT_EXCEEDED"),
    ("GRAPHQL_MAX_COST", 1, "{ me { id } }", "COST_LIMIT_EXCEEDED"),
    ("GRAPHQL_INTROSPECTION", False, "{ __schema { queryType { name } } }", "INTROSPECTION_DISABLED"),
]


@pytest.mark.parametrize(
    ("setting", "value", "query", "code"), LIMIT_PROBES, ids=[p[3] for p in LIMIT_PROBES]
)
def test_every_limit_error_has_a_code(gql_owner, settings, setting, value, query, code):
    assert gql_owner.run(query).errors is None
    setattr(settings, setting, value)
    response = gql_owner.run(query)
    assert response.data is None
    for error in response.errors:
        assert error["extensions"]["code"] == code, error
        if setting != "GRAPHQL_INTROSPECTION":
            assert error["extensions"]["limit"] == value


def test_a_response_past_the_byte_limit_is_refused_with_a_code(gql_owner, user, settings):
    ExampleFactory(user=user, content="é" * 5000)
    settings.GRAPHQL_MAX_RESPONSE_BYTES = 8000
    assert gql_owner.run("{ examples { results { title } } }").errors is None
    [error] = gql_owner.run("{ examples { results { content } } }").errors
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert error["extensions"]["limit"] == 8000
    assert error["extensions"]["size"] > 10_000

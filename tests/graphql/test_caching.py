"""Parsed and validated documents are reused, never across settings or callers that change the answer."""

from __future__ import annotations

import pytest

from graphql_api import caching

from ..factories import ExampleFactory

pytestmark = pytest.mark.django_db

DEPTH_4 = "{ examples { results { project { owner { name } } } } }"


@pytest.fixture(autouse=True)
def _empty_caches():
    caching.parse_cache().cache_clear()
    caching.validation_cache().cache_clear()
    yield
    caching.parse_cache().cache_clear()
    caching.validation_cache().cache_clear()


def test_the_same_operation_is_parsed_and_validated_once(gql_owner, user):
    ExampleFactory(user=user, title="Mine")
    first = gql_owner.run("{ examples { results { title } } }")
    second = gql_owner.run("{ examples { results { title } } }")

    assert first.errors is None
    assert second.data == first.data == {"examples": {"results": [{"title": "Mine"}]}}
    assert caching.parse_cache().cache_info().hits == 1
    assert caching.validation_cache().cache_info().hits == 1


def test_a_lower_depth_limit_applies_to_an_operation_already_cached(gql_owner, settings):
    assert gql_owner.run(DEPTH_4).errors is None

    settings.GRAPHQL_MAX_DEPTH = 3
    refused = gql_owner.run(DEPTH_4)

    assert refused.data is None
    assert "exceeds maximum operation depth of 3" in refused.errors[0]["message"]


def test_a_lower_token_limit_applies_to_an_operation_already_cached(gql_owner, settings):
    assert gql_owner.run(DEPTH_4).errors is None

    settings.GRAPHQL_MAX_TOKENS = 5
    refused = gql_owner.run(DEPTH_4)

    assert refused.data is None
    assert "Document contains more than 5 tokens" in refused.errors[0]["message"]


def test_an_alias_limit_applies_to_an_operation_already_cached(gql_owner, settings):
    query = "{ a: me { id } b: me { id } }"
    assert gql_owner.run(query).errors is None

    settings.GRAPHQL_MAX_ALIASES = 1
    refused = gql_owner.run(query)

    assert refused.data is None
    assert "2 aliases found. Allowed: 1" in refused.errors[0]["message"]


def test_an_anonymous_caller_is_refused_an_operation_cached_for_a_user(gql_owner, gql_anon):
    assert gql_owner.run("{ examples { totalCount } }").errors is None

    refused = gql_anon.run("{ examples { totalCount } }")

    assert refused.data is None
    assert refused.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    # And the other way round: the refusal is not served to the user.
    assert gql_owner.run("{ examples { totalCount } }").errors is None


def test_a_syntax_error_is_reported_every_time_and_not_cached(gql_owner):
    for _ in range(2):
        response = gql_owner.run("{ examples { ")
        assert response.data is None
        assert "Syntax Error" in response.errors[0]["message"]
    assert caching.parse_cache().cache_info().currsize == 0


def test_large_operations_are_not_kept(gql_owner):
    padding = " " * caching.MAX_CACHED_QUERY_LENGTH
    response = gql_owner.run("{ me { id } }" + padding)

    assert response.errors is None
    assert caching.parse_cache().cache_info().currsize == 0
    assert caching.validation_cache().cache_info().currsize == 0


def test_a_validation_error_is_cached_and_reported_the_same_every_time(gql_owner):
    answers = [gql_owner.run("{ examples { nope } }").errors for _ in range(3)]

    assert len(answers[0]) == 1
    assert "Cannot query field 'nope'" in answers[0][0]["message"]
    assert answers[1] == answers[2] == answers[0]
    assert caching.validation_cache().cache_info().hits == 2


def test_the_caches_are_strawberrys_own_and_bounded():
    # Fails on a Strawberry upgrade that renames what these modules rely on:
    # the shared LRU-wrapped functions the extensions keep.
    assert caching.parse_cache().cache_info().maxsize == caching.CACHE_SIZE
    assert caching.validation_cache().cache_info().maxsize == caching.CACHE_SIZE

"""Every GraphQL error carries an ``extensions.code`` (graphql_api.errors.ErrorCodes)."""

from __future__ import annotations

import pytest

LIST = "query($limit: Int!) { examples(pagination: {limit: $limit}) { totalCount } }"

CASES = {
    "syntax": ("{ me { ", None, "GRAPHQL_PARSE_FAILED"),
    "unknown field": ("{ me { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
    "wrong literal type": (
        '{ examples(pagination: {limit: "x"}) { totalCount } }',
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "unused variable": ("query($x: Int) { me { username } }", None, "GRAPHQL_VALIDATION_FAILED"),
    "variable of the wrong type": (LIST, {"limit": "abc"}, "BAD_USER_INPUT"),
    "missing required variable": (LIST, {}, "BAD_USER_INPUT"),
    "a product refusal keeps its code": (LIST, {"limit": 0}, "BAD_USER_INPUT"),
}


@pytest.mark.parametrize(("query", "variables", "code"), CASES.values(), ids=CASES.keys())
def test_graphql_core_errors_get_a_code(gql_owner, query, variables, code):
    for _ in range(2):  # the second answer comes from the parse and validation caches
        errors = gql_owner.run(query, variables).errors
        assert errors, query
        assert [error["extensions"]["code"] for error in errors] == [code] * len(errors), errors


def test_codes_the_product_gives_are_kept(gql_owner, gql_anon, settings):
    [refused] = gql_owner.run(LIST, {"limit": 0}).errors
    assert refused["extensions"] == {"code": "BAD_USER_INPUT", "field": "pagination.limit"}
    [anonymous] = gql_anon.run("{ examples { totalCount } }").errors
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
    settings.GRAPHQL_MAX_TOKENS = 5
    [too_long] = gql_owner.run("{ me { username email } }").errors
    assert too_long["extensions"] == {"code": "TOKEN_LIMIT_EXCEEDED", "limit": 5}

"""No schema leak through "Did you mean ...?" when introspection is off."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

# (what is probed, query, variables, the name a suggestion would leak)
PROBES = [
    ("field", "{ me { emai } }", None, "email"),
    ("argument", "{ examples(paginaton: {limit: 1}) { totalCount } }", None, "pagination"),
    ("type in a fragment", "{ me { ... on Usr { id } } }", None, "User"),
    (
        "type of a variable",
        "query($f: ExampleFiltr) { examples(filters: $f) { totalCount } }",
        None,
        "ExampleFilter",
    ),
    ("enum value", "{ examples(ordering: [{title: ASCC}]) { totalCount } }", None, "ASC"),
    ("input field", '{ examples(filters: {serch: "x"}) { totalCount } }', None, "search"),
    (
        "enum value in variables",
        "query($o: [ExampleOrder!]) { examples(ordering: $o) { totalCount } }",
        {"o": [{"title": "ASCC"}]},
        "ASC",
    ),
    (
        "input field in variables",
        "query($f: ExampleFilter) { examples(filters: $f) { totalCount } }",
        {"f": {"serch": "x"}},
        "search",
    ),
    ("mutation field", 'mutation { createExampl(data: {title: "x"}) { __typename } }', None, "createExample"),
]


def messages(response) -> str:
    assert response.errors, response.data
    return " | ".join(error["message"] for error in response.errors)


@pytest.mark.parametrize(("kind", "query", "variables", "leaked"), PROBES, ids=[p[0] for p in PROBES])
def test_suggestions_are_given_while_introspection_is_on(gql_owner, settings, kind, query, variables, leaked):
    settings.GRAPHQL_INTROSPECTION = True
    text = messages(gql_owner.run(query, variables))
    assert "Did you mean" in text and f"'{leaked}'" in text


@pytest.mark.parametrize(("kind", "query", "variables", "leaked"), PROBES, ids=[p[0] for p in PROBES])
def test_no_suggestion_names_the_schema_when_introspection_is_off(
    gql_owner, settings, kind, query, variables, leaked
):
    settings.GRAPHQL_INTROSPECTION = False
    text = messages(gql_owner.run(query, variables))
    assert "Did you mean" not in text
    assert f"'{leaked}'" not in text
    # The error itself still says what was wrong.
    assert text.strip()


def test_the_anonymous_probe_gets_no_suggestion_either(gql_anon, settings):
    settings.GRAPHQL_INTROSPECTION = False
    text = messages(gql_anon.run("{ me { emai } }"))
    assert text == "Cannot query field 'emai' on type 'User'."


def test_hiding_does_not_change_the_errors_a_cache_holds(gql_owner, settings):
    # The same document, validated once and cached, answers with suggestions
    # again once introspection is back on.
    settings.GRAPHQL_INTROSPECTION = False
    assert "Did you mean" not in messages(gql_owner.run("{ me { emai } }"))
    settings.GRAPHQL_INTROSPECTION = True
    assert "Did you mean 'email'?" in messages(gql_owner.run("{ me { emai } }"))

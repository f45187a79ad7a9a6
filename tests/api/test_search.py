"""Search whose cost does not depend on what a client types (api.search).

On PostgreSQL: full-text search over title and content through a GIN index.
On SQLite: the title only. On both: at most ``SEARCH_MAX_TERMS`` words in one
request, at most ``GRAPHQL_MAX_FILTER_BRANCHES`` AND/OR/NOT in one GraphQL
filter, and each filter condition counted by the cost estimate.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from api.models import ExampleModel
from api.search import full_text_search

from ..factories import ExampleFactory
from ..graphql.conftest import GraphQLClient
from ..helpers import token_for
from .conftest import LIST_URL

pytestmark = pytest.mark.django_db

EXAMPLES = """
query($filters: ExampleFilter) {
  examples(filters: $filters) { totalCount results { id } }
}
"""
EXAMPLES_ORDERED = """
query($filters: ExampleFilter, $ordering: [ExampleOrder!]) {
  examples(filters: $filters, ordering: $ordering) { totalCount results { id } }
}
"""
# The worst term the length cap allows: one 200-character word.
WORST_TERM = "a" * 199 + "b"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def ored(*terms: str) -> dict:
    """``{search: t1, OR: {search: t2, OR: ...}}``: one branch per term after the first."""
    node: dict = {"search": terms[-1]}
    for term in reversed(terms[:-1]):
        node = {"search": term, "OR": node}
    return node


@pytest.fixture
def gql(user) -> GraphQLClient:
    return GraphQLClient(token_for(user))


# What matches, per backend


@pytest.mark.postgres
def test_postgresql_searches_title_and_content_by_words(auth_client, user):
    in_title = ExampleFactory(user=user, title="Running shoes", content="")
    in_content = ExampleFactory(user=user, title="x", content="The dog runs in the park")
    ExampleFactory(user=user, title="nothing", content="to see")

    found = ids(auth_client.get(LIST_URL, {"search": "run"}))

    assert sorted(found) == sorted([in_title.pk, in_content.pk])
    assert ids(auth_client.get(LIST_URL, {"search": '"dog runs" -cat'})) == [in_content.pk]
    assert ids(auth_client.get(LIST_URL, {"search": "running or nothing"})) != []


@pytest.mark.postgres
def test_postgresql_ranks_a_search_without_ordering_on_both_surfaces(auth_client, gql, user):
    in_title = ExampleFactory(user=user, title="Budget", content="")
    in_content = ExampleFactory(user=user, title="Notes", content="the budget, once")  # newer

    ranked = [in_title.pk, in_content.pk]
    assert ids(auth_client.get(LIST_URL, {"search": "budget"})) == ranked
    response = gql.run(EXAMPLES, {"filters": {"search": "budget"}})
    assert [int(row["id"]) for row in response.data["examples"]["results"]] == ranked
    # An ordering of the client's, or a cursor page, keeps its own order.
    newest = [in_content.pk, in_title.pk]
    assert ids(auth_client.get(LIST_URL, {"search": "budget", "ordering": "-created_at"})) == newest
    assert ids(auth_client.get(LIST_URL, {"search": "budget", "cursor": ""})) == newest
    ordered = gql.run(
        EXAMPLES_ORDERED, {"filters": {"search": "budget"}, "ordering": [{"createdAt": "DESC"}]}
    )
    assert [int(row["id"]) for row in ordered.data["examples"]["results"]] == newest


def test_sqlite_searches_titles_only(auth_client, user):
    if full_text_search():
        pytest.skip("SQLite's fallback; PostgreSQL searches content too")
    hit = ExampleFactory(user=user, title="a plan", content="")
    ExampleFactory(user=user, title="x", content="a plan in the content")

    assert ids(auth_client.get(LIST_URL, {"search": "PLAN"})) == [hit.pk]


def test_title_prefix_lookup_keeps_working(gql, user):
    hit = ExampleFactory(user=user, title="Draft: search", content="")
    ExampleFactory(user=user, title="Final", content="Draft")

    response = gql.run(EXAMPLES, {"filters": {"title": {"startsWith": "Draft"}}})

    assert [int(row["id"]) for row in response.data["examples"]["results"]] == [hit.pk]


def test_a_row_of_one_huge_word_is_stored_and_found_by_title(auth_client, user):
    # PostgreSQL drops a lexeme past 2047 characters (a NOTICE, not an error).
    response = auth_client.post(LIST_URL, {"title": "huge", "content": "a" * 100_000}, format="json")

    assert response.status_code == 201, response.content
    assert ids(auth_client.get(LIST_URL, {"search": "huge"})) == [response.json()["id"]]
    assert ids(auth_client.get(LIST_URL, {"search": WORST_TERM})) == []


# Limits


@override_settings(SEARCH_MAX_TERMS=3)
def test_rest_search_with_too_many_words_is_400(auth_client, user):
    ExampleFactory(user=user, title="one two three", content="")

    assert auth_client.get(LIST_URL, {"search": "one two three"}).status_code == 200
    response = auth_client.get(LIST_URL, {"search": "one two three four"})

    assert response.status_code == 400
    assert response.json() == {
        "search": ["The search has 4 words; at most 3 are allowed in one request (SEARCH_MAX_TERMS)."]
    }


@override_settings(SEARCH_MAX_TERMS=3)
def test_graphql_search_words_are_counted_across_branches(gql, user):
    ExampleFactory(user=user, title="one", content="")

    assert gql.run(EXAMPLES, {"filters": ored("one", "two", "three")}).errors is None
    response = gql.run(EXAMPLES, {"filters": ored("one", "two", "three four")})

    assert response.data is None
    assert response.errors[0]["extensions"] == {"code": "SEARCH_TERM_LIMIT_EXCEEDED", "limit": 3, "found": 4}


@override_settings(GRAPHQL_MAX_FILTER_BRANCHES=2)
def test_graphql_filter_branches_are_bounded(gql, user):
    ExampleFactory(user=user, title="one", content="")

    within = gql.run(EXAMPLES, {"filters": {"NOT": {"search": "x", "OR": {"search": "y"}}}})
    assert within.errors is None, within.errors
    response = gql.run(EXAMPLES, {"filters": {"AND": {"NOT": {"search": "x", "OR": {"search": "y"}}}}})

    assert response.data is None
    assert response.errors[0]["extensions"] == {
        "code": "FILTER_BRANCH_LIMIT_EXCEEDED",
        "limit": 2,
        "found": 3,
    }


def test_the_default_limits_admit_six_ored_worst_terms_and_refuse_more_branches(gql, user):
    ExampleFactory(user=user, title="one", content="")

    six = gql.run(EXAMPLES, {"filters": ored(*[WORST_TERM] * 6)})
    assert six.errors is None, six.errors
    assert six.data["examples"]["totalCount"] == 0
    many = gql.run(EXAMPLES, {"filters": ored(*["x"] * 10)})
    assert many.errors[0]["extensions"]["code"] == "FILTER_BRANCH_LIMIT_EXCEEDED"


@override_settings(GRAPHQL_MAX_COST=50, GRAPHQL_COST_PER_FILTER_CONDITION=10)
def test_filter_conditions_count_toward_the_cost(gql, user):
    query = "query($filters: ExampleFilter) { examples(filters: $filters) { totalCount } }"

    assert gql.run(query, {"filters": ored("a", "b")}).errors is None
    response = gql.run(query, {"filters": ored(*"abcdefgh")})

    assert response.errors[0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"


# The index (PostgreSQL)


@pytest.mark.postgres
def test_postgresql_search_is_planned_on_the_gin_index(user):
    ExampleModel.objects.bulk_create(
        ExampleModel(user=user, title=f"row {n}", content="word " * 50) for n in range(50)
    )
    query = ExampleModel.objects.search("needle").values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        # A few rows make a Seq Scan the honest choice; this asks whether the index can serve it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "example_search_idx" in plan, plan
    assert "Seq Scan" not in plan, plan

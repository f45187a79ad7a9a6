"""The cost limit: what one operation can produce, estimated before it runs."""

from __future__ import annotations

import pytest
import strawberry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import parse

from graphql_api import cost
from graphql_api.cost import Override, estimate_cost
from graphql_api.schema import schema

from ..factories import ExampleFactory

pytestmark = pytest.mark.django_db

PAGE = "examples(pagination: {limit: 100}) { results { content } }"
# One row: the row (1) and its content (1 + 99 for 100,000 characters).
ROW = 1 + 100
ONE_PAGE = 1 + 100 * ROW


def aliased_pages(count: int) -> str:
    return "{ " + " ".join(f"a{i}: {PAGE}" for i in range(count)) + " }"


def cost_of(query: str, variables=None, operation_name=None) -> int | None:
    return estimate_cost(schema._schema, parse(query), operation_name, variables)


def test_fifteen_aliased_pages_of_big_content_are_refused_before_any_row_is_read(gql_owner, user):
    ExampleFactory(user=user, content="é" * 20_000)
    with CaptureQueriesContext(connection) as queries:
        response = gql_owner.run(aliased_pages(15))
    assert response.data is None
    [error] = response.errors
    assert error["extensions"] == {"code": "COST_LIMIT_EXCEEDED", "limit": 12000, "cost": 15 * ONE_PAGE}
    assert "GRAPHQL_MAX_COST" in error["message"] and "12000" in error["message"]
    assert not [q for q in queries.captured_queries if "api_examplemodel" in q["sql"]]


def test_one_full_page_of_content_is_served(gql_owner, user):
    ExampleFactory(user=user, content="é" * 1000)
    assert cost_of("{ " + PAGE + " }") == ONE_PAGE <= 12000
    response = gql_owner.run("{ " + PAGE + " }")
    assert response.errors is None
    assert response.data["examples"]["results"] == [{"content": "é" * 1000}]
    assert gql_owner.run(aliased_pages(2)).errors[0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"


def test_the_page_size_is_clamped_and_defaulted_as_api_paging_does(settings):
    assert cost_of("{ examples(pagination: {limit: 5000}) { results { content } } }") == ONE_PAGE
    assert cost_of("{ examples { results { content } } }") == 1 + 20 * ROW
    assert cost_of("{ examples(pagination: {limit: 3}) { results { id title } } }") == 1 + 3 * 3
    # A refused limit lists nothing; execution answers BAD_USER_INPUT.
    assert cost_of("{ examples(pagination: {limit: -1}) { results { content } } }") == 1
    settings.API_PAGE_SIZE_MAX = 10
    assert cost_of("{ examples(pagination: {limit: 5000}) { results { content } } }") == 1 + 10 * ROW


def test_variables_fragments_and_aliases_are_all_counted():
    query = """
        query Q($page: OffsetPaginationInput) {
          a: examples(pagination: $page) { ...Rows }
          b: examples(pagination: $page) { ...Rows }
        }
        fragment Rows on ExampleOffsetPaginated { totalCount results { content } }
    """
    # Each alias: examples (1) + totalCount (1) + 50 rows.
    assert cost_of(query, {"page": {"limit": 50}}) == 2 * (1 + 1 + 50 * ROW)
    assert cost_of(query, {"page": None}) == 2 * (1 + 1 + 20 * ROW)
    # Bad variables: execution reports them, nothing runs, nothing to cost.
    assert cost_of(query, {"page": {"limit": "many"}}) is None


def test_text_weights_come_from_the_model_fields():
    # Profile.bio is 2,000 characters at most: 1 + 1; displayName (150) and title (200): 1.
    assert cost_of("{ me { profile { bio } } }") == 1 + 1 + 2
    assert cost_of("{ me { profile { displayName } } }") == 1 + 1 + 1
    assert cost_of("{ example(id: 1) { title content } }") == 1 + 1 + 100


@strawberry.type
class Leaf:
    name: str


@strawberry.type
class Branch:
    leaves: list[Leaf]
    label: str


@strawberry.type
class AddedQuery:
    @strawberry.field
    def branches(self) -> list[Branch]:
        return []


def test_the_estimate_works_for_a_type_added_later(monkeypatch):
    # A plain Strawberry list (no pagination argument) gets the default list
    # size, nested lists multiply, and an override sets a known size.
    added = strawberry.Schema(query=AddedQuery)._schema
    assert estimate_cost(added, parse("{ branches { label } }"), None, None) == 100 * (1 + 1)
    assert estimate_cost(added, parse("{ branches { leaves { name } } }"), None, None) == 100 * (1 + 100 * 2)
    monkeypatch.setattr(cost, "COST_OVERRIDES", {"Branch.leaves": Override(list_size=3, weight=4)})
    assert estimate_cost(added, parse("{ branches { leaves { name } } }"), None, None) == 100 * (
        1 + 3 * (5 + 1)
    )


def test_introspection_costs_the_size_of_the_schema():
    types = len(schema._schema.type_map)
    assert cost_of("{ __schema { types { name fields { name } } } }") == types
    assert cost_of("{ __typename }") == 1


def test_the_cost_limit_is_read_from_settings(gql_owner, settings):
    settings.GRAPHQL_MAX_COST = 3
    query = "{ me { id username email } }"  # 1 + 3
    [error] = gql_owner.run(query).errors
    assert error["extensions"] == {"code": "COST_LIMIT_EXCEEDED", "limit": 3, "cost": 4}
    settings.GRAPHQL_MAX_COST = 4
    assert gql_owner.run(query).errors is None


def test_the_worst_response_within_the_cost_limit_is_bounded(settings):
    # The bound docs/GRAPHQL.md states: a point is at most CHARS_PER_POINT
    # characters of value, each at most 6 bytes of JSON.
    worst_content_points = 100
    assert worst_content_points * settings.GRAPHQL_COST_CHARS_PER_POINT >= 100_000  # CONTENT_MAX_LENGTH
    bound = settings.GRAPHQL_MAX_COST * settings.GRAPHQL_COST_CHARS_PER_POINT * 6
    assert bound <= 72_000_000
    assert bound >= settings.GRAPHQL_MAX_RESPONSE_BYTES


def test_the_frontends_operations_fit_at_the_largest_page(settings):
    # The web frontend's own documents must never meet the cost limit.
    from pathlib import Path

    operations = Path(__file__).resolve().parents[2] / "frontend" / "operations"
    fragments = "\n".join(path.read_text() for path in sorted(operations.glob("*.graphql")))
    document = parse(fragments)
    variables = {
        "Examples": {"pagination": {"limit": 100}},
        "CreateExample": {"data": {"title": "t"}},
        "UpdateExample": {"data": {"id": "1", "title": "t"}},
        "UpdateProfile": {"data": {"bio": "b"}},
        "Projects": {"pagination": {"limit": 100}},
        "Project": {"id": "1", "examples": {"limit": 100}, "members": {"limit": 100}},
        "Invitations": {"pagination": {"limit": 100}},
        "CancelInvitation": {"id": "1"},
        "CreateProject": {"data": {"name": "n"}},
        "UpdateProject": {"data": {"id": "1", "name": "n"}},
        "AddProjectMember": {"data": {"projectId": "1", "username": "u", "role": "VIEWER"}},
        "UpdateProjectMember": {"data": {"projectId": "1", "username": "u", "role": "VIEWER"}},
        "RemoveProjectMember": {"projectId": "1", "username": "u"},
    }
    costs = {}
    for definition in document.definitions:
        if getattr(definition, "operation", None) is not None:
            name = definition.name.value
            given = variables.get(name, {"id": "1"})
            costs[name] = estimate_cost(schema._schema, document, name, given)
    assert costs["Examples"] > 100 * ROW  # a full page of full rows
    assert all(cost is not None and cost <= settings.GRAPHQL_MAX_COST for cost in costs.values()), costs
    # Members are paged: priced at the page asked for, like every list.
    assert costs["Project"] > 100 * 5


def test_member_and_invitation_lists_are_priced_by_the_page_rule_not_the_default_list_size(settings):
    settings.GRAPHQL_COST_DEFAULT_LIST_SIZE = 7
    settings.API_PAGE_SIZE_DEFAULT = 20
    document = parse(
        "{ projects(pagination: {limit: 3}) { results { members { results { role } } "
        "invitations(pagination: {limit: 500}) { results { role } } } } }"
    )
    # projects 1, then 3 results x (1 + members 1 + 20 x (1 + 1) + invitations 1 + 100 (clamped) x (1 + 1)).
    assert estimate_cost(schema._schema, document, None, {}) == 1 + 3 * (1 + 1 + 20 * 2 + 1 + 100 * 2)


def test_a_nested_page_is_priced_at_its_own_page_size():
    document = parse(
        "{ projects(pagination: {limit: 2}) { results { examples(pagination: {limit: 5}) { results { id } } } } }"
    )
    # projects 1, then 2 results x (1 + examples 1 + 5 results x (result 1 + id 1)).
    assert estimate_cost(schema._schema, document, None, {}) == 1 + 2 * (1 + 1 + 5 * (1 + 1))


# examplesConnection: first/last is the multiplier of its edges (as pagination.limit of a page).
CONNECTION = (
    "examplesConnection(%s) { totalCount edges { cursor node { content } } pageInfo { hasNextPage } }"
)
# edges (1) + cursor (1) + node (1) + content (100), per edge.
EDGE = 1 + 1 + 1 + 100
# The connection (1), totalCount (1), pageInfo (1) with hasNextPage (1), and the edges.
CONNECTION_BASE = 1 + 1 + 1 + 1


@pytest.mark.parametrize(
    ("arguments", "size"),
    [("", 20), ("first: 5", 5), ("last: 7", 7), ("first: 1000", 100), ("last: 1000", 100), ("first: 0", 0)],
)
def test_a_connection_costs_its_page_size_times_an_edge(arguments, size):
    assert cost_of("{ " + CONNECTION % (arguments or "first: null") + " }") == CONNECTION_BASE + size * EDGE


def test_a_connection_page_size_from_a_variable():
    query = "query Q($n: Int) { " + CONNECTION % "first: $n" + " }"
    assert cost_of(query, {"n": 50}) == CONNECTION_BASE + 50 * EDGE


def test_aliased_full_connections_are_refused(gql_owner, user):
    query = "{ " + " ".join(f"a{i}: " + CONNECTION % "first: 100" for i in range(15)) + " }"

    response = gql_owner.run(query)

    assert response.data is None
    assert response.errors[0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"

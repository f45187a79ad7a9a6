"""Nested lists at a constant cost: one project or fifty, the same number of SQL queries.

Each nested list is one prefetch for all parents: ``Project.examples`` is cut
per project with window functions (strawberry-django's per-parent
pagination, clamped to the page ``api.paging`` allows), ``Project.members``
is one query, owners and members' users are joined, and ``role`` is a
subquery of the projects' own query.
"""

import pytest
import strawberry_django
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ExampleModel, Project, ProjectMembership, ProjectRole

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_cost_limit(settings):
    # The estimator prices this operation near its worst case (tests/graphql/test_cost.py);
    # here only the number of queries is under test.
    settings.GRAPHQL_MAX_COST = 10**6


NESTED = """
query($limit: Int) {
  projects(pagination: {limit: 50}) {
    totalCount
    results {
      id name role
      owner { name }
      examples(pagination: {limit: $limit}) {
        totalCount
        results { id title owner { name } project { id name role } }
      }
      members { results { user { name } role addedAt } }
    }
  }
}
"""

# Token (with its user); COUNT of projects; the projects page (role as a
# subquery, owner and profile joined); the members of all of them (user and
# profile joined); the examples of all of them (a window per project, owner
# and profile joined); the examples' projects through the policy.
EXPECTED_QUERIES = 6


def build_world(user, projects: int, examples_each: int = 3) -> None:
    friend = UserFactory(username="friend")
    viewer = UserFactory(username="viewer")
    for number in range(projects):
        # Alternate ownership so both branches of the role rule are exercised.
        owner, member = (user, friend) if number % 2 == 0 else (friend, user)
        project = Project.objects.create(owner=owner, name=f"p{number}")
        ProjectMembership.objects.create(project=project, user=member, role=ProjectRole.EDITOR)
        ProjectMembership.objects.create(project=project, user=viewer, role=ProjectRole.VIEWER)
        ExampleModel.objects.bulk_create(
            ExampleModel(user=owner, project=project, title=f"p{number}-e{i}") for i in range(examples_each)
        )


def run_counted(client, limit: int | None = 10):
    with CaptureQueriesContext(connection) as queries:
        response = client.run(NESTED, {"limit": limit})
    assert response.errors is None, response.errors
    return response.data["projects"], len(queries.captured_queries)


@pytest.mark.parametrize("projects", [1, 50])
def test_projects_with_examples_and_members_cost_the_same_for_1_and_50(gql_owner, user, projects):
    build_world(user, projects)
    data, count = run_counted(gql_owner)
    assert data["totalCount"] == projects
    assert len(data["results"]) == projects
    for project in data["results"]:
        assert project["examples"]["totalCount"] == 3
        assert len(project["examples"]["results"]) == 3
        assert {m["user"]["name"] for m in project["members"]["results"]} == {"friend", "viewer"} - {
            "friend" if project["role"] == "EDITOR" else ""
        } | ({"alice"} if project["role"] == "EDITOR" else set())
        assert all(e["project"]["id"] == project["id"] for e in project["examples"]["results"])
    assert {p["role"] for p in data["results"]} <= {"OWNER", "EDITOR"}
    assert count == EXPECTED_QUERIES


def test_a_nested_page_is_cut_per_project_and_clamped(gql_owner, user, settings):
    settings.API_PAGE_SIZE_MAX = 4
    settings.API_PAGE_SIZE_DEFAULT = 2
    build_world(user, 3, examples_each=6)
    data, count = run_counted(gql_owner, limit=1000)
    assert count == EXPECTED_QUERIES
    for project in data["results"]:
        assert project["examples"]["totalCount"] == 6
        assert len(project["examples"]["results"]) == 4
    data, _ = run_counted(gql_owner, limit=None)
    for project in data["results"]:
        assert project["examples"]["totalCount"] == 6
        assert len(project["examples"]["results"]) == 2


# A nested totalCount: counted by the projects' own query (graphql_api.base), never once per project.

TOTAL_ONLY = "{ projects(pagination: {limit: 100}) { results { examples { totalCount } } } }"
PAST_THE_END = """
{ projects(pagination: {limit: 100}) {
    results { examples(pagination: {offset: 50}) { totalCount results { id } } } } }
"""
THROUGH_A_FRAGMENT = """
{ projects(pagination: {limit: 100}) { results { examples { ...Counted } } } }
fragment Counted on ExampleOffsetPaginated { totalCount }
"""


def counted_totals(client, query: str) -> tuple[list[int], int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.run(query)
    assert response.errors is None, response.errors
    totals = [project["examples"]["totalCount"] for project in response.data["projects"]["results"]]
    return totals, len(queries.captured_queries)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The token, then the projects with their counts.
        (TOTAL_ONLY, 2),
        (THROUGH_A_FRAGMENT, 2),
        # ... and the (empty) pages of all of them, cut by one window query.
        (PAST_THE_END, 3),
    ],
    ids=["totalCount alone", "through a fragment", "a page past the end"],
)
@pytest.mark.parametrize("projects", [1, 40])
def test_a_nested_total_count_is_one_query_for_1_or_40_projects(gql_owner, user, query, expected, projects):
    # Each project a different number of examples (its index), newest project first in the answer.
    for number in range(projects):
        project = Project.objects.create(owner=user, name=f"p{number}")
        ExampleModel.objects.bulk_create(
            ExampleModel(user=user, project=project, title=f"e{i}") for i in range(number)
        )

    totals, count = counted_totals(gql_owner, query)

    assert totals == list(reversed(range(projects)))
    assert count == expected


def test_a_nested_total_count_counts_only_what_the_caller_may_see(gql_other, user, other_user):
    # Bob is a member of Alice's project; her private examples elsewhere and
    # the project's examples both count only as the policy lets him see them.
    project = Project.objects.create(owner=user, name="shared")
    ProjectMembership.objects.create(project=project, user=other_user, role=ProjectRole.VIEWER)
    ExampleModel.objects.bulk_create(
        ExampleModel(user=user, project=project, title=f"e{n}") for n in range(4)
    )
    ExampleModel.objects.create(user=user, title="private")
    Project.objects.create(owner=other_user, name="empty")

    totals, count = counted_totals(gql_other, TOTAL_ONLY)

    assert totals == [0, 4]  # newest first: his empty project, then Alice's
    assert count == 2


def test_a_nested_page_of_strawberry_djangos_own_type_is_refused_at_import():
    # A list added later under any policy type gets the count with its parents,
    # or the type does not build: it cannot fall back to a COUNT per parent unnoticed.
    from strawberry_django.pagination import OffsetPaginated as StockOffsetPaginated

    from graphql_api.base import PolicyType, policy_type
    from graphql_api.types import ExampleType

    with pytest.raises(
        ImproperlyConfigured, match=r"nested page must be graphql_api\.pagination\.OffsetPaginated"
    ):

        @policy_type(Project, name="ProjectWithStockPage")
        class ProjectWithStockPage(PolicyType):
            examples: StockOffsetPaginated[ExampleType] = strawberry_django.offset_paginated()

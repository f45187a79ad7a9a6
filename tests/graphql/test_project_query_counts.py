"""Nested lists at a constant cost: one project or fifty, the same number of SQL queries (issue 14.4).

Each nested list is one prefetch for all parents: ``Project.examples`` is cut
per project with window functions (strawberry-django's per-parent
pagination, clamped to the page ``api.paging`` allows), ``Project.members``
is one query, owners and members' users are joined, and ``role`` is a
subquery of the projects' own query.
"""

from __future__ import annotations

import pytest
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

"""Listing costs the same number of SQL queries whatever the page size (DjangoOptimizerExtension)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ExampleModel, Project

pytestmark = pytest.mark.django_db

LIST_WITH_OWNERS = """
query($limit: Int) {
  examples(pagination: {limit: $limit}) {
    totalCount
    results { id title owner { id username name } project { id name role } }
  }
}
"""

# Token lookup (with its user), COUNT(*), the page joined to owner and profile,
# and the page's projects through the policy (one prefetch).
EXPECTED_QUERIES = 4


def count_queries(client, rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.run(LIST_WITH_OWNERS, {"limit": rows})
    assert response.errors is None
    assert len(response.data["examples"]["results"]) == rows
    assert all(r["owner"]["name"] for r in response.data["examples"]["results"])
    return len(queries.captured_queries)


@pytest.mark.parametrize("rows", [1, 20, 100])
def test_examples_with_owner_and_project_cost_a_constant_number_of_queries(gql_owner, user, rows):
    project = Project.objects.create(owner=user, name="p")
    ExampleModel.objects.bulk_create(
        ExampleModel(user=user, title=f"t{i}", project=project) for i in range(rows)
    )
    assert count_queries(gql_owner, rows) == EXPECTED_QUERIES


def test_me_with_profile_costs_two_queries_after_authentication(gql_owner, user):
    with CaptureQueriesContext(connection) as queries:
        response = gql_owner.run("{ me { name profile { displayName } } }")
    assert response.errors is None
    # Token lookup with its user, then the profile once (name and profile share it).
    assert len(queries.captured_queries) == 2

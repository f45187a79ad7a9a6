"""SQL queries per request stay constant whatever the page size.

With a token the budget is: the token joined to its user, then (lists) the
count and the page, or (detail) the row.
"""

from __future__ import annotations

import pytest

from api.models import ExampleModel

from .conftest import LIST_URL, detail_url


def make_examples(user, count: int) -> None:
    ExampleModel.objects.bulk_create(
        ExampleModel(user=user, title=f"t{n} note", content="c") for n in range(count)
    )


@pytest.mark.parametrize("rows", [1, 20, 100])
def test_list_costs_three_queries(auth_client, user, django_assert_num_queries, rows):
    make_examples(user, rows)

    with django_assert_num_queries(3):
        response = auth_client.get(LIST_URL, {"limit": 100})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 20, 100])
def test_filtered_ordered_list_costs_three_queries(auth_client, user, django_assert_num_queries, rows):
    make_examples(user, rows)
    query = {"limit": 100, "search": "note", "ordering": "-title", "created_after": "2000-01-01T00:00:00Z"}

    with django_assert_num_queries(3):
        response = auth_client.get(LIST_URL, query)

    assert len(response.json()["results"]) == rows


def test_list_reads_only_the_returned_columns(auth_client, user, django_assert_num_queries):
    make_examples(user, 2)

    with django_assert_num_queries(3) as captured:
        auth_client.get(LIST_URL)

    page_query = captured.captured_queries[-1]["sql"]
    columns = page_query.split('FROM "api_examplemodel"')[0]
    assert '"api_examplemodel"."content"' in columns
    # The author comes in the same query, as a public_user: nothing else of the user is read.
    assert '"auth_user"."username"' in columns
    assert '"authentication_profile"."display_name"' in columns
    for private in ("email", "password", "date_joined", "last_login"):
        assert f'"auth_user"."{private}"' not in columns


def test_detail_costs_two_queries(auth_client, user, django_assert_num_queries):
    make_examples(user, 1)
    example = ExampleModel.objects.get()

    with django_assert_num_queries(2):
        response = auth_client.get(detail_url(example.pk))

    assert response.json()["id"] == example.pk

"""GraphQL keyset pages: `examplesConnection` (graphql_api.connection, api.keyset)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from tests.factories import UserFactory, token_for

from .conftest import GraphQLClient

TIE = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String,
           $filters: ExampleFilter, $ordering: [ExampleOrder!]) {
  examplesConnection(first: $first, after: $after, last: $last, before: $before,
                     filters: $filters, ordering: $ordering) {
    edges { cursor node { id title createdAt updatedAt owner { username } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def make_rows(user, count: int, *, tie: bool = False, **fields) -> list[ExampleModel]:
    rows = ExampleModel.objects.bulk_create(
        ExampleModel(user=user, **{"title": f"Row {n:03}", "content": "", **fields}) for n in range(count)
    )
    if tie:
        ExampleModel.objects.filter(pk__in=[row.pk for row in rows]).update(created_at=TIE, updated_at=TIE)
    return rows


def ordered(user, *ordering: str) -> list[str]:
    rows = ExampleModel.objects.filter(user=user).order_by(*(ordering or ("-created_at", "-id")))
    return [str(pk) for pk in rows.values_list("id", flat=True)]


def page(client: GraphQLClient, **variables):
    response = client.run(PAGE, variables)
    assert response.errors is None, response.errors
    return response.data["examplesConnection"]


def node_ids(connection_: dict) -> list[str]:
    return [edge["node"]["id"] for edge in connection_["edges"]]


def forward(client, **variables) -> list[dict]:
    pages = [page(client, **variables)]
    while pages[-1]["pageInfo"]["hasNextPage"]:
        pages.append(page(client, **variables, after=pages[-1]["pageInfo"]["endCursor"]))
        assert len(pages) < 100
    return pages


def test_first_page_defaults_to_20_newest_first(gql_owner, user):
    make_rows(user, 25)

    first = page(gql_owner)

    assert node_ids(first) == ordered(user)[:20]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]


@pytest.mark.parametrize("tie", [False, True])
def test_forward_and_backward_across_ties(gql_owner, user, tie):
    make_rows(user, 17, tie=tie)
    expected = ordered(user)

    pages = forward(gql_owner, first=5)

    assert [node_ids(p) for p in pages] == [expected[i : i + 5] for i in range(0, 17, 5)]
    back = [page(gql_owner, last=5)]
    while back[-1]["pageInfo"]["hasPreviousPage"]:
        back.append(page(gql_owner, last=5, before=back[-1]["pageInfo"]["startCursor"]))
    seen = [row for p in reversed(back) for row in node_ids(p)]
    assert seen == expected
    assert node_ids(back[0]) == expected[-5:]


@pytest.mark.parametrize(
    ("ordering", "django"),
    [
        ({"createdAt": "ASC"}, ("created_at", "id")),
        ({"createdAt": "DESC"}, ("-created_at", "-id")),
        ({"updatedAt": "ASC"}, ("updated_at", "id")),
        ({"updatedAt": "DESC"}, ("-updated_at", "-id")),
    ],
)
def test_orderings_page_across_ties(gql_owner, user, ordering, django):
    make_rows(user, 5)
    make_rows(user, 6, tie=True)

    pages = forward(gql_owner, first=4, ordering=[ordering])

    assert [row for p in pages for row in node_ids(p)] == ordered(user, *django)


def test_rows_inserted_between_pages_neither_repeat_nor_hide_others(gql_owner, user):
    make_rows(user, 9)
    expected = ordered(user)
    first = page(gql_owner, first=4)
    make_rows(user, 3)

    rest = [page(gql_owner, first=4, after=first["pageInfo"]["endCursor"])]
    while rest[-1]["pageInfo"]["hasNextPage"]:
        rest.append(page(gql_owner, first=4, after=rest[-1]["pageInfo"]["endCursor"]))

    assert node_ids(first) + [row for p in rest for row in node_ids(p)] == expected


def test_other_users_rows_never_appear_and_filters_apply(gql_owner, user, other_user):
    make_rows(other_user, 10)
    mine = make_rows(user, 4)
    needle = make_rows(user, 2, title="needle")

    every = forward(gql_owner, first=3)
    found = forward(gql_owner, first=1, filters={"search": "needle"})

    assert sorted(int(row) for p in every for row in node_ids(p)) == sorted(r.pk for r in mine + needle)
    assert [row for p in found for row in node_ids(p)] == [str(r.pk) for r in reversed(needle)]


def test_a_projects_examples_by_the_project_filter(gql_owner, user):
    owner = UserFactory()
    project = Project.objects.create(owner=owner, name="Shared")
    ProjectMembership.objects.create(project=project, user=user, role=ProjectRole.VIEWER)
    shared = make_rows(owner, 5, project=project)
    make_rows(owner, 3)
    hidden = Project.objects.create(owner=owner, name="Not shared")
    make_rows(owner, 2, project=hidden)

    pages = forward(gql_owner, first=2, filters={"project": str(project.pk)})
    nothing = page(gql_owner, filters={"project": str(hidden.pk)})

    assert [row for p in pages for row in node_ids(p)] == [str(r.pk) for r in reversed(shared)]
    assert nothing["edges"] == []


def test_updated_at_lookups(gql_owner, user):
    old, new = make_rows(user, 2)
    ExampleModel.objects.filter(pk=old.pk).update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    ExampleModel.objects.filter(pk=new.pk).update(updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    def found(lookup):
        return node_ids(page(gql_owner, filters={"updatedAt": lookup}))

    assert found({"gte": "2026-01-01T00:00:00+00:00"}) == [str(new.pk)]
    assert found({"gt": "2026-01-01T00:00:00+00:00"}) == []
    assert found({"lt": "2026-01-01T00:00:00+00:00"}) == [str(old.pk)]
    assert found({"lte": "2020-01-01T01:00:00+01:00"}) == [str(old.pk)]


def error_of(client, **variables) -> dict:
    response = client.run(PAGE, variables)
    assert response.data is None or response.data.get("examplesConnection") is None
    [error] = response.errors
    return error


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": -1}, "first"),
        ({"last": 0}, "last"),
        ({"first": 2, "last": 2}, "last"),
    ],
)
def test_bad_page_sizes_are_bad_user_input(gql_owner, user, variables, field):
    error = error_of(gql_owner, **variables)

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


def test_page_size_is_clamped_to_100(gql_owner, user):
    make_rows(user, 105)

    assert len(page(gql_owner, first=1000)["edges"]) == 100
    assert len(page(gql_owner, last=1000)["edges"]) == 100


def a_cursor(client, user, **variables) -> str:
    make_rows(user, 3)
    return page(client, first=1, **variables)["pageInfo"]["endCursor"]


@pytest.mark.parametrize("tamper", [lambda c: c[:-3] + "abc", lambda c: "x" + c, lambda c: "junk"])
def test_an_altered_cursor_is_an_error_with_a_code(gql_owner, user, tamper):
    cursor = a_cursor(gql_owner, user)

    for argument in ("after", "before"):
        error = error_of(gql_owner, **{argument: tamper(cursor)})
        assert error["extensions"] == {
            "code": "BAD_USER_INPUT",
            "reason": "INVALID_CURSOR",
            "field": argument,
        }


@pytest.mark.parametrize(
    ("made_for", "used_with"),
    [
        ({}, {"filters": {"search": "Row"}}),
        ({}, {"ordering": [{"createdAt": "ASC"}]}),
        ({"ordering": [{"createdAt": "DESC"}]}, {"ordering": [{"updatedAt": "DESC"}]}),
    ],
)
def test_a_cursor_for_other_filters_is_an_error_with_a_code(gql_owner, user, made_for, used_with):
    cursor = a_cursor(gql_owner, user, **made_for)

    error = error_of(gql_owner, after=cursor, **used_with)

    assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "CURSOR_MISMATCH", "field": "after"}


def test_another_users_cursor_is_a_mismatch(gql_owner, user, other_user):
    cursor = a_cursor(gql_owner, user)

    error = error_of(GraphQLClient(token_for(other_user)), after=cursor)

    assert error["extensions"]["reason"] == "CURSOR_MISMATCH"


def test_unsupported_ordering_is_an_error(gql_owner, user):
    error = error_of(gql_owner, ordering=[{"title": "ASC"}])

    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "reason": "UNSUPPORTED_ORDERING",
        "field": "ordering",
    }


def test_rest_and_graphql_cursors_share_one_rule(gql_owner, auth_client, user):
    # The same caller and no filters: both surfaces bind to the same query.
    make_rows(user, 3)
    body = auth_client.get("/api/v1/examples/", {"cursor": "", "limit": 1}).json()
    rest_cursor = body["next"].split("cursor=")[1]
    from urllib.parse import unquote

    second = page(gql_owner, first=1, after=unquote(rest_cursor.split("&")[0]))

    assert node_ids(second) == ordered(user)[1:2]


def queries_of(client, query: str, variables: dict) -> tuple[list[str], dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.run(query, variables)
    assert response.errors is None, response.errors
    return [q["sql"] for q in captured.captured_queries], response.data


COUNTED = """
query Counted($after: String) {
  examplesConnection(first: 3, after: $after) {
    totalCount
    edges { node { id title owner { username } } }
    pageInfo { endCursor hasNextPage }
  }
}
"""
UNCOUNTED = """
query Uncounted($after: String) {
  examplesConnection(first: 3, after: $after) {
    edges { node { id title owner { username } } }
    pageInfo { endCursor hasNextPage }
  }
}
"""
COUNT_ONLY = "{ examplesConnection { totalCount } }"


def test_sql_per_page_is_constant_and_total_count_only_when_selected(gql_owner, user):
    make_rows(user, 20)

    first_sql, first = queries_of(gql_owner, UNCOUNTED, {})
    deep_sql, _ = queries_of(
        gql_owner, UNCOUNTED, {"after": first["examplesConnection"]["pageInfo"]["endCursor"]}
    )
    counted_sql, counted = queries_of(gql_owner, COUNTED, {})
    count_only_sql, count_only = queries_of(gql_owner, COUNT_ONLY, {})

    # The token, then one query for the page (owners joined in it).
    assert len(first_sql) == len(deep_sql) == 2
    assert not any("COUNT(" in sql for sql in first_sql + deep_sql)
    assert len(counted_sql) == 3 and sum("COUNT(" in sql for sql in counted_sql) == 1
    assert counted["examplesConnection"]["totalCount"] == 20
    assert len(count_only_sql) == 2 and "COUNT(" in count_only_sql[-1]
    assert count_only["examplesConnection"]["totalCount"] == 20


def test_anonymous_callers_get_no_rows(gql_anon, user):
    make_rows(user, 3)

    response = gql_anon.run(PAGE, {})

    assert response.data is None or not response.data.get("examplesConnection", {}).get("edges")
    assert response.errors


@pytest.mark.django_db(transaction=True)
def test_the_connection_runs_in_an_async_context_too(user):
    # As subscriptions or an ASGI view would run the schema: no query on the event loop.
    import asyncio
    from types import SimpleNamespace

    from graphql_api.schema import schema

    make_rows(user, 3)
    context = SimpleNamespace(request=SimpleNamespace(user=user, META={}, headers={}))
    query = "{ examplesConnection(first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage } } }"

    async def run():
        return await schema.execute(query, context_value=context)

    result = asyncio.run(run())

    assert result.errors is None, result.errors
    assert result.data["examplesConnection"]["totalCount"] == 3
    assert [edge["node"]["id"] for edge in result.data["examplesConnection"]["edges"]] == ordered(user)[:2]

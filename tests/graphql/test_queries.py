"""me, example(id) and examples(...) for the owner, another user and anonymous callers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ExampleModel
from api.paging import parse_page

from ..factories import ExampleFactory

pytestmark = pytest.mark.django_db

UNAUTHENTICATED_ANSWER = {"data": None, "code": "UNAUTHENTICATED"}

EXAMPLES = """
query($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {
  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {
    totalCount
    pageInfo { limit offset }
    results { id title }
  }
}
"""


def ids(response) -> list[int]:
    return [int(row["id"]) for row in response.data["examples"]["results"]]


def refused_as_anonymous(response) -> bool:
    return (
        response.data is None
        and len(response.errors) == 1
        and response.errors[0]["extensions"] == {"code": "UNAUTHENTICATED"}
    )


# me


def test_me_is_the_caller(gql_owner, user):
    user.first_name, user.last_name = "Alice", "Liddell"
    user.save()
    response = gql_owner.run("{ me { id username email name dateJoined profile { displayName timezone } } }")
    assert response.errors is None
    me = response.data["me"]
    assert me["id"] == str(user.pk)
    assert (me["username"], me["email"], me["name"]) == ("alice", "alice@example.com", "Alice Liddell")
    assert dt.datetime.fromisoformat(me["dateJoined"]) == user.date_joined
    assert me["profile"] == {"displayName": "", "timezone": "UTC"}


def test_me_name_prefers_the_profile_display_name(gql_owner, user):
    user.profile.display_name = "Ada"
    user.profile.save()
    assert gql_owner.run("{ me { name } }").data == {"me": {"name": "Ada"}}


def test_me_is_null_when_anonymous(gql_anon):
    response = gql_anon.run("{ me { id username } }")
    assert response.errors is None
    assert response.data == {"me": None}


def test_session_user_is_me(client, user):
    client.force_login(user)
    response = client.post("/graphql/", {"query": "{ me { username } }"}, content_type="application/json")
    assert response.json() == {"data": {"me": {"username": "alice"}}}


# example(id)


def test_example_by_id_for_its_owner(gql_owner, user):
    example = ExampleFactory(user=user, title="Mine", content="text")
    response = gql_owner.run(
        "query($id: ID!) { example(id: $id) { id title content createdAt updatedAt owner { id username } } }",
        {"id": str(example.pk)},
    )
    assert response.errors is None
    got = response.data["example"]
    assert got["id"] == str(example.pk)
    assert (got["title"], got["content"]) == ("Mine", "text")
    assert dt.datetime.fromisoformat(got["createdAt"]) == example.created_at
    assert got["createdAt"].endswith("+00:00")
    assert got["owner"] == {"id": str(user.pk), "username": "alice"}


def test_a_foreign_id_answers_exactly_like_a_missing_one(gql_owner, other_user):
    foreign = ExampleFactory(user=other_user)
    missing = ExampleModel.objects.order_by("-pk").first().pk + 1000
    query = "query($id: ID!) { example(id: $id) { id title } }"
    foreign_answer = gql_owner.run(query, {"id": str(foreign.pk)})
    missing_answer = gql_owner.run(query, {"id": str(missing)})
    assert foreign_answer == missing_answer
    assert foreign_answer.data == {"example": None} and foreign_answer.errors is None


@pytest.mark.parametrize("junk", ["abc", "0", "-1", "1.5", "99999999999999999999999", " 1", "\u0661"])
def test_an_id_that_cannot_be_a_key_is_missing(gql_owner, user, junk):
    ExampleFactory(user=user)
    response = gql_owner.run("query($id: ID!) { example(id: $id) { id } }", {"id": junk})
    assert response.errors is None
    assert response.data == {"example": None}


def test_example_refused_when_anonymous(gql_anon, user):
    example = ExampleFactory(user=user)
    response = gql_anon.run(f'{{ example(id: "{example.pk}") {{ id title }} }}')
    assert refused_as_anonymous(response)


# examples


def test_examples_lists_only_the_callers_newest_first(gql_owner, user, other_user):
    mine = [ExampleFactory(user=user) for _ in range(3)]
    ExampleFactory.create_batch(2, user=other_user)
    response = gql_owner.run(EXAMPLES)
    assert response.errors is None
    assert response.data["examples"]["totalCount"] == 3
    assert response.data["examples"]["pageInfo"] == {"limit": 20, "offset": 0}
    assert ids(response) == [e.pk for e in reversed(mine)]


def test_another_user_sees_only_their_own(gql_other, user, other_user):
    ExampleFactory.create_batch(3, user=user)
    theirs = ExampleFactory(user=other_user)
    response = gql_other.run(EXAMPLES)
    assert response.data["examples"]["totalCount"] == 1
    assert ids(response) == [theirs.pk]


def test_examples_refused_when_anonymous(gql_anon, user):
    ExampleFactory(user=user)
    assert refused_as_anonymous(gql_anon.run(EXAMPLES))


def test_anonymous_refusal_covers_fragments_and_mixed_selections(gql_anon, user):
    ExampleFactory(user=user)
    for query in (
        "{ me { id } examples { totalCount } }",
        "{ ... on Query { examples { totalCount } } }",
        "query { ...Q } fragment Q on Query { example(id: 1) { id } }",
        'mutation { createExample(data: {title: "x"}) { __typename } }',
    ):
        assert refused_as_anonymous(gql_anon.run(query)), query
    assert ExampleModel.objects.count() == 1


def test_newest_first_ties_broken_by_id(gql_owner, user, frozen):
    # Same created_at for all: the id decides, highest first.
    made = [ExampleFactory(user=user) for _ in range(4)]
    assert ids(gql_owner.run(EXAMPLES)) == sorted((e.pk for e in made), reverse=True)


@pytest.mark.parametrize(
    ("ordering", "expected_titles"),
    [
        ([{"title": "ASC"}], ["a", "a", "b", "c"]),
        ([{"title": "DESC"}], ["c", "b", "a", "a"]),
        ([{"createdAt": "ASC"}], ["c", "a", "b", "a"]),
        ([{"updatedAt": "DESC"}], ["a", "b", "a", "c"]),
    ],
)
def test_ordering(gql_owner, user, ordering, expected_titles):
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for minutes, title in enumerate(["c", "a", "b", "a"]):
        example = ExampleFactory(user=user, title=title)
        stamp = start + dt.timedelta(minutes=minutes)
        ExampleModel.objects.filter(pk=example.pk).update(created_at=stamp, updated_at=stamp)
    response = gql_owner.run(EXAMPLES, {"ordering": ordering})
    assert response.errors is None
    assert [row["title"] for row in response.data["examples"]["results"]] == expected_titles


def test_equal_ordering_keys_are_broken_by_id_descending(gql_owner, user):
    same = [ExampleFactory(user=user, title="same") for _ in range(3)]
    response = gql_owner.run(EXAMPLES, {"ordering": [{"title": "ASC"}]})
    assert ids(response) == sorted((e.pk for e in same), reverse=True)


def test_ordering_by_two_keys(gql_owner, user):
    b1 = ExampleFactory(user=user, title="b")
    a1 = ExampleFactory(user=user, title="a")
    b2 = ExampleFactory(user=user, title="b")
    ExampleModel.objects.filter(pk=b2.pk).update(updated_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    response = gql_owner.run(EXAMPLES, {"ordering": [{"title": "DESC"}, {"updatedAt": "ASC"}]})
    assert ids(response) == [b2.pk, b1.pk, a1.pk]


def test_one_key_per_ordering_item(gql_owner, user):
    response = gql_owner.run(EXAMPLES, {"ordering": [{"title": "ASC", "createdAt": "ASC"}]})
    assert response.data is None
    assert "exactly one" in response.errors[0]["message"]


def test_search_matches_titles_case_insensitively(gql_owner, user, other_user):
    # Titles match on both backends (content only on PostgreSQL: tests/api/test_search.py).
    in_title = ExampleFactory(user=user, title="The PLAN", content="")
    also = ExampleFactory(user=user, title="a plan here", content="")
    ExampleFactory(user=user, title="nothing", content="to see")
    ExampleFactory(user=other_user, title="plan", content="plan")
    response = gql_owner.run(EXAMPLES, {"filters": {"search": "  Plan "}})
    assert response.data["examples"]["totalCount"] == 2
    assert ids(response) == [also.pk, in_title.pk]


def test_blank_search_filters_nothing(gql_owner, user):
    ExampleFactory.create_batch(2, user=user)
    assert gql_owner.run(EXAMPLES, {"filters": {"search": "   "}}).data["examples"]["totalCount"] == 2


def test_search_combines_with_or_and_not(gql_owner, user):
    apple = ExampleFactory(user=user, title="apple", content="")
    pear = ExampleFactory(user=user, title="pear", content="")
    plum = ExampleFactory(user=user, title="plum", content="")
    either = gql_owner.run(EXAMPLES, {"filters": {"search": "apple", "OR": {"search": "pear"}}})
    assert sorted(ids(either)) == sorted([apple.pk, pear.pk])
    every = {"search": "apple", "OR": {"search": "pear", "OR": {"search": "plum"}}}
    neither = gql_owner.run(EXAMPLES, {"filters": {"NOT": every}})
    assert ids(neither) == []
    not_pear = gql_owner.run(EXAMPLES, {"filters": {"NOT": {"search": "pear"}}})
    assert sorted(ids(not_pear)) == sorted([apple.pk, plum.pk])


@pytest.mark.parametrize(
    ("lookup", "expected"),
    [
        ({"exact": "Alpha"}, ["Alpha"]),
        ({"iExact": "alpha"}, ["Alpha"]),
        ({"contains": "ph"}, ["Alpha"]),
        ({"iContains": "A"}, ["Gamma", "Beta", "Alpha"]),
        ({"startsWith": "B"}, ["Beta"]),
        ({"iStartsWith": "g"}, ["Gamma"]),
        ({"endsWith": "ta"}, ["Beta"]),
        ({"iEndsWith": "MMA"}, ["Gamma"]),
    ],
)
def test_title_lookups(gql_owner, user, lookup, expected):
    for title in ["Alpha", "Beta", "Gamma"]:
        ExampleFactory(user=user, title=title)
    response = gql_owner.run(EXAMPLES, {"filters": {"title": lookup}})
    assert response.errors is None
    assert [row["title"] for row in response.data["examples"]["results"]] == expected


def test_no_regular_expression_lookup(gql_owner, user):
    ExampleFactory(user=user)
    for lookup in ("regex", "iRegex"):
        response = gql_owner.run(EXAMPLES, {"filters": {"title": {lookup: "(a+)+$"}}})
        assert response.data is None
        assert lookup in response.errors[0]["message"]


def test_created_at_lookups(gql_owner, user):
    made = {}
    for day in (1, 2, 3):
        example = ExampleFactory(user=user, title=f"day {day}")
        ExampleModel.objects.filter(pk=example.pk).update(created_at=dt.datetime(2024, 1, day, tzinfo=dt.UTC))
        made[day] = example.pk
    between = gql_owner.run(
        EXAMPLES,
        {"filters": {"createdAt": {"gte": "2024-01-02T00:00:00+00:00", "lt": "2024-01-03T00:00:00Z"}}},
    )
    assert ids(between) == [made[2]]
    after = gql_owner.run(EXAMPLES, {"filters": {"createdAt": {"gt": "2024-01-01T12:00:00+02:00"}}})
    assert ids(after) == [made[3], made[2]]
    exact = gql_owner.run(EXAMPLES, {"filters": {"createdAt": {"exact": "2024-01-01T00:00:00+00:00"}}})
    assert ids(exact) == [made[1]]


def test_a_bad_date_is_a_clear_error(gql_owner, user):
    response = gql_owner.run(EXAMPLES, {"filters": {"createdAt": {"gt": "yesterday"}}})
    assert response.data is None
    assert "DateTime" in response.errors[0]["message"]
    assert "Unexpected error" not in response.errors[0]["message"]


def test_pagination_pages_are_contiguous_and_stable(gql_owner, user, frozen):
    made = sorted((ExampleFactory(user=user).pk for _ in range(7)), reverse=True)
    pages = [
        ids(gql_owner.run(EXAMPLES, {"pagination": {"limit": 3, "offset": offset}})) for offset in (0, 3, 6)
    ]
    assert pages == [made[0:3], made[3:6], made[6:7]]
    response = gql_owner.run(EXAMPLES, {"pagination": {"limit": 3, "offset": 3}})
    assert response.data["examples"]["pageInfo"] == {"limit": 3, "offset": 3}
    assert response.data["examples"]["totalCount"] == 7


def test_default_page_is_20_and_a_large_limit_is_clamped_to_100(gql_owner, user):
    ExampleModel.objects.bulk_create(ExampleModel(user=user, title=f"t{i}") for i in range(105))
    default = gql_owner.run(EXAMPLES)
    assert len(ids(default)) == 20
    assert default.data["examples"]["pageInfo"] == {"limit": 20, "offset": 0}
    clamped = gql_owner.run(EXAMPLES, {"pagination": {"limit": 1000}})
    assert len(ids(clamped)) == 100
    assert clamped.data["examples"]["pageInfo"] == {"limit": 100, "offset": 0}
    assert clamped.data["examples"]["totalCount"] == 105


@pytest.mark.parametrize(
    ("pagination", "field", "message"),
    [
        ({"limit": -1}, "pagination.limit", "limit must be a positive integer."),
        ({"limit": 0}, "pagination.limit", "limit must be a positive integer."),
        ({"offset": -5}, "pagination.offset", "offset must be between 0 and 2147483647."),
    ],
)
def test_bad_pagination_is_an_error_naming_the_field(gql_owner, user, pagination, field, message):
    ExampleFactory(user=user)
    with CaptureQueriesContext(connection) as queries:
        response = gql_owner.run(EXAMPLES, {"pagination": pagination})
    assert response.data is None
    assert response.errors[0]["message"] == message
    assert response.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert response.errors[0]["path"] == ["examples"]
    # Only the token lookup ran: the page was refused before any example query.
    assert not any("api_examplemodel" in q["sql"] for q in queries.captured_queries)


def test_a_non_numeric_limit_is_a_graphql_error(gql_owner, user):
    response = gql_owner.run(EXAMPLES, {"pagination": {"limit": "ten"}})
    assert response.data is None
    assert "Int cannot represent" in response.errors[0]["message"]


@pytest.mark.parametrize(
    ("filters", "limit", "offset"),
    [(None, None, None), ({"search": "needle"}, 2, 1), ({"search": "NEEDLE"}, 50, 0), (None, 3, 4)],
)
def test_examples_are_exactly_the_core_rule_and_the_shared_page(
    gql_owner, user, other_user, filters, limit, offset
):
    """What REST serves for the same user, search and page: visible_to + search + api.paging."""
    for i in range(8):
        ExampleFactory(user=user, title=f"needle {i}" if i % 2 else f"hay {i}")
        ExampleFactory(user=other_user, title="needle")
    pagination = {k: v for k, v in {"limit": limit, "offset": offset}.items() if v is not None}
    response = gql_owner.run(EXAMPLES, {"filters": filters, "pagination": pagination or None})
    expected = ExampleModel.objects.visible_to(user).search((filters or {}).get("search", ""))
    page = parse_page(limit, offset)
    assert response.data["examples"]["totalCount"] == expected.count()
    assert ids(response) == list(
        expected.values_list("pk", flat=True)[page.offset : page.offset + page.limit]
    )


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"search": "a\x00b"}, "filters.search"),
        ({"title": {"iContains": "\x00"}}, "filters.title.iContains"),
        ({"AND": {"search": "x\x00"}}, "filters.AND.search"),
    ],
)
def test_nul_in_a_filter_is_bad_user_input_not_a_server_error(gql_owner, filters, field):
    """PostgreSQL refuses NUL in text parameters; the answer must not depend on the database."""
    response = gql_owner.run(EXAMPLES, {"filters": filters})
    assert response.data is None
    assert response.errors[0]["message"] == "Text may not contain NUL (\\u0000) characters."
    assert response.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


def test_a_date_time_without_an_offset_is_utc_as_in_rest(gql_owner, user):
    """Found while building the parity tests: a naive value reached the ORM (RuntimeWarning)."""
    early = ExampleFactory(user=user, title="early")
    late = ExampleFactory(user=user, title="late")
    ExampleModel.objects.filter(pk=early.pk).update(created_at=dt.datetime(2024, 1, 1, 23, 0, tzinfo=dt.UTC))
    ExampleModel.objects.filter(pk=late.pk).update(created_at=dt.datetime(2024, 1, 2, 1, 0, tzinfo=dt.UTC))
    for value in ("2024-01-02T00:00:00", "2024-01-02"):
        response = gql_owner.run(EXAMPLES, {"filters": {"createdAt": {"gte": value}}})
        assert response.errors is None, (value, response.errors)
        assert ids(response) == [late.pk], value


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_date_time_outside_years_1_to_9999_in_utc_is_bad_user_input(gql_owner, user, value):
    """Found while building the generated-input tests: converting it for the query overflowed (masked)."""
    ExampleFactory(user=user)
    response = gql_owner.run(EXAMPLES, {"filters": {"OR": {"createdAt": {"lte": value}}}})
    assert response.data is None
    assert response.errors[0]["message"] == "Enter a date-time between the years 1 and 9999 in UTC."
    assert response.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "filters.OR.createdAt.lte"}

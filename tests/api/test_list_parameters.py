"""`GET /api/v1/examples/` parameters: pagination, filters, ordering, and bad values as 400."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from api.models import ExampleModel
from api.search import full_text_search

from .conftest import LIST_URL


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def make_examples(user, count: int) -> list[ExampleModel]:
    """``count`` examples of ``user``, oldest first, created in one query."""
    return ExampleModel.objects.bulk_create(
        ExampleModel(user=user, title=f"Row {n:03}", content="") for n in range(count)
    )


def created_at(user, when: str, **fields) -> ExampleModel:
    with time_machine.travel(datetime.fromisoformat(when), tick=False):
        return ExampleModel.objects.create(user=user, **{"title": "t", "content": "", **fields})


# Pagination


def test_default_page_size_is_20(auth_client, user):
    make_examples(user, 25)

    body = auth_client.get(LIST_URL).json()

    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert body["next"] == "http://testserver/api/v1/examples/?limit=20&offset=20"
    assert body["previous"] is None


def test_limit_and_offset_select_a_page(auth_client, user):
    rows = make_examples(user, 10)
    newest_first = [row.pk for row in reversed(rows)]

    response = auth_client.get(LIST_URL, {"limit": 3, "offset": 3})

    assert ids(response) == newest_first[3:6]
    assert response.json()["next"] == "http://testserver/api/v1/examples/?limit=3&offset=6"
    assert response.json()["previous"] == "http://testserver/api/v1/examples/?limit=3"


def test_last_page_has_no_next_link(auth_client, user):
    make_examples(user, 5)

    body = auth_client.get(LIST_URL, {"limit": 2, "offset": 4}).json()

    assert len(body["results"]) == 1
    assert body["next"] is None


def test_limit_over_100_is_clamped_to_100(auth_client, user):
    make_examples(user, 105)

    body = auth_client.get(LIST_URL, {"limit": 1000}).json()

    assert body["count"] == 105
    assert len(body["results"]) == 100
    assert body["next"] == "http://testserver/api/v1/examples/?limit=100&offset=100"


def test_huge_limit_is_clamped_not_an_error(auth_client, user):
    make_examples(user, 3)

    response = auth_client.get(LIST_URL, {"limit": "9" * 20})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_offset_past_the_end_is_an_empty_page(auth_client, user):
    make_examples(user, 3)

    body = auth_client.get(LIST_URL, {"offset": 50}).json()

    assert body["count"] == 3
    assert body["results"] == []


def test_empty_limit_and_offset_mean_the_defaults(auth_client, user):
    make_examples(user, 25)

    response = auth_client.get(LIST_URL + "?limit=&offset=")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=0", {"limit": ["limit must be a positive integer."]}),
        ("limit=-1", {"limit": ["limit must be a positive integer."]}),
        ("limit=ten", {"limit": ["limit must be an integer."]}),
        ("limit=2.5", {"limit": ["limit must be an integer."]}),
        ("limit=%C2%B2", {"limit": ["limit must be an integer."]}),
        ("limit=--5", {"limit": ["limit must be an integer."]}),
        ("limit=" + "9" * 30, {"limit": ["limit must be an integer."]}),
        ("offset=-1", {"offset": ["offset must be between 0 and 2147483647."]}),
        ("offset=2147483648", {"offset": ["offset must be between 0 and 2147483647."]}),
        ("offset=abc", {"offset": ["offset must be an integer."]}),
        ("offset=1e3", {"offset": ["offset must be an integer."]}),
    ],
)
def test_bad_limit_or_offset_is_400(auth_client, example, query, error):
    response = auth_client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 400
    assert response.json() == error


def test_zero_offset_is_the_first_page(auth_client, user):
    rows = make_examples(user, 2)

    assert ids(auth_client.get(LIST_URL, {"offset": 0})) == [rows[1].pk, rows[0].pk]


# search


def test_search_matches_title_case_insensitively(auth_client, user, example_factory):
    hit = example_factory(user=user, title="Django tips", content="")
    example_factory(user=user, title="Other", content="")

    assert ids(auth_client.get(LIST_URL, {"search": "DJANGO"})) == [hit.pk]


def test_search_count_counts_matches_only(auth_client, user, example_factory):
    example_factory(user=user, title="apple", content="")
    example_factory(user=user, title="apple pie", content="")
    example_factory(user=user, title="pear", content="")

    assert auth_client.get(LIST_URL, {"search": "apple"}).json()["count"] == 2


def test_search_never_reaches_other_users_examples(auth_client, example, foreign_example):
    assert ids(auth_client.get(LIST_URL, {"search": "Bob"})) == []


def test_search_treats_like_wildcards_literally(auth_client, user, example_factory):
    if full_text_search():
        pytest.skip("a LIKE pattern is SQLite's search; PostgreSQL's is full text (words, no wildcards)")
    hit = example_factory(user=user, title="100% done", content="")
    example_factory(user=user, title="100 done", content="")

    assert ids(auth_client.get(LIST_URL, {"search": "100%"})) == [hit.pk]


def test_blank_search_matches_everything(auth_client, user):
    make_examples(user, 3)

    assert auth_client.get(LIST_URL, {"search": "   "}).json()["count"] == 3


def test_search_with_nul_is_400(auth_client, example):
    response = auth_client.get(LIST_URL, {"search": "a\x00b"})

    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}


# created_after / created_before


@pytest.fixture
def dated(user):
    return {
        "jan": created_at(user, "2024-01-15T12:00:00+00:00"),
        "feb": created_at(user, "2024-02-15T12:00:00+00:00"),
        "mar": created_at(user, "2024-03-15T12:00:00+00:00"),
    }


def test_created_after_keeps_later_examples(auth_client, dated):
    response = auth_client.get(LIST_URL, {"created_after": "2024-02-01T00:00:00Z"})

    assert ids(response) == [dated["mar"].pk, dated["feb"].pk]


def test_created_before_keeps_earlier_examples(auth_client, dated):
    response = auth_client.get(LIST_URL, {"created_before": "2024-02-01T00:00:00Z"})

    assert ids(response) == [dated["jan"].pk]


def test_created_after_and_before_combine(auth_client, dated):
    query = {"created_after": "2024-02-01T00:00:00Z", "created_before": "2024-03-01T00:00:00Z"}

    assert ids(auth_client.get(LIST_URL, query)) == [dated["feb"].pk]


def test_created_bounds_are_inclusive(auth_client, dated):
    exact = "2024-02-15T12:00:00Z"

    assert ids(auth_client.get(LIST_URL, {"created_after": exact, "created_before": exact})) == [
        dated["feb"].pk
    ]


def test_created_after_honours_the_utc_offset(auth_client, dated):
    # 13:30+02:00 is 11:30 UTC, before the February row's 12:00 UTC.
    response = auth_client.get(LIST_URL, {"created_after": "2024-02-15T13:30:00+02:00"})

    assert ids(response) == [dated["mar"].pk, dated["feb"].pk]


def test_created_after_without_offset_is_utc(auth_client, dated):
    response = auth_client.get(LIST_URL, {"created_after": "2024-02-15T12:00:01"})

    assert ids(response) == [dated["mar"].pk]


def test_created_after_accepts_a_bare_date(auth_client, dated):
    response = auth_client.get(LIST_URL, {"created_after": "2024-03-01"})

    assert ids(response) == [dated["mar"].pk]


@pytest.mark.parametrize("parameter", ["created_after", "created_before"])
@pytest.mark.parametrize(
    "value",
    ["yesterday", "2024-13-01T00:00:00Z", "2024-02-30", "2024-01-01T25:00:00Z", "2024-01-01x", "x" * 300],
)
def test_malformed_date_is_400(auth_client, example, parameter, value):
    response = auth_client.get(LIST_URL, {parameter: value})

    assert response.status_code == 400
    assert response.json() == {parameter: ["Enter a valid ISO 8601 date-time, such as 2024-01-31T12:00:00Z."]}


def test_unencoded_plus_in_offset_is_400_not_500(auth_client, example):
    # An unencoded "+" arrives as a space.
    response = auth_client.get(f"{LIST_URL}?created_after=2024-01-01T00:00:00+01:00")

    assert response.status_code == 400
    assert "created_after" in response.json()


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("created_after", "0001-01-01T00:00:00+01:00"),
        ("created_before", "9999-12-31T23:00:00-05:00"),
    ],
)
def test_date_outside_the_utc_range_is_400(auth_client, example, parameter, value):
    response = auth_client.get(LIST_URL, {parameter: value})

    assert response.status_code == 400
    assert response.json() == {parameter: ["Enter a date-time between the years 1 and 9999 in UTC."]}


def test_extreme_but_valid_dates_are_accepted(auth_client, example):
    query = {"created_after": "0001-01-01T00:00:00Z", "created_before": "9999-12-31T23:59:59Z"}

    assert ids(auth_client.get(LIST_URL, query)) == [example.pk]


# ordering


@pytest.fixture
def ordered(user):
    """Three rows whose created, updated and title orders all differ."""
    b = created_at(user, "2024-01-01T00:00:00+00:00", title="b")
    c = created_at(user, "2024-01-02T00:00:00+00:00", title="c")
    a = created_at(user, "2024-01-03T00:00:00+00:00", title="a")
    with time_machine.travel(datetime(2024, 2, 1, tzinfo=UTC), tick=False):
        c.save()
    with time_machine.travel(datetime(2024, 2, 2, tzinfo=UTC), tick=False):
        b.save()
    return {"a": a, "b": b, "c": c}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("created_at", "bca"),
        ("-created_at", "acb"),
        ("updated_at", "acb"),
        ("-updated_at", "bca"),
        ("title", "abc"),
        ("-title", "cba"),
    ],
)
def test_ordering_by_each_field(auth_client, ordered, ordering, expected):
    response = auth_client.get(LIST_URL, {"ordering": ordering})

    assert ids(response) == [ordered[name].pk for name in expected]


def test_default_ordering_is_newest_first(auth_client, ordered):
    assert ids(auth_client.get(LIST_URL)) == [ordered[name].pk for name in "acb"]


def test_ordering_takes_several_comma_separated_fields(auth_client, user):
    x1 = created_at(user, "2024-01-01T00:00:00+00:00", title="x")
    y = created_at(user, "2024-01-02T00:00:00+00:00", title="y")
    x2 = created_at(user, "2024-01-03T00:00:00+00:00", title="x")

    response = auth_client.get(LIST_URL, {"ordering": "title,created_at"})

    assert ids(response) == [x1.pk, x2.pk, y.pk]


def test_ordering_ties_are_broken_by_newest_id(auth_client, user):
    rows = ExampleModel.objects.bulk_create(ExampleModel(user=user, title="same") for _ in range(4))

    response = auth_client.get(LIST_URL, {"ordering": "title"})

    assert ids(response) == sorted((row.pk for row in rows), reverse=True)


def test_equal_timestamps_are_broken_by_newest_id(auth_client, user):
    with time_machine.travel(datetime(2024, 1, 1, tzinfo=UTC), tick=False):
        rows = [ExampleModel.objects.create(user=user, title=f"t{n}") for n in range(4)]

    assert ids(auth_client.get(LIST_URL)) == [row.pk for row in reversed(rows)]
    assert ids(auth_client.get(LIST_URL, {"ordering": "created_at"})) == [row.pk for row in reversed(rows)]


def test_tied_rows_are_paged_without_gaps_or_repeats(auth_client, user):
    ExampleModel.objects.bulk_create(ExampleModel(user=user, title="same") for _ in range(7))

    pages = [
        ids(auth_client.get(LIST_URL, {"ordering": "title", "limit": 3, "offset": o})) for o in (0, 3, 6)
    ]

    seen = [pk for page in pages for pk in page]
    assert sorted(seen) == sorted(ExampleModel.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("ordering", ["id", "-id", "user", "content", "password", "title;drop", "?"])
def test_unknown_ordering_is_400(auth_client, example, ordering):
    response = auth_client.get(LIST_URL, {"ordering": ordering})

    assert response.status_code == 400
    assert list(response.json()) == ["ordering"]
    assert "not one of the available choices" in response.json()["ordering"][0]


def test_one_unknown_field_among_known_ones_is_400(auth_client, example):
    response = auth_client.get(LIST_URL, {"ordering": "title,owner"})

    assert response.status_code == 400
    assert list(response.json()) == ["ordering"]


def test_empty_ordering_means_the_default(auth_client, ordered):
    assert ids(auth_client.get(LIST_URL + "?ordering=")) == [ordered[name].pk for name in "acb"]


def test_filters_and_ordering_combine(auth_client, user, example_factory):
    example_factory(user=user, title="keep b", content="")
    example_factory(user=user, title="keep a", content="")
    example_factory(user=user, title="drop", content="")

    response = auth_client.get(LIST_URL, {"search": "keep", "ordering": "title"})

    assert [item["title"] for item in response.json()["results"]] == ["keep a", "keep b"]


def test_unknown_parameters_are_ignored(auth_client, example):
    response = auth_client.get(LIST_URL, {"user": 12345, "colour": "blue"})

    assert response.status_code == 200
    assert ids(response) == [example.pk]


def test_error_in_the_browsable_api_is_a_page_not_a_500(auth_client, example):
    response = auth_client.get(LIST_URL, {"ordering": "nope"}, HTTP_ACCEPT="text/html")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")

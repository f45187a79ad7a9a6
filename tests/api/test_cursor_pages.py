"""REST keyset pages: `GET /api/v1/examples/?cursor=` (api.keyset, api.v1.pagination).

Forward and backward across ties, rows inserted between pages, limits, altered
and foreign cursors, other users' rows, and the query count of a page.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from api import keyset
from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from tests.factories import UserFactory
from tests.helpers import client_with_token

from .conftest import LIST_URL

TIE = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def make_rows(user, count: int, *, tie: bool = False, **fields) -> list[ExampleModel]:
    rows = ExampleModel.objects.bulk_create(
        ExampleModel(user=user, **{"title": f"Row {n:03}", "content": "", **fields}) for n in range(count)
    )
    if tie:  # every row at one instant: only the id orders them
        ExampleModel.objects.filter(pk__in=[row.pk for row in rows]).update(created_at=TIE, updated_at=TIE)
    return rows


def newest_first(user) -> list[int]:
    return list(
        ExampleModel.objects.filter(user=user).order_by("-created_at", "-id").values_list("id", flat=True)
    )


def ids(body: dict) -> list[int]:
    return [item["id"] for item in body["results"]]


def cursor_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def walk(client, params: dict, *, start: dict | None = None) -> list[dict]:
    """Every page from the first, following `next`."""
    bodies = [client.get(LIST_URL, {"cursor": "", **params}).json()]
    while bodies[-1]["next"]:
        bodies.append(client.get(bodies[-1]["next"]).json())
        assert len(bodies) < 100
    return bodies


def test_first_page_is_keyset_shaped(auth_client, user):
    make_rows(user, 25)

    response = auth_client.get(LIST_URL, {"cursor": ""})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}  # no count
    assert ids(body) == newest_first(user)[:20]
    assert body["previous"] is None
    assert body["next"].startswith("http://testserver/api/v1/examples/?cursor=")
    # Each row as an offset page shows it, nothing more.
    assert body["results"][0] == auth_client.get(LIST_URL).json()["results"][0]


def test_without_cursor_offset_pages_are_unchanged(auth_client, user):
    make_rows(user, 3)

    body = auth_client.get(LIST_URL).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3


@pytest.mark.parametrize("tie", [False, True])
def test_forward_then_backward_visits_every_row_once(auth_client, user, tie):
    make_rows(user, 23, tie=tie)
    expected = newest_first(user)

    pages = walk(auth_client, {"limit": 5})

    assert [ids(page) for page in pages] == [expected[i : i + 5] for i in range(0, 23, 5)]
    assert pages[-1]["next"] is None
    # And back from the last page to the first, by `previous`.
    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(auth_client.get(back[-1]["previous"]).json())
    assert [ids(page) for page in reversed(back)] == [ids(page) for page in pages]
    assert back[-1]["previous"] is None


@pytest.mark.parametrize("ordering", ["created_at", "-created_at", "updated_at", "-updated_at"])
def test_every_ordering_pages_across_ties(auth_client, user, ordering):
    make_rows(user, 7)
    make_rows(user, 7, tie=True)
    field = ordering.lstrip("-")
    sign = "-" if ordering.startswith("-") else ""
    expected = list(
        ExampleModel.objects.filter(user=user).order_by(ordering, f"{sign}id").values_list("id", flat=True)
    )

    pages = walk(auth_client, {"limit": 3, "ordering": ordering})

    assert [row for page in pages for row in ids(page)] == expected
    assert field in pages[0]["results"][0]


def test_rows_inserted_between_pages_neither_repeat_nor_hide_others(auth_client, user):
    make_rows(user, 10)
    before = newest_first(user)
    first = auth_client.get(LIST_URL, {"cursor": "", "limit": 4}).json()
    make_rows(user, 3)  # newer than everything seen

    rest = walk_from(auth_client, first["next"])

    seen = ids(first) + [row for page in rest for row in ids(page)]
    assert seen == before


def walk_from(client, link: str) -> list[dict]:
    bodies = [client.get(link).json()]
    while bodies[-1]["next"]:
        bodies.append(client.get(bodies[-1]["next"]).json())
    return bodies


def test_oldest_first_sees_rows_inserted_meanwhile_at_the_end(auth_client, user):
    make_rows(user, 6)
    first = auth_client.get(LIST_URL, {"cursor": "", "limit": 4, "ordering": "created_at"}).json()
    added = make_rows(user, 2)

    rest = walk_from(auth_client, first["next"])

    seen = ids(first) + [row for page in rest for row in ids(page)]
    assert seen[-2:] == [row.pk for row in added]
    assert len(seen) == len(set(seen)) == 8


def test_deleted_rows_between_pages_leave_a_way_back(auth_client, user):
    rows = make_rows(user, 6)
    first = auth_client.get(LIST_URL, {"cursor": "", "limit": 3}).json()
    ExampleModel.objects.filter(pk__in=[row.pk for row in rows[:3]]).delete()  # the oldest three

    empty = auth_client.get(first["next"]).json()

    assert empty["results"] == [] and empty["next"] is None
    back = auth_client.get(empty["previous"]).json()
    assert ids(back) == ids(first)  # the cursor's own row included


def test_filters_apply_and_other_users_rows_never_appear(auth_client, user):
    make_rows(user, 4)
    stranger = UserFactory()
    make_rows(stranger, 10)
    mine = make_rows(user, 3, title="needle")

    pages = walk(auth_client, {"limit": 2, "search": "needle"})

    assert sorted(row for page in pages for row in ids(page)) == sorted(row.pk for row in mine)
    every = walk(auth_client, {"limit": 50})
    assert set(row for page in every for row in ids(page)) == set(newest_first(user))


def test_a_projects_examples_by_cursor(auth_client, user):
    owner = UserFactory()
    project = Project.objects.create(owner=owner, name="Shared")
    ProjectMembership.objects.create(project=project, user=user, role=ProjectRole.VIEWER)
    shared = make_rows(owner, 5, project=project)
    make_rows(owner, 5)  # the owner's own, outside the project: invisible to user
    make_rows(user, 2)

    pages = walk(auth_client, {"limit": 2, "project": project.pk})

    assert [row for page in pages for row in ids(page)] == [row.pk for row in reversed(shared)]


def test_limit_default_max_and_bad_values(auth_client, user):
    make_rows(user, 120)

    assert len(auth_client.get(LIST_URL, {"cursor": ""}).json()["results"]) == 20
    assert len(auth_client.get(LIST_URL, {"cursor": "", "limit": 1000}).json()["results"]) == 100
    for bad in ("0", "-1", "x"):
        response = auth_client.get(LIST_URL, {"cursor": "", "limit": bad})
        assert response.status_code == 400
        assert "limit" in response.json()


def test_offset_with_cursor_is_a_400(auth_client, user):
    response = auth_client.get(LIST_URL, {"cursor": "", "offset": 20})

    assert response.status_code == 400
    assert "offset" in response.json()


def test_two_cursors_are_a_400(auth_client, user):
    response = auth_client.get(f"{LIST_URL}?cursor=&cursor=")

    assert response.status_code == 400
    assert "cursor" in response.json()


def first_next_cursor(client, user, params: dict | None = None) -> str:
    make_rows(user, 5)
    body = client.get(LIST_URL, {"cursor": "", "limit": 2, **(params or {})}).json()
    return cursor_of(body["next"])


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # the signature
        lambda c: "x" + c,  # the payload
        lambda c: "not a cursor",
        lambda c: "a" * 2000,
        lambda c: signing.Signer(salt="another.salt").sign_object(
            {"b": "x", "k": "2020-01-01T00:00:00+00:00", "i": 1}
        ),
    ],
)
def test_altered_cursor_is_a_400_with_a_code(auth_client, user, tamper, django_assert_num_queries):
    cursor = first_next_cursor(auth_client, user)

    with django_assert_num_queries(1):  # the token only: no page is read
        response = auth_client.get(LIST_URL, {"cursor": tamper(cursor)})

    assert response.status_code == 400
    assert response.json() == {"detail": keyset.MESSAGES[keyset.INVALID_CURSOR], "code": "invalid_cursor"}


@pytest.mark.parametrize(
    ("made_for", "used_with"),
    [
        ({}, {"search": "x"}),
        ({"search": "Row"}, {"search": "ow"}),
        ({}, {"ordering": "created_at"}),
        ({"ordering": "-created_at"}, {"ordering": "-updated_at"}),
        ({}, {"updated_after": "2020-01-01T00:00:00Z"}),
    ],
)
def test_cursor_made_for_other_filters_is_a_400(auth_client, user, made_for, used_with):
    cursor = first_next_cursor(auth_client, user, made_for)

    response = auth_client.get(LIST_URL, {**used_with, "cursor": cursor})

    assert response.status_code == 400
    assert response.json()["code"] == "cursor_mismatch"


def test_cursor_of_another_user_is_a_400(auth_client, user):
    cursor = first_next_cursor(auth_client, user)
    other = client_with_token(UserFactory())

    response = other.get(LIST_URL, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["code"] == "cursor_mismatch"


def test_unsupported_ordering_is_a_400(auth_client, user):
    response = auth_client.get(LIST_URL, {"cursor": "", "ordering": "title"})

    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_ordering"


def test_a_page_costs_the_same_queries_at_any_depth(auth_client, user, django_assert_num_queries):
    make_rows(user, 30)
    first = auth_client.get(LIST_URL, {"cursor": "", "limit": 5}).json()
    deep = walk(auth_client, {"limit": 5})[-2]["next"]

    # The token, then the page: no count.
    with django_assert_num_queries(2):
        auth_client.get(LIST_URL, {"cursor": "", "limit": 5})
    with django_assert_num_queries(2):
        auth_client.get(first["next"])
    with django_assert_num_queries(2):
        auth_client.get(deep)


def test_binding_is_stable_for_equal_filters_and_differs_for_others(user, other_user):
    # Pins what api.keyset.binding_of reads from Django (the SQL of the WHERE clause).
    order = keyset.KeyOrder("created_at", descending=True)

    def bind(owner, **filters):
        queryset = ExampleModel.objects.visible_to(owner).filter(**filters)
        return keyset.binding_of(queryset, order)

    assert bind(user) == bind(user)
    assert bind(user, title="a") == bind(user, title="a")
    assert len({bind(user), bind(other_user), bind(user, title="a"), bind(user, title="b")}) == 4
    assert bind(user) != keyset.binding_of(
        ExampleModel.objects.visible_to(user), keyset.KeyOrder("created_at", descending=False)
    )


def test_updated_after_and_before_filter_and_bad_values_name_the_field(auth_client, user):
    old, new = make_rows(user, 2)
    ExampleModel.objects.filter(pk=old.pk).update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    ExampleModel.objects.filter(pk=new.pk).update(updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    after = auth_client.get(LIST_URL, {"updated_after": "2025-12-31T23:00:00-01:00"}).json()
    before = auth_client.get(LIST_URL, {"updated_before": "2021-01-01T00:00:00+00:00"}).json()
    inclusive = auth_client.get(LIST_URL, {"updated_after": "2026-01-01T00:00:00Z"}).json()

    assert ids(after) == [new.pk]
    assert ids(before) == [old.pk]
    assert ids(inclusive) == [new.pk]
    for name in ("updated_after", "updated_before"):
        response = auth_client.get(LIST_URL, {name: "yesterday"})
        assert response.status_code == 400
        assert list(response.json()) == [name]


def test_the_browsable_api_shows_a_cursor_page(auth_client, user):
    make_rows(user, 3)

    response = auth_client.get(LIST_URL, {"cursor": "", "limit": 2}, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"Row 002" in response.content and b"cursor=" in response.content

"""`?ordering=` on every list (api.v1.ordering): several keys, the id tie breaker, 400s that name the key.

The same parser serves examples and projects; these tests run both lists
through each rule, then the parser itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from api.models import ExampleModel, Project
from api.v1.ordering import TIEBREAK, OrderingError, parse_ordering

from .conftest import LIST_URL

PROJECTS_URL = "/api/v1/projects/"


def at(when: str):
    return time_machine.travel(datetime.fromisoformat(when).replace(tzinfo=UTC), tick=False)


def make_example(user, when: str, title: str) -> ExampleModel:
    with at(when):
        return ExampleModel.objects.create(user=user, title=title, content="")


def make_project(user, when: str, name: str) -> Project:
    with at(when):
        return Project.objects.create(owner=user, name=name)


@pytest.fixture
def examples(user):
    """Two titled `x` (oldest and newest), one `y` between them."""
    return [
        make_example(user, "2024-01-01T00:00:00", "x"),
        make_example(user, "2024-01-02T00:00:00", "y"),
        make_example(user, "2024-01-03T00:00:00", "x"),
    ]


@pytest.fixture
def projects(user):
    return [
        make_project(user, "2024-01-01T00:00:00", "x"),
        make_project(user, "2024-01-02T00:00:00", "y"),
        make_project(user, "2024-01-03T00:00:00", "x"),
    ]


LISTS = {
    "examples": (LIST_URL, "examples", "title"),
    "projects": (PROJECTS_URL, "projects", "name"),
}


@pytest.fixture(params=sorted(LISTS))
def listing(request):
    """(url, rows oldest first, the name key) for each list."""
    url, fixture, name_key = LISTS[request.param]
    return url, request.getfixturevalue(fixture), name_key


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_several_comma_separated_keys_each_in_its_direction(auth_client, listing):
    url, (x_old, y, x_new), name = listing

    assert ids(auth_client.get(url, {"ordering": f"{name},-created_at"})) == [x_new.pk, x_old.pk, y.pk]
    assert ids(auth_client.get(url, {"ordering": f"{name},created_at"})) == [x_old.pk, x_new.pk, y.pk]
    assert ids(auth_client.get(url, {"ordering": f"-{name},-created_at"})) == [y.pk, x_new.pk, x_old.pk]


def test_default_is_newest_first(auth_client, listing):
    url, (x_old, y, x_new), _ = listing

    assert ids(auth_client.get(url)) == [x_new.pk, y.pk, x_old.pk]
    assert ids(auth_client.get(url + "?ordering=")) == [x_new.pk, y.pk, x_old.pk]


def test_equal_keys_are_broken_by_newest_id(auth_client, user, listing):
    url, _, _ = listing
    with at("2025-01-01T00:00:00"):
        if url == LIST_URL:
            tied = [ExampleModel.objects.create(user=user, title="same") for _ in range(3)]
        else:
            tied = [Project.objects.create(owner=user, name="same") for _ in range(3)]
    newest_first = [row.pk for row in reversed(tied)]

    assert ids(auth_client.get(url, {"ordering": "created_at"}))[-3:] == newest_first
    assert ids(auth_client.get(url, {"ordering": "-created_at"}))[:3] == newest_first


@pytest.mark.parametrize("key", ["owner", "id", "-id", "content", "password", "title;drop", "--created_at"])
def test_an_unknown_key_is_a_400_that_names_it(auth_client, listing, key):
    url, _, name = listing

    response = auth_client.get(url, {"ordering": f"{name},{key}"})

    assert response.status_code == 400
    assert list(response.json()) == ["ordering"]
    (message,) = response.json()["ordering"]
    assert f"`{key}`" in message
    assert "created_at" in message and name in message  # the available choices


def test_the_other_lists_key_is_unknown(auth_client, examples, projects):
    assert auth_client.get(LIST_URL, {"ordering": "name"}).status_code == 400
    assert auth_client.get(PROJECTS_URL, {"ordering": "title"}).status_code == 400


def test_a_key_given_again_changes_nothing(auth_client, listing):
    """The second sort by a field breaks no tie; GraphQL's ordering list drops it too."""
    url, _, name = listing

    once = ids(auth_client.get(url, {"ordering": f"{name},-created_at"}))

    assert ids(auth_client.get(url, {"ordering": f"{name},-{name},-created_at"})) == once


def test_more_keys_than_fields_is_a_400(auth_client, listing):
    url, _, name = listing

    response = auth_client.get(url, {"ordering": ",".join([name] * 40_000)})

    assert response.status_code == 400
    assert response.json() == {"ordering": ["`ordering` takes at most 3 items; 40000 given."]}


def test_the_parameter_given_twice_is_a_400_never_the_last_one(auth_client, listing):
    url, _, name = listing

    response = auth_client.get(f"{url}?ordering={name}&ordering=-created_at")

    assert response.status_code == 400
    assert list(response.json()) == ["ordering"]
    assert "once" in response.json()["ordering"][0]


def test_a_long_unknown_key_is_not_echoed_whole(auth_client, listing):
    url, _, _ = listing

    response = auth_client.get(url, {"ordering": "k" * 5000})

    assert response.status_code == 400
    assert len(response.json()["ordering"][0]) < 200


def test_a_bad_filter_and_a_bad_ordering_are_refused_together(auth_client, examples):
    response = auth_client.get(LIST_URL, {"created_after": "soon", "ordering": "owner"})

    assert response.status_code == 400
    assert set(response.json()) == {"created_after", "ordering"}


def test_the_filters_dialog_of_the_browsable_api_lists_the_keys(auth_client, listing):
    url, _, name = listing

    page = auth_client.get(url, {"ordering": "nonsense"}, HTTP_ACCEPT="text/html")
    assert page.status_code == 400
    page = auth_client.get(url, HTTP_ACCEPT="text/html")

    assert page.status_code == 200
    html = page.content.decode()
    assert f"?ordering=-{name}" in html
    assert "?ordering=created_at" in html


# The parser (what a keyset paginator reads too)

ALLOWED = ("created_at", "updated_at", "title")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([""], None),
        ([" , "], None),
        (["title"], ("title", TIEBREAK)),
        (["title,-created_at"], ("title", "-created_at", TIEBREAK)),
        ([" -updated_at , title "], ("-updated_at", "title", TIEBREAK)),
        (["title,"], ("title", TIEBREAK)),
        (["title,-created_at,updated_at"], ("title", "-created_at", "updated_at", TIEBREAK)),
        (["title,-title,created_at"], ("title", "created_at", TIEBREAK)),
    ],
)
def test_parse_ordering(values, expected):
    assert parse_ordering(values, ALLOWED) == expected


@pytest.mark.parametrize(
    "values",
    [
        ["title", "created_at"],
        ["", ""],
        ["owner"],
        ["title,owner"],
        ["-"],
        ["--title"],
        ["id"],
        ["pk"],
        ["title,created_at,updated_at,title"],
        [",".join(["-title"] * 10_000)],
    ],
)
def test_parse_ordering_refuses(values):
    with pytest.raises(OrderingError):
        parse_ordering(values, ALLOWED)


def test_the_tie_breaker_is_the_models_own():
    assert ExampleModel._meta.ordering[-1] == TIEBREAK
    assert Project._meta.ordering[-1] == TIEBREAK

"""The benchmarks' raw floor answers exactly what the REST list answers (benchmarks/views.py).

``raw_examples`` is what ``make bench``/``make bench-ratio`` divide the REST
list by; it is only an honest floor while it does the same work, so its body
is compared with the REST list's, byte for byte, on data that exercises every
field: examples in and out of projects, a project the caller cannot see, an
author with a profile display name, one with a full name, text that JSON
escapes, and pages with next/previous links.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from authentication.models import Profile
from tests.factories import ExampleFactory, UserFactory
from tests.helpers import client_with_token

RAW_URL = "/bench/raw/examples/"
REST_URL = "/api/v1/examples/"

pytestmark = [pytest.mark.django_db, pytest.mark.urls("benchmarks.urls")]


@pytest.fixture
def caller():
    """alice: examples of her own, in her project, in bob's (as a viewer) and in carol's (not a member)."""
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    carol = UserFactory(username="carol", first_name="Carol", last_name="Jones")
    Profile.objects.filter(user=bob).update(display_name="Bob the Builder ✓")
    own = Project.objects.create(name="Alice's", owner=alice)
    shared = Project.objects.create(name="Bob's", owner=bob)
    hidden = Project.objects.create(name="Carol's", owner=carol)
    ProjectMembership.objects.create(project=shared, user=alice, role=ProjectRole.VIEWER)
    made = [
        ExampleFactory(user=alice, title="no project", content='é 漢字 😀 "quoted" \\ back'),
        ExampleFactory(user=alice, project=own, title="own project", content="line\u2028separator"),
        ExampleFactory(user=bob, project=shared, title="bob in shared", content=""),
        # alice left carol's project: her example stays hers, its project is not shown.
        ExampleFactory(user=alice, project=hidden, title="hidden project", content="x"),
        ExampleFactory(user=carol, project=hidden, title="invisible to alice", content="y"),
        ExampleFactory(user=bob, title="invisible too", content="z"),
    ]
    start = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
    for n, example in enumerate(made):
        when = start + dt.timedelta(minutes=n, microseconds=123456 * (n % 2))
        ExampleModel.objects.filter(pk=example.pk).update(created_at=when, updated_at=when)
    return alice


@pytest.mark.parametrize(
    "query",
    ["", "?limit=2", "?limit=2&offset=2", "?offset=1", "?limit=1&offset=3", "?limit=500", "?offset=99"],
)
def test_raw_body_is_the_rest_lists(caller, query):
    client = client_with_token(caller)

    rest = client.get(REST_URL + query)
    raw = client.get(RAW_URL + query)

    assert rest.status_code == raw.status_code == 200
    assert raw.json() == rest.json()
    assert raw.content == rest.content


def test_the_data_exercises_every_field(caller):
    """The comparison above is only as good as its data: each case is in the body."""
    body = client_with_token(caller).get(RAW_URL).json()

    by_title = {row["title"]: row for row in body["results"]}
    assert body["count"] == 4
    assert set(by_title) == {"no project", "own project", "bob in shared", "hidden project"}
    assert by_title["no project"]["project"] is None
    assert by_title["own project"]["project"] is not None
    assert by_title["bob in shared"]["project"] is not None
    assert by_title["hidden project"]["project"] is None
    assert by_title["bob in shared"]["owner"]["name"] == "Bob the Builder ✓"
    assert by_title["no project"]["owner"] == {"id": caller.pk, "username": "alice", "name": "alice"}


def test_full_name_is_the_display_name_without_a_profile_name():
    carol = UserFactory(username="carol", first_name="Carol", last_name="Jones")
    ExampleFactory(user=carol, title="carol's")

    body = client_with_token(carol).get(RAW_URL).json()

    assert body["results"][0]["owner"]["name"] == "Carol Jones"
    assert body == client_with_token(carol).get(REST_URL).json()


@pytest.mark.parametrize("query", ["?limit=0", "?offset=-1", "?limit=x"])
def test_bad_pages_are_the_rest_lists_400(caller, query):
    client = client_with_token(caller)

    rest = client.get(REST_URL + query)
    raw = client.get(RAW_URL + query)

    assert rest.status_code == raw.status_code == 400
    assert raw.json() == rest.json()


def test_no_token_is_a_401():
    assert APIClient().get(RAW_URL).status_code == 401


@pytest.mark.parametrize("query", ["?limit=2&offset=2", "?limit=100", "?offset=99"])
def test_raw_sends_the_rest_lists_statements(caller, query):
    """The same statements as the REST list (count and page through the policy's branches), not just the body."""
    client = client_with_token(caller)
    client.get(REST_URL + query)
    client.get(RAW_URL + query)

    with CaptureQueriesContext(connection) as rest:
        client.get(REST_URL + query)
    with CaptureQueriesContext(connection) as raw:
        client.get(RAW_URL + query)

    assert [query["sql"] for query in raw.captured_queries] == [
        query["sql"] for query in rest.captured_queries
    ]

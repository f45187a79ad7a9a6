"""Recorded responses (snapshottest). A changed snapshot is reviewed like code.

Rows have fixed ids and times, so the stored bodies never change by themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User

from api.models import ExampleModel

from .conftest import LIST_URL, detail_url, duplicate_url

FROZEN = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)


@pytest.fixture
def stable_examples(user, other_user):
    rows = [
        (9000001, user, "First note", "Hello"),
        (9000002, user, "Second note", "Some longer content\nwith two lines."),
        (9000003, user, "Third note", ""),
        (9000004, other_user, "Bob's note", "Not Alice's"),
    ]
    examples = []
    for minutes, (pk, owner, title, content) in enumerate(rows):
        with time_machine.travel(FROZEN.replace(minute=minutes), tick=False):
            examples.append(ExampleModel.objects.create(pk=pk, user=owner, title=title, content=content))
    return examples


@pytest.fixture
def frozen():
    with time_machine.travel(FROZEN.replace(hour=10), tick=False):
        yield


def stable_owners(body):
    """``body`` with each ``owner.id`` (a database sequence's pick) replaced by ``<id of username>``."""
    if isinstance(body, list):
        return [stable_owners(item) for item in body]
    if not isinstance(body, dict):
        return body
    result = {key: stable_owners(value) for key, value in body.items()}
    owner = result.get("owner")
    if isinstance(owner, dict) and "id" in owner:
        assert User.objects.get(pk=owner["id"]).username == owner["username"]
        result["owner"] = {**owner, "id": f"<id of {owner['username']}>"}
    return result


def record(response) -> dict:
    return {"status": response.status_code, "body": stable_owners(response.json())}


def test_list(auth_client, stable_examples, snapshot):
    snapshot.assert_match(record(auth_client.get(LIST_URL)))


def test_list_second_page(auth_client, stable_examples, snapshot):
    snapshot.assert_match(record(auth_client.get(LIST_URL, {"limit": 1, "offset": 1})))


def test_detail(auth_client, stable_examples, snapshot):
    snapshot.assert_match(record(auth_client.get(detail_url(9000002))))


def test_create(auth_client, stable_examples, frozen, snapshot):
    response = auth_client.post(LIST_URL, {"title": "Created", "content": "Body"}, format="json")
    body = stable_owners(response.json())
    body["id"] = "<new id>"  # the one value the database picks

    snapshot.assert_match({"status": response.status_code, "body": body})


def test_update(auth_client, stable_examples, frozen, snapshot):
    response = auth_client.patch(detail_url(9000001), {"title": "Renamed"}, format="json")

    snapshot.assert_match(record(response))


def test_error_not_found(auth_client, stable_examples, snapshot):
    snapshot.assert_match(record(auth_client.get(detail_url(9000004))))


def test_error_not_found_on_duplicate(auth_client, stable_examples, snapshot):
    snapshot.assert_match(record(auth_client.post(duplicate_url(9000004))))


def test_error_validation(auth_client, stable_examples, snapshot):
    response = auth_client.post(LIST_URL, {"title": "t" * 201, "content": None}, format="json")

    snapshot.assert_match(record(response))


def test_error_bad_list_parameters(auth_client, stable_examples, snapshot):
    query = {"created_after": "soon", "created_before": "2024-02-30", "ordering": "owner"}

    snapshot.assert_match(record(auth_client.get(LIST_URL, query)))


def test_error_bad_limit(auth_client, stable_examples, snapshot):
    snapshot.assert_match(record(auth_client.get(LIST_URL, {"limit": -5})))


def test_error_bad_offset(auth_client, stable_examples, snapshot):
    snapshot.assert_match(record(auth_client.get(LIST_URL, {"offset": "x"})))


def test_error_unauthenticated(api_client, stable_examples, snapshot):
    snapshot.assert_match(record(api_client.get(LIST_URL)))


def test_error_malformed_json(auth_client, snapshot):
    response = auth_client.post(LIST_URL, "{nope", content_type="application/json")

    snapshot.assert_match(record(response))

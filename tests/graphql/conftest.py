"""Fixtures for the GraphQL surface: clients per kind of caller, and stable data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from strawberry.test.client import Response
from strawberry_django.test.client import TestClient

from api.models import ExampleModel

from ..factories import ExampleFactory, UserFactory, token_for

URL = "/graphql/"
FROZEN_AT = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


class GraphQLClient(TestClient):
    """strawberry-django's test client, never asserting, optionally with a token."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__(URL)
        self.headers = {"Authorization": f"Token {token}"} if token else {}

    def run(self, query: str, variables: dict[str, Any] | None = None) -> Response:
        """Run one operation; GraphQL answers 200 even with errors, and never 500."""
        http = self.request(self._build_body(query, variables), self.headers)
        assert http.status_code == 200, (http.status_code, http.content)
        body = http.json()
        return Response(errors=body.get("errors"), data=body.get("data"), extensions=body.get("extensions"))

    def post_json(self, body: object):
        """The raw HTTP response, for tests about status codes and headers."""
        return self.client.post(URL, body, content_type="application/json", headers=self.headers)


@pytest.fixture
def gql_owner(user) -> GraphQLClient:
    """Authenticated with ``user``'s token (alice)."""
    return GraphQLClient(token_for(user))


@pytest.fixture
def gql_other(other_user) -> GraphQLClient:
    """Authenticated with ``other_user``'s token (bob)."""
    return GraphQLClient(token_for(other_user))


@pytest.fixture
def gql_anon(db) -> GraphQLClient:
    return GraphQLClient()


@pytest.fixture
def rows() -> Callable[[], list[dict]]:
    """Every ExampleModel row, to compare the database before and after a refused operation."""

    def snapshot() -> list[dict]:
        return list(ExampleModel.objects.order_by("pk").values())

    return snapshot


@pytest.fixture
def frozen():
    """Time stands still at FROZEN_AT, so created_at/updated_at/date_joined are stable."""
    with time_machine.travel(FROZEN_AT, tick=False):
        yield FROZEN_AT


@pytest.fixture
def stable_data(db, frozen):
    """Fixed ids and names for snapshots: alice (9000101) owns two examples, bob (9000102) one."""
    alice = UserFactory(id=9000101, username="alice", email="alice@example.com", first_name="Alice")
    bob = UserFactory(id=9000102, username="bob", email="bob@example.com")
    alice.profile.display_name = "Ada"
    alice.profile.save()
    first = ExampleFactory(id=9000001, user=alice, title="First", content="Hello world")
    second = ExampleFactory(id=9000002, user=alice, title="Second", content="")
    foreign = ExampleFactory(id=9000003, user=bob, title="Bob's", content="private")
    return {"alice": alice, "bob": bob, "first": first, "second": second, "foreign": foreign}

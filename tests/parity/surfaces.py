"""The three ways to read the same data: REST, the served Strawberry schema, the graphene reference.

Each caller below asks as one user, with the user's token: REST and Strawberry
through Django's test client (the product's real path, authentication
included), graphene over HTTP from the reference server, a process of its own
in reference/.venv over the same database (tests/parity/reference.py). That
process sees committed rows only, so a population is built with ``committed``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.test import APIClient

from api.models import ExampleModel

from ..factories import token_for
from .population import Built, Population, build
from .reference import ReferenceServer

EXAMPLE_FIELDS = "id title content createdAt updatedAt"
USER_FIELDS = "id username email name dateJoined profile { displayName bio timezone updatedAt }"
# Example.owner is a PublicUser (issue 14); these are also the reference's User fields.
OWNER_FIELDS = "id username name"
EXAMPLES_QUERY = f"""
query Parity($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {{
  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {{
    totalCount
    pageInfo {{ limit offset }}
    results {{ {EXAMPLE_FIELDS} owner {{ {OWNER_FIELDS} }} }}
  }}
}}
"""
EXAMPLE_QUERY = f"""
query One($id: ID!) {{
  example(id: $id) {{ {EXAMPLE_FIELDS} owner {{ {OWNER_FIELDS} }} }}
}}
"""
ME_QUERY = f"query {{ me {{ {USER_FIELDS} }} }}"


def instant(value: str) -> dt.datetime:
    """A rendered date-time as an aware instant (REST writes `Z`, GraphQL `+00:00`)."""
    return dt.datetime.fromisoformat(value)


@dataclass(frozen=True)
class GraphQLAnswer:
    data: Any
    errors: list[dict] | None

    @classmethod
    def of(cls, data: Any, errors: list[dict] | None) -> GraphQLAnswer:
        # Compared as clients see them: JSON values, and the parts of each
        # error a client reads (locations match anyway: same query text).
        kept = [{key: e.get(key) for key in ("message", "path", "extensions")} for e in errors or []]
        return cls(json.loads(json.dumps(data)), kept or None)


class Surfaces:
    """One user's view through each surface."""

    def __init__(self, user: User | None, reference: ReferenceServer) -> None:
        self.user = user
        self.reference = reference
        self.token = token_for(user) if user is not None else None
        self.rest_client = APIClient()
        if self.token is not None:
            self.rest_client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")

    def rest(self, path: str, params: dict[str, str] | None = None):
        return self.rest_client.get(path, params or {})

    def strawberry(self, query: str, variables: dict | None = None) -> GraphQLAnswer:
        response = self.rest_client.post(
            "/graphql/", {"query": query, "variables": variables or {}}, format="json"
        )
        assert response.status_code == 200, (response.status_code, response.content[:300])
        body = response.json()
        return GraphQLAnswer.of(body.get("data"), body.get("errors"))

    def graphene(self, query: str, variables: dict | None = None) -> GraphQLAnswer:
        body = self.reference.graphql(query, variables, self.token).body
        return GraphQLAnswer.of(body.get("data"), body.get("errors"))


@contextmanager
def committed(population: Population) -> Iterator[Built]:
    """One generated example's population, visible to the reference process, and gone after it.

    Built in one transaction and committed (the reference server reads the
    database from outside this process); the tokens the surfaces create
    commit as they are made. Afterwards, whatever happened, every user is
    deleted, and with them (cascades) their profiles, tokens and examples, so
    no example sees another's rows. For tests with ``transactional_db``,
    where nothing is rolled back for them.
    """
    try:
        with transaction.atomic():
            built = build(population)
        yield built
    finally:
        with transaction.atomic():
            ExampleModel.objects.all().delete()
            User.objects.all().delete()

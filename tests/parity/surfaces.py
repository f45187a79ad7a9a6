"""The three ways to read the same data: REST, the served Strawberry schema, the graphene reference.

Each caller below asks as one user: REST and Strawberry over HTTP with the
user's token (the product's real path, authentication included), graphene
in-process with ``request.user`` set (how the benchmarks mount it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.test import RequestFactory
from rest_framework.test import APIClient

from ..factories import token_for
from ..helpers import rolled_back  # noqa: F401 (re-exported for the parity tests)
from .graphene_schema import schema as graphene_schema

EXAMPLE_FIELDS = "id title content createdAt updatedAt"
USER_FIELDS = "id username email name dateJoined profile { displayName bio timezone updatedAt }"
EXAMPLES_QUERY = f"""
query Parity($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {{
  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {{
    totalCount
    pageInfo {{ limit offset }}
    results {{ {EXAMPLE_FIELDS} owner {{ {USER_FIELDS} }} }}
  }}
}}
"""
EXAMPLE_QUERY = f"""
query One($id: ID!) {{
  example(id: $id) {{ {EXAMPLE_FIELDS} owner {{ {USER_FIELDS} }} }}
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

    def __init__(self, user: User | None) -> None:
        self.user = user
        self.rest_client = APIClient()
        if user is not None:
            self.rest_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")

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
        request = RequestFactory().post("/graphql/")
        request.user = self.user if self.user is not None else AnonymousUser()
        result = graphene_schema.execute(query, variables=variables or {}, context_value=request)
        return GraphQLAnswer.of(result.data, [error.formatted for error in result.errors or []])

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
from .pending import pending
from .population import Built, Population, build
from .reference import ReferenceServer

EXAMPLE_FIELDS = "id title content createdAt updatedAt"
PUBLIC_USER_FIELDS = "id username name"
USER_FIELDS = "id username email name dateJoined profile { displayName bio timezone updatedAt }"
PROJECT_FIELDS = f"id name description createdAt updatedAt role owner {{ {PUBLIC_USER_FIELDS} }}"
MEMBER_FIELDS = f"user {{ {PUBLIC_USER_FIELDS} }} role addedAt"
# Example.project, and what the Strawberry schema serves without it (tests/parity/pending.py).
# A few of its fields: the projects test checks them all, and 100 rows with
# every field would pass the served schema's cost limit.
WITH_PROJECT = "project { id name role }"
EXAMPLES_QUERY = f"""
query Parity($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {{
  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {{
    totalCount
    pageInfo {{ limit offset }}
    results {{ {EXAMPLE_FIELDS} owner {{ {PUBLIC_USER_FIELDS} }} {WITH_PROJECT} }}
  }}
}}
"""
EXAMPLE_QUERY = f"""
query One($id: ID!) {{
  example(id: $id) {{ {EXAMPLE_FIELDS} owner {{ {PUBLIC_USER_FIELDS} }} {WITH_PROJECT} }}
}}
"""
PROJECT_EXAMPLES = f"""
examples(pagination: $examples) {{
  totalCount
  pageInfo {{ limit offset }}
  results {{ id title createdAt updatedAt owner {{ {PUBLIC_USER_FIELDS} }} project {{ id role }} }}
}}
"""
PROJECT_QUERY = f"""
query Project($id: ID!, $examples: OffsetPaginationInput) {{
  project(id: $id) {{ {PROJECT_FIELDS} members {{ results {{ {MEMBER_FIELDS} }} }} {PROJECT_EXAMPLES} }}
}}
"""
PROJECTS_QUERY = f"""
query Projects($pagination: OffsetPaginationInput, $examples: OffsetPaginationInput) {{
  projects(pagination: $pagination) {{
    totalCount
    pageInfo {{ limit offset }}
    results {{ {PROJECT_FIELDS} members {{ results {{ {MEMBER_FIELDS} }} }} {PROJECT_EXAMPLES} }}
  }}
}}
"""


def served_today(query: str) -> str:
    """``query`` without ``Example.project``, for a Strawberry schema that does not serve it yet."""
    assert WITH_PROJECT in query
    return query.replace(WITH_PROJECT, "")


def without_project(value: Any) -> Any:
    """An answer to a query of ``served_today``'s, from an answer to the full query."""
    if isinstance(value, dict):
        return {key: without_project(item) for key, item in value.items() if key != "project"}
    if isinstance(value, list):
        return [without_project(item) for item in value]
    return value


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

    def both(self, query: str, variables: dict | None = None) -> GraphQLAnswer:
        """The graphene answer to ``query``, once the Strawberry schema's answer is proven the same.

        While the Strawberry schema lacks ``Example.project`` (tests/parity/pending.py)
        it is asked the query without it, and must equal the graphene answer without it.
        """
        graphene = self.graphene(query, variables)
        if pending("strawberry"):
            strawberry = self.strawberry(served_today(query), variables)
            assert strawberry == GraphQLAnswer.of(without_project(graphene.data), graphene.errors), (
                variables,
                strawberry,
                graphene,
            )
        else:
            strawberry = self.strawberry(query, variables)
            assert strawberry == graphene, (variables, strawberry, graphene)
        return graphene


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
            # Users take their projects and memberships with them (cascades).
            ExampleModel.objects.all().delete()
            User.objects.all().delete()

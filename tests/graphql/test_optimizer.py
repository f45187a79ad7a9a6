"""The optimizer as shipped (graphql_api.schema.query_optimizer): a nested list goes through its type's read rule.

The served schema nests examples under projects (tests/graphql/test_projects.py);
the next list a team adds under any type (here a throwaway ``users { examples }``)
must not skip the policy either (NetBox #17310), and must stay one query per level.
"""

# No `from __future__ import annotations`: the types below are built inside a function.

from types import SimpleNamespace

import pytest
import strawberry
import strawberry_django
from django.db import connection
from django.test.utils import CaptureQueriesContext
from strawberry import auto

from authentication.models import User
from graphql_api.schema import query_optimizer
from graphql_api.types import ExampleType

from ..factories import ExampleFactory

pytestmark = pytest.mark.django_db


def build_schema() -> strawberry.Schema:
    @strawberry_django.type(User, name="UserWithExamples")
    class UserWithExamples:
        username: auto
        examples: list[ExampleType]

    @strawberry.type
    class Query:
        users: list[UserWithExamples] = strawberry_django.field()

    return strawberry.Schema(query=Query, extensions=[query_optimizer])


def test_a_nested_list_shows_only_what_the_caller_may_see(user, other_user):
    ExampleFactory(user=user, title="Alice's")
    ExampleFactory(user=other_user, title="Bob's")
    context = SimpleNamespace(request=SimpleNamespace(user=user))

    with CaptureQueriesContext(connection) as queries:
        result = build_schema().execute_sync(
            "{ users { username examples { title } } }", context_value=context
        )

    assert result.errors is None
    by_user = {row["username"]: [e["title"] for e in row["examples"]] for row in result.data["users"]}
    assert by_user == {user.username: ["Alice's"], other_user.username: []}
    assert len(queries) == 2  # the users, then one prefetch of their examples

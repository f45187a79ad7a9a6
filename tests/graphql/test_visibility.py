"""The policy holds for nested fields too, not only at the root (NetBox #17310).

Besides the served ``Project.examples`` (tests/graphql/test_projects.py), these
tests build a schema that adds a list (``User.examples``) on top of the real ``ExampleType``,
and reach another user through a test-only root field: the nested list must
still show only the caller's rows, with and without the optimizer (which
turns the nested list into a prefetch).
"""

from __future__ import annotations

import pytest
import strawberry
import strawberry_django
from django.contrib.auth.models import User
from django.test import RequestFactory
from strawberry.django.context import StrawberryDjangoContext
from strawberry_django.optimizer import DjangoOptimizerExtension

from graphql_api.types import ExampleType

from ..factories import ExampleFactory

pytestmark = pytest.mark.django_db


@strawberry_django.type(User, name="UserWithExamples")
class UserWithExamples:
    username: strawberry.auto
    examples: list[ExampleType] = strawberry_django.field()


@strawberry.type
class UsersQuery:
    users: list[UserWithExamples] = strawberry_django.field()


def run_as(user, query: str, *, optimizer: bool):
    extensions = [DjangoOptimizerExtension] if optimizer else []
    schema = strawberry.Schema(query=UsersQuery, extensions=extensions)
    request = RequestFactory().get("/graphql/")
    request.user = user
    result = schema.execute_sync(query, context_value=StrawberryDjangoContext(request=request, response=None))
    assert result.errors is None, result.errors
    return result.data


@pytest.mark.parametrize("optimizer", [True, False], ids=["prefetched", "lazy"])
def test_nested_list_of_examples_shows_only_the_callers(user, other_user, optimizer):
    mine = ExampleFactory(user=user)
    ExampleFactory.create_batch(2, user=other_user)
    data = run_as(user, "{ users { username examples { id } } }", optimizer=optimizer)
    by_name = {row["username"]: [int(e["id"]) for e in row["examples"]] for row in data["users"]}
    assert by_name == {"alice": [mine.pk], "bob": []}

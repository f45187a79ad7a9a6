"""The type base (graphql_api.base): every type of a model reads through the policy, by construction.

- walking the served schema, ``User`` (and its ``Profile``) is reachable only
  as ``Query.me`` (and the caller's own ``updateProfile``); another user can only ever be a ``PublicUser``, whose fields
  are id, username and name;
- a type of a model built without the base is refused when the schema is built;
- a type built on the base for a model with no policy fails loudly on its first read;
- a forward relation to a policy type is loaded through the target's
  ``get_queryset`` by the optimizer (a ``Prefetch``, not a join): the
  behaviour of strawberry-django that ``PolicyField`` trusts.
"""

# No `from __future__ import annotations`: the types below are built inside functions.

from types import SimpleNamespace

import pytest
import strawberry
import strawberry_django
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import GraphQLObjectType, GraphQLUnionType, get_named_type
from strawberry import auto

from api.models import ExampleModel, Project
from graphql_api.base import PolicyType, check_schema_types, policy_type
from graphql_api.schema import query_optimizer, schema
from graphql_api.types import ExampleType

from ..factories import ExampleFactory

USER_MODEL_TYPES = {"User", "PublicUser"}
CALLER_ONLY = {"User", "Profile"}
# The root fields that answer with the caller's own account.
CALLERS_OWN = {("Query", "me"), ("Mutation", "updateProfile")}


def reachable_types(start_fields) -> set[str]:
    """Every object type reachable from the given (parent, field) pairs."""
    seen: set[str] = set()
    stack = [get_named_type(field.type) for field in start_fields]
    while stack:
        named = stack.pop()
        if isinstance(named, GraphQLUnionType):
            stack.extend(named.types)
            continue
        if not isinstance(named, GraphQLObjectType) or named.name in seen:
            continue
        seen.add(named.name)
        stack.extend(get_named_type(field.type) for field in named.fields.values())
    return seen


def test_user_is_reachable_only_as_me_and_everyone_else_is_public_user():
    graphql_schema = schema._schema
    roots = [graphql_schema.query_type, graphql_schema.mutation_type]
    start = [
        field for root in roots for name, field in root.fields.items() if (root.name, name) not in CALLERS_OWN
    ]
    reachable = reachable_types(start)
    assert not reachable & CALLER_ONLY, reachable & CALLER_ONLY
    assert "PublicUser" in reachable
    assert set(graphql_schema.type_map["PublicUser"].fields) == {"id", "username", "name"}


def test_every_type_of_the_user_model_is_user_or_public_user():
    from django.contrib.auth.models import User
    from strawberry_django.utils.typing import get_django_definition

    user_types = {
        definition.name
        for definition in (t.definition for t in schema.schema_converter.type_map.values())
        if (django := get_django_definition(getattr(definition, "origin", None))) is not None
        and django.model is User
        and not getattr(definition, "is_input", False)
    }
    assert user_types == USER_MODEL_TYPES


def test_a_type_of_a_model_without_the_base_is_refused_when_the_schema_is_built():
    @strawberry_django.type(ExampleModel, name="RawExample")
    class RawExample:
        title: auto

    @strawberry.type
    class Query:
        raw: list[RawExample] = strawberry_django.field()

    with pytest.raises(ImproperlyConfigured, match="RawExample reads a model without the policy"):
        check_schema_types(strawberry.Schema(query=Query))


def test_policy_type_requires_the_mixin():
    with pytest.raises(ImproperlyConfigured, match="must subclass"):

        @policy_type(ExampleModel, name="NoMixin")
        class NoMixin:
            title: auto


@pytest.mark.django_db
def test_a_policy_type_for_a_model_with_no_policy_fails_loudly():
    @policy_type(ContentType, name="ContentTypeWithoutPolicy")
    class ContentTypeType(PolicyType):
        model: auto

    @strawberry.type
    class Query:
        content_types: list[ContentTypeType] = strawberry_django.field()

    context = SimpleNamespace(request=SimpleNamespace(user=None))
    result = strawberry.Schema(query=Query).execute_sync("{ contentTypes { model } }", context_value=context)
    assert result.data is None
    assert isinstance(result.errors[0].original_error, ImproperlyConfigured)
    assert "has no policy" in str(result.errors[0].original_error)


@pytest.mark.django_db
def test_a_forward_relation_to_a_policy_type_is_prefetched_through_its_policy(user, other_user):
    # The example is the caller's; its project is another user's the caller may not see.
    hidden = Project.objects.create(owner=other_user, name="hidden")
    ExampleFactory(user=user, project=hidden)

    @strawberry.type
    class Query:
        examples: list[ExampleType] = strawberry_django.field()

    context = SimpleNamespace(request=SimpleNamespace(user=user))
    with CaptureQueriesContext(connection) as queries:
        result = strawberry.Schema(query=Query, extensions=[query_optimizer]).execute_sync(
            "{ examples { title project { name } } }", context_value=context
        )
    assert result.errors is None, result.errors
    assert result.data["examples"][0]["project"] is None
    # The examples, then the projects in a query of their own (a join would have skipped the policy).
    assert len(queries) == 2
    assert "JOIN" not in queries.captured_queries[0]["sql"].upper()

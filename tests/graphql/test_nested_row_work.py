"""Per-row work under a nested list: what each extra row costs, counted (not timed).

A forward relation to a public type (``Example.owner``, ``ProjectMember.user``)
and a resolver of the row alone that returns a scalar (``PublicUser.name``)
are Strawberry basic fields (``graphql_api.base.PolicyField``,
``graphql_api.column_field.ColumnField``): they build no ``Info`` per row. A
relation to a policy type never is, so its lazy read still goes through that
type's ``get_queryset``. And a prefetched
nested page is recognised by strawberry-django's public mark, not by Django's
private result cache (``graphql_api.pagination.PageRule``).
"""

from __future__ import annotations

import pytest
import strawberry
import strawberry_django
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from strawberry import auto
from strawberry.types.info import Info
from strawberry_django.optimizer import is_optimized_by_prefetching

from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from graphql_api.column_field import ColumnField
from graphql_api.executor import LeafColumnsExecutor
from graphql_api.schema import schema as product_schema

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

NESTED = """
{ projects { results { name examples(pagination: {limit: 50}) { results { title owner { name } } }
  members { results { user { name } role } } } } }
"""


@pytest.fixture(autouse=True)
def _generous_cost_limit(settings):
    settings.GRAPHQL_MAX_COST = 10**6


def build(user, examples_each: int) -> None:
    friend = UserFactory(username=f"friend{examples_each}")
    for number in range(2):
        project = Project.objects.create(owner=user, name=f"p{examples_each}-{number}")
        ProjectMembership.objects.create(project=project, user=friend, role=ProjectRole.EDITOR)
        ExampleModel.objects.bulk_create(
            ExampleModel(user=user, project=project, title=f"e{i}") for i in range(examples_each)
        )


def infos_built(client, monkeypatch) -> tuple[int, int]:
    """How many Strawberry ``Info`` objects (one per non-basic field resolved) the query builds, and its SQL."""
    built = []
    original = Info.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Info, "__init__", counting)
    with CaptureQueriesContext(connection) as queries:
        response = client.run(NESTED)
    monkeypatch.setattr(Info, "__init__", original)
    assert response.errors is None, response.errors
    return len(built), len(queries)


def test_an_extra_nested_row_builds_no_info_for_its_owner_or_its_name(gql_owner, user, monkeypatch):
    build(user, 3)
    few, few_sql = infos_built(gql_owner, monkeypatch)
    Project.objects.all().delete()
    build(user, 8)
    many, many_sql = infos_built(gql_owner, monkeypatch)

    # 2 projects x 5 more examples build no more Info: owner and its name are
    # basic fields (before, each example built two, owner and name).
    assert many == few
    assert many_sql == few_sql


def test_forward_relations_are_basic_only_to_public_types():
    types = product_schema._schema.type_map
    basic = "_get_basic_result"
    assert types["Example"].fields["owner"].resolve.__name__ == basic  # PublicUser
    assert types["ProjectMember"].fields["user"].resolve.__name__ == basic  # PublicUser
    assert types["Project"].fields["owner"].resolve.__name__ == basic  # PublicUser
    assert types["PublicUser"].fields["name"].resolve.__name__ == basic  # a resolver of root alone
    # A resolver that reads the Info (the caller's role) keeps it.
    assert types["Project"].fields["role"].resolve.__name__ != basic
    # A policy type's relation keeps the Info it needs to reach that type's get_queryset.
    assert types["Example"].fields["project"].resolve.__name__ != basic
    assert types["Project"].fields["examples"].resolve.__name__ != basic


def test_upgrade_guard_page_rule_sees_prefetched_nested_pages_by_the_public_mark(
    gql_owner, user, monkeypatch
):
    """PageRule leaves a prefetched nested page alone by this mark; were it lost, each page would query again."""
    from graphql_api import pagination

    seen: list[bool] = []

    def recording(queryset):
        marked = is_optimized_by_prefetching(queryset)
        seen.append(marked)
        return marked

    build(user, 2)
    monkeypatch.setattr(pagination, "is_optimized_by_prefetching", recording)
    with CaptureQueriesContext(connection) as queries:
        response = gql_owner.run(NESTED)
    assert response.errors is None, response.errors
    # The root page is not prefetched; each project's examples and members pages are.
    assert seen.count(False) >= 1
    assert seen.count(True) >= 2 * 2
    # Token, COUNT (not asked: none), projects, examples, members: nothing per page.
    assert len(queries) <= 5


def _shown(root: User) -> str:
    return root.username.upper()


PEOPLE = [User(id=1, username="ada"), User(id=2, username="bob")]


@strawberry_django.type(User, name="Person", field_cls=ColumnField)
class PersonType:
    username: auto
    shown: str = strawberry_django.field(resolver=_shown, field_cls=ColumnField)


@strawberry.type
class Query:
    @strawberry.field
    def people(self) -> list[PersonType]:
        return PEOPLE  # type: ignore[return-value]


def test_a_root_only_resolver_answers_in_an_async_context_without_a_lost_coroutine():
    """Async (a subscription's context): the short path meets the resolver's thread hop, closes it, and the full path answers."""
    import asyncio
    import gc
    import warnings

    schema = strawberry.Schema(query=Query, execution_context_class=LeafColumnsExecutor)
    assert schema._schema.type_map["Person"].fields["shown"].resolve.__name__ == "_get_basic_result"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = asyncio.run(schema.execute("{ people { username shown } }"))
        gc.collect()

    assert result.errors is None, result.errors
    assert result.data == {
        "people": [{"username": "ada", "shown": "ADA"}, {"username": "bob", "shown": "BOB"}]
    }
    assert not [w for w in caught if "never awaited" in str(w.message)]

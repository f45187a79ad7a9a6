"""A guard on the Django ORM internals ``api/sql_internals.py`` relies on.

Each test names the shape it checks. On a Django upgrade, a failure here says
which part of ``api/sql_internals.py`` to re-read against the new ORM before
``CHECKED_DJANGO`` gains the new version; ``tests/core/test_policy_branches.py``
then proves pages and counts still equal the plain queries.
"""

from __future__ import annotations

import django
import pytest
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import WhereNode

from api import sql_internals
from api.models import ExampleModel, Project
from api.policy import PolicyCondition

from ..factories import ExampleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_django_version_is_one_the_internals_were_checked_against() -> None:
    version = django.VERSION[:2]
    assert version in sql_internals.CHECKED_DJANGO, (
        f"Django {django.__version__} is not in sql_internals.CHECKED_DJANGO: re-check every "
        "shape in api/sql_internals.py (this file's tests say which) and then add it"
    )


def test_a_filter_on_a_conditional_expression_is_an_exact_true_child_of_the_where_node() -> None:
    marked = PolicyCondition(Q(title="a"), (Q(title="a"),))
    queryset = ExampleModel.objects.filter(user_id=1).filter(marked)
    where = queryset.query.where
    assert isinstance(where, WhereNode), "Query.where is no longer a WhereNode"
    assert (where.connector, where.negated) == ("AND", False), "WhereNode.connector/negated changed"
    last = where.children[-1]
    shape = (type(last), type(getattr(last, "lhs", None)), getattr(last, "rhs", None))
    assert shape == (Exact, PolicyCondition, True), (
        "filter(expression) no longer stores Exact(expression, True) in where.children: "
        "re-check sql_internals.top_level_filter"
    )
    assert sql_internals.top_level_filter(queryset, PolicyCondition) == (1, last.lhs)


def test_a_where_child_can_be_replaced_by_a_resolved_q() -> None:
    user = UserFactory()
    mine = ExampleFactory(user=user, title="kept")
    ExampleFactory(user=user, title="dropped")
    queryset = ExampleModel.objects.filter(user=user).filter(PolicyCondition(Q(pk=0), ()))
    resolved = Q(title="kept").resolve_expression(queryset.query)
    assert isinstance(resolved, WhereNode), "Q.resolve_expression(query) no longer gives a WhereNode"
    replaced = sql_internals.replaced_filter(queryset, 1, Q(title="kept"))
    assert list(replaced) == [mine], "replacing a where.children entry no longer filters by it"
    assert list(queryset) == [], "replaced_filter changed the original queryset's where clause"


def test_a_query_compiles_alone_and_raises_empty_result_set_when_it_matches_nothing() -> None:
    query = ExampleModel.objects.filter(title="x").values("pk").query
    sql, params = query.get_compiler(connection=connection).as_sql()
    assert isinstance(sql, str) and list(params) == ["x"], "Query.get_compiler().as_sql() changed"
    nothing = ExampleModel.objects.filter(pk__in=[]).values("pk").query
    with pytest.raises(EmptyResultSet):
        nothing.get_compiler(connection=connection).as_sql()
    parts, _ = sql_internals.compiled_branches([nothing, query], connection)
    assert parts == [f"({sql}) {connection.ops.quote_name('_branch1')}"]


def test_the_in_lookup_compiles_its_sides_for_in_subquery() -> None:
    assert hasattr(In, "process_lhs") and hasattr(In, "process_rhs"), "In lost process_lhs/rhs"
    user = UserFactory()
    project = Project.objects.create(name="p", owner=user)
    inside = ExampleFactory(user=user, project=project)
    ExampleFactory(user=user)
    ids = Project.objects.filter(owner=user).values("pk").query
    found = ExampleModel.objects.filter(Q(sql_internals.InSubquery(F("project_id"), ids)))
    assert list(found) == [inside], "InSubquery no longer selects the rows of its subquery"


def test_the_query_attributes_read_for_plain_and_ordered_querysets_exist() -> None:
    query = ExampleModel.objects.all().query
    for name in ("is_sliced", "distinct", "combinator", "group_by", "annotations"):
        assert hasattr(query, name), f"Query.{name} is gone: re-check sql_internals.is_plain"
    for name in ("order_by", "default_ordering", "extra_order_by"):
        assert hasattr(query, name), f"Query.{name} is gone: re-check ordering_ends_with_pk"
    assert sql_internals.is_plain(ExampleModel.objects.all())
    assert not sql_internals.is_plain(ExampleModel.objects.all()[:3])
    assert not sql_internals.is_plain(ExampleModel.objects.distinct())
    counted = ExampleModel.objects.values("user").annotate(n=models.Count("pk"))
    assert not sql_internals.is_plain(counted)
    assert sql_internals.ordering_ends_with_pk(ExampleModel.objects.order_by("-created_at", "-id"))
    assert not sql_internals.ordering_ends_with_pk(ExampleModel.objects.order_by("title"))

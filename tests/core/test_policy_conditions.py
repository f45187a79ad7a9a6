"""The policy's conditions are built once per (user pk, action) and stay correct.

``api.policy`` keeps each built-in condition (a ``Q`` with id subqueries) per
user pk and action, because building one costs more than the rest of a
list's ORM work. That is only right if the condition holds no data (who is a
member is read when the query runs), is never changed by the querysets that
use it, and is one user's only. These tests prove each.
"""

from __future__ import annotations

import pytest
from django.db import connection

from api import policy
from api.models import ExampleModel, Project, ProjectMembership, ProjectRole

from ..factories import ExampleFactory, UserFactory

pytestmark = pytest.mark.django_db


def visible_titles(user) -> set[str]:
    return set(ExampleModel.objects.restrict(user, policy.VIEW).values_list("title", flat=True))


def test_a_membership_change_shows_on_the_next_read_with_the_same_condition():
    owner, reader = UserFactory(), UserFactory()
    project = Project.objects.create(name="shared", owner=owner)
    ExampleFactory(user=owner, project=project, title="in the project")
    ExampleFactory(user=reader, title="the reader's own")
    assert visible_titles(reader) == {"the reader's own"}
    condition = policy.policy_for(ExampleModel).condition(reader, policy.VIEW)

    membership = ProjectMembership.objects.create(project=project, user=reader, role=ProjectRole.VIEWER)
    assert visible_titles(reader) == {"the reader's own", "in the project"}
    membership.delete()
    assert visible_titles(reader) == {"the reader's own"}

    # The same object answered all three: what changed was the data, read by the SQL.
    assert policy.policy_for(ExampleModel).condition(reader, policy.VIEW) is condition


def test_each_user_and_action_has_its_own_condition():
    first, second = UserFactory(), UserFactory()
    conditions = {
        (user.pk, model, action): policy.policy_for(model).condition(user, action)
        for user in (first, second)
        for model in (ExampleModel, Project, ProjectMembership)
        for action in (policy.VIEW, policy.CHANGE, policy.DELETE)
    }
    assert len({id(condition) for condition in conditions.values()}) == len(conditions)
    ExampleFactory(user=first, title="first's")
    ExampleFactory(user=second, title="second's")
    assert visible_titles(first) == {"first's"}
    assert visible_titles(second) == {"second's"}


@pytest.mark.parametrize("model", [ExampleModel, Project, ProjectMembership])
@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
def test_using_a_condition_does_not_change_it(model, action):
    user = UserFactory()
    condition = policy.policy_for(model).condition(user, action)
    if condition is None:
        return  # the action is not allowed at all on this model: nothing is built
    before = repr(condition)
    restricted = model._default_manager.restrict(user, action)
    sql = str(restricted.query)

    # Counted, paged, filtered further, combined, negated and used as a subquery.
    restricted.count()
    list(restricted.order_by("-pk")[:2])
    restricted.filter(pk__gt=0).exists()
    list(model._default_manager.filter(~condition)[:1])
    list(model._default_manager.filter(condition | condition)[:1])
    list(model._default_manager.filter(pk__in=restricted.values("pk"))[:1])

    assert repr(condition) == before
    assert str(model._default_manager.restrict(user, action).query) == sql


def test_the_id_subqueries_are_uncorrelated_arrays_on_postgresql_and_in_elsewhere():
    user = UserFactory()
    sql = str(ExampleModel.objects.restrict(user, policy.VIEW).query)
    if connection.vendor == "postgresql":
        assert '"project_id" = ANY(ARRAY(SELECT' in sql
        assert " IN (SELECT" not in sql
    else:
        assert '"project_id" IN (SELECT' in sql
        assert "ANY(" not in sql

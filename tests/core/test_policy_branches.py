"""A policy's branches are its condition cut into disjoint parts, and pages read through them are the same.

``api.policy.ordered_page`` and ``count_rows`` swap a policy's condition for
each of its branches (``ExamplePolicy``: the caller's own rows; the rows of
their projects that are not their own). That is only right if, for every
user and action, the branches are pairwise disjoint and together select
exactly what the condition selects. These tests check both on a population
of owners, editors, viewers and strangers, and that every page (offsets,
orderings, filters, cursors) and count equals the plain query's, on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import keyset, policy
from api.models import ExampleModel, Invitation, Project, ProjectMembership, ProjectRole

from ..factories import ExampleFactory, UserFactory

pytestmark = pytest.mark.django_db

BRANCHED = (ExampleModel, Project, Invitation)


@pytest.fixture
def population():
    """Four users; two projects with editors and viewers; examples in and out of them, some sharing a time."""
    owner, editor, viewer, stranger = (UserFactory() for _ in range(4))
    first = Project.objects.create(name="first", owner=owner)
    second = Project.objects.create(name="second", owner=editor)
    Project.objects.create(name="stranger's", owner=stranger)
    ProjectMembership.objects.create(project=first, user=editor, role=ProjectRole.EDITOR)
    ProjectMembership.objects.create(project=first, user=viewer, role=ProjectRole.VIEWER)
    ProjectMembership.objects.create(project=second, user=viewer, role=ProjectRole.EDITOR)
    authors = itertools.cycle([owner, editor, viewer, stranger])
    places = itertools.cycle([first, second, None])
    for n in range(36):
        ExampleFactory(user=next(authors), project=next(places), title=f"row {n % 5}")
    # Invitations to members and strangers, an expired one, one to nobody, one to a project's owner.
    now = timezone.now()
    for project, invitee, name, days in [
        (first, stranger, "s", 1),
        (first, None, "nobody", 1),
        (second, owner, "o", 1),
        (second, stranger, "late", -1),
        (first, editor, "e", 1),
    ]:
        Invitation.objects.create(
            project=project,
            invitee=invitee,
            username=name,
            username_key=name,
            invited_by=project.owner,
            role=ProjectRole.VIEWER,
            expires_at=now + timedelta(days=days),
        )
    # Equal timestamps, so that ties are broken by the id in every branch as in the whole.
    ExampleModel.objects.filter(pk__in=ExampleModel.objects.order_by("pk").values("pk")[:10]).update(
        created_at=ExampleModel.objects.order_by("pk").first().created_at
    )
    return [owner, editor, viewer, stranger]


def ids(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("model", BRANCHED)
@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
def test_the_branches_are_disjoint_and_make_up_the_condition(population, model, action):
    for user in population:
        rule = policy.policy_for(model)
        condition = rule.condition(user, action)
        branches = rule.branches(user, action)
        if condition is None:
            assert branches == ()
            continue
        if not branches:
            continue
        parts = [set(ids(model.objects.filter(branch))) for branch in branches]
        assert sum(len(part) for part in parts) == len(set().union(*parts)), (user, action)
        assert set().union(*parts) == set(ids(model.objects.filter(condition))), (user, action)


def example_lists(user):
    rows = ExampleModel.objects.restrict(user, policy.VIEW)
    yield rows
    yield rows.order_by("created_at", "id")
    yield rows.order_by("-updated_at", "-id")
    yield rows.order_by("title", "-id")
    yield rows.filter(title="row 2")
    yield rows.filter(Q(project__isnull=True) | Q(title="row 1"))
    yield rows.select_related("user").values("id", "title", "user__username")


@pytest.mark.parametrize("start,stop", [(0, 3), (2, 7), (0, 100), (30, 40), (50, 60)])
def test_a_page_through_the_branches_is_the_plain_page(population, start, stop):
    for user in population:
        for rows in example_lists(user):
            assert list(policy.ordered_page(rows, start, stop)) == list(rows[start:stop])
        for model in (Project, Invitation):
            rows = model.objects.restrict(user, policy.VIEW)
            assert ids(policy.ordered_page(rows, start, stop)) == ids(rows[start:stop])


def test_a_count_through_the_branches_is_the_plain_count(population):
    for user in population:
        for rows in example_lists(user):
            assert policy.count_rows(rows) == rows.count()
        for action in sorted(policy.ACTIONS):
            for model in BRANCHED:
                rows = model.objects.restrict(user, action)
                assert policy.count_rows(rows) == rows.count()


def test_a_page_or_count_is_one_statement(population):
    rows = ExampleModel.objects.restrict(population[1], policy.VIEW)
    with CaptureQueriesContext(connection) as queries:
        list(policy.ordered_page(rows, 0, 5))
        policy.count_rows(rows)
    assert len(queries) == 2
    assert "UNION ALL" in queries[0]["sql"]


def test_every_cursor_page_is_the_plain_walk(population):
    for user in population:
        rows = ExampleModel.objects.restrict(user, policy.VIEW).order_by("-created_at", "-id")
        order = keyset.key_order(rows)
        walked, position = [], None
        while True:
            page = keyset.keyset_slice(rows, order, size=4, after=position)
            walked += [row.pk for row in page.rows]
            if not page.has_next:
                break
            last = page.rows[-1]
            position = keyset.Position(key=last.created_at, id=last.pk)
        assert walked == ids(rows)


def test_an_invisible_user_or_action_still_gets_nothing(population):
    rows = ExampleModel.objects.restrict(None, policy.VIEW)
    assert list(policy.ordered_page(rows, 0, 10)) == []
    assert policy.count_rows(rows) == 0
    rows = ExampleModel.objects.restrict(population[0], policy.MANAGE)
    assert list(policy.ordered_page(rows, 0, 10)) == []
    assert policy.count_rows(rows) == 0

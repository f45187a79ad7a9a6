"""The policy table of docs/EXTENDING.md as data, checked against ``restrict`` for every actor and action.

Each row names, for one model and action, the set of objects each actor may
act on. The whole table is compared at once, so a failure shows every actor
that got it wrong.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import policy
from api.models import ExampleModel, Invitation, Project, ProjectMembership

from .conftest import ACTORS

TEAM = {"by_author", "by_editor", "by_owner", "by_inactive"}
STRANGER = {"stranger_alone", "stranger_in_own"}
NOTHING: dict[str, set[str]] = {actor: set() for actor in ACTORS}

EXAMPLE_TABLE: dict[str, dict[str, set[str]]] = {
    policy.VIEW: {
        **NOTHING,
        "author": {"by_author", "author_alone"},
        "owner": TEAM,
        "editor": TEAM,
        "viewer": TEAM,
        "stranger": STRANGER,
    },
    policy.CHANGE: {
        **NOTHING,
        "author": {"by_author", "author_alone"},
        "owner": TEAM,
        "editor": TEAM,
        "stranger": STRANGER,
    },
    policy.DELETE: {
        **NOTHING,
        "author": {"by_author", "author_alone"},
        "owner": TEAM,
        "editor": {"by_editor"},
        "stranger": STRANGER,
    },
    # An example is never "added to", "managed" or answered: undefined, so nobody.
    policy.ADD: NOTHING,
    policy.MANAGE: NOTHING,
    policy.RESPOND: NOTHING,
}

PROJECT_TABLE: dict[str, dict[str, set[str]]] = {
    policy.VIEW: {**NOTHING, "owner": {"team"}, "editor": {"team"}, "viewer": {"team"}, "stranger": {"own"}},
    policy.CHANGE: {**NOTHING, "owner": {"team"}, "stranger": {"own"}},
    policy.DELETE: {**NOTHING, "owner": {"team"}, "stranger": {"own"}},
    policy.MANAGE: {**NOTHING, "owner": {"team"}, "stranger": {"own"}},
    policy.ADD: {**NOTHING, "owner": {"team"}, "editor": {"team"}, "stranger": {"own"}},
    policy.RESPOND: NOTHING,
}

MEMBERS_OF_TEAM = {"editor", "viewer", "inactive"}
# Memberships named by their member's username (all are in "team").
MEMBERSHIP_TABLE: dict[str, dict[str, set[str]]] = {
    policy.VIEW: {**NOTHING, "owner": MEMBERS_OF_TEAM, "editor": MEMBERS_OF_TEAM, "viewer": MEMBERS_OF_TEAM},
    policy.CHANGE: {**NOTHING, "owner": MEMBERS_OF_TEAM},
    policy.MANAGE: {**NOTHING, "owner": MEMBERS_OF_TEAM},
    # The owner removes anyone; a member may remove themself.
    policy.DELETE: {**NOTHING, "owner": MEMBERS_OF_TEAM, "editor": {"editor"}, "viewer": {"viewer"}},
    policy.ADD: NOTHING,
    policy.RESPOND: NOTHING,
}

# Invitations to "team" named by who they are for: the stranger (pending), the removed member
# (expired), a name nobody has; and one to the stranger's own project for the author.
INVITATIONS_OF_TEAM = {"to_stranger", "to_removed_expired", "to_nobody"}
INVITATION_TABLE: dict[str, dict[str, set[str]]] = {
    policy.VIEW: {
        **NOTHING,
        "owner": INVITATIONS_OF_TEAM,
        "stranger": {"to_stranger", "to_author"},
        "author": {"to_author"},
    },
    policy.RESPOND: {**NOTHING, "stranger": {"to_stranger"}, "author": {"to_author"}},
    policy.DELETE: {**NOTHING, "owner": INVITATIONS_OF_TEAM, "stranger": {"to_author"}},
    policy.CHANGE: NOTHING,
    policy.ADD: NOTHING,
    policy.MANAGE: NOTHING,
}


def test_the_tables_cover_every_action_and_actor():
    for table in (EXAMPLE_TABLE, PROJECT_TABLE, MEMBERSHIP_TABLE, INVITATION_TABLE):
        assert set(table) == policy.ACTIONS
        assert all(set(row) == set(ACTORS) for row in table.values())


@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
def test_examples(world, action):
    names = {example.pk: name for name, example in world.examples.items()}
    found = {
        actor: {names[pk] for pk in ExampleModel.objects.restrict(user, action).values_list("pk", flat=True)}
        for actor, user in world.users.items()
    }
    assert found == EXAMPLE_TABLE[action]


@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
def test_projects(world, action):
    names = {project.pk: name for name, project in world.projects.items()}
    found = {
        actor: {names[pk] for pk in Project.objects.restrict(user, action).values_list("pk", flat=True)}
        for actor, user in world.users.items()
    }
    assert found == PROJECT_TABLE[action]


@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
def test_memberships(world, action):
    found = {
        actor: set(ProjectMembership.objects.restrict(user, action).values_list("user__username", flat=True))
        for actor, user in world.users.items()
    }
    assert found == MEMBERSHIP_TABLE[action]


def test_visible_to_is_restrict_view(world):
    for user in world.users.values():
        assert list(ExampleModel.objects.visible_to(user)) == list(
            ExampleModel.objects.restrict(user, policy.VIEW)
        )


def test_visible_to_works_unbound_on_a_plain_queryset(world):
    # graphql_api.types applies it to a related manager's plain QuerySet.
    from django.db.models import QuerySet

    from api.querysets import ExampleQuerySet

    found = ExampleQuerySet.visible_to(QuerySet(model=ExampleModel), world.users["viewer"])
    assert set(found) == set(ExampleModel.objects.visible_to(world.users["viewer"]))


def test_a_restricted_queryset_has_no_duplicates_and_no_distinct(world):
    # The owner of a project with many members sees each example once,
    # without .distinct() (which would make counts and pages expensive).
    restricted = ExampleModel.objects.restrict(world.users["owner"], policy.VIEW)
    assert not restricted.query.distinct
    pks = list(restricted.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)) == restricted.count() == len(TEAM)
    assert "JOIN" not in str(restricted.query)


# Fail closed


def test_an_unknown_action_gives_nothing(world):
    for user in world.users.values():
        assert not ExampleModel.objects.restrict(user, "publish").exists()
        assert not Project.objects.restrict(user, "").exists()


def test_an_unregistered_model_raises_improperly_configured(world):
    from django.contrib.auth.models import Group

    with pytest.raises(ImproperlyConfigured, match="no policy"):
        policy.restrict(Group.objects.all(), world.users["owner"], policy.VIEW)
    with pytest.raises(ImproperlyConfigured):
        policy.policy_for(Group)


def test_a_policy_that_allows_nothing_for_an_action_gives_none(world):
    class NothingPolicy:
        def condition(self, user, action):
            return None

    from django.contrib.auth.models import Group

    policy.register(Group, NothingPolicy())
    try:
        Group.objects.create(name="g")
        assert not policy.restrict(Group.objects.all(), world.users["owner"], policy.VIEW).exists()
    finally:
        del policy._registry[Group]


def test_registering_a_second_policy_for_a_model_raises():
    with pytest.raises(ImproperlyConfigured, match="already has a policy"):
        policy.register(ExampleModel, policy.ProjectPolicy())


def test_a_none_user_gets_nothing(world):
    assert not ExampleModel.objects.restrict(None, policy.VIEW).exists()


# Roles


def test_role_of_every_actor(world):
    team = world.projects["team"]
    roles = {actor: policy.role_of(team, user) for actor, user in world.users.items()}
    assert roles == {
        **dict.fromkeys(ACTORS),
        "owner": "owner",
        "editor": "editor",
        "viewer": "viewer",
    }


def test_with_role_annotates_the_callers_role_in_one_query(world):
    for actor, user in world.users.items():
        with CaptureQueriesContext(connection) as queries:
            rows = {p.name: p.role for p in Project.objects.with_role(user)}
        assert len(queries) == 1
        expected = policy.role_of(world.projects["team"], user)
        assert rows["Team"] == expected, actor


def test_a_page_of_visible_projects_with_roles_is_one_query(world, django_assert_num_queries):
    for n in range(5):
        Project.objects.create(name=f"More {n}", owner=world.users["editor"])
    user = world.users["editor"]
    with django_assert_num_queries(1):
        page = list(Project.objects.restrict(user, policy.VIEW).with_role(user)[:20])
    assert [p.role for p in page] == ["owner"] * 5 + ["editor"]


def test_restrict_is_one_query_for_a_page_and_one_for_its_count(world, django_assert_num_queries):
    user = world.users["owner"]
    with django_assert_num_queries(2):
        restricted = ExampleModel.objects.restrict(user, policy.VIEW)
        assert restricted.count() == len(list(restricted[:20]))


def _invite(project: Project, name: str, invitee, inviter, expires_in: dt.timedelta) -> Invitation:
    return Invitation.objects.create(
        project=project,
        username=name,
        username_key=name,
        invitee=invitee,
        invited_by=inviter,
        role="viewer",
        expires_at=timezone.now() + expires_in,
    )


@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
def test_invitations(world, action):
    users, team, own = world.users, world.projects["team"], world.projects["own"]
    day = dt.timedelta(days=1)
    invitations = {
        "to_stranger": _invite(team, "stranger", users["stranger"], users["owner"], day),
        "to_removed_expired": _invite(team, "removed", users["removed"], users["owner"], -day),
        "to_nobody": _invite(team, "nobody", None, users["owner"], day),
        "to_author": _invite(own, "author", users["author"], users["stranger"], day),
    }
    names = {invitation.pk: name for name, invitation in invitations.items()}
    found = {
        actor: {names[pk] for pk in Invitation.objects.restrict(user, action).values_list("pk", flat=True)}
        for actor, user in users.items()
    }
    assert found == INVITATION_TABLE[action]

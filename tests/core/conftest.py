"""A small world with every kind of actor the policy table names.

Project ``team`` is owned by ``owner``; ``editor`` and ``viewer`` are members,
``inactive`` was an editor and is now deactivated, ``removed`` was a viewer
and was removed, and ``author`` was an editor who wrote ``by_author`` in the
project and was removed too (the contract: an author removed from a project
still sees their examples). ``stranger`` has a project and examples of their
own and no part in ``team``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser, User

from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from tests.factories import ExampleFactory, UserFactory

ACTORS = ("author", "owner", "editor", "viewer", "removed", "stranger", "anonymous", "inactive")


@dataclass
class World:
    users: dict[str, User | AnonymousUser]
    projects: dict[str, Project]
    examples: dict[str, ExampleModel]


@pytest.fixture
def world(db) -> World:
    users: dict[str, User | AnonymousUser] = {
        name: UserFactory(username=name) for name in ACTORS if name != "anonymous"
    }
    users["anonymous"] = AnonymousUser()
    team = Project.objects.create(name="Team", owner=users["owner"])
    own = Project.objects.create(name="Stranger's", owner=users["stranger"])
    for name, role in [
        ("editor", ProjectRole.EDITOR),
        ("viewer", ProjectRole.VIEWER),
        ("inactive", ProjectRole.EDITOR),
        ("removed", ProjectRole.VIEWER),
        ("author", ProjectRole.EDITOR),
    ]:
        ProjectMembership.objects.create(project=team, user=users[name], role=role)
    examples = {
        "by_author": ExampleFactory(user=users["author"], project=team),
        "by_editor": ExampleFactory(user=users["editor"], project=team),
        "by_owner": ExampleFactory(user=users["owner"], project=team),
        "by_inactive": ExampleFactory(user=users["inactive"], project=team),
        "author_alone": ExampleFactory(user=users["author"]),
        "stranger_alone": ExampleFactory(user=users["stranger"]),
        "stranger_in_own": ExampleFactory(user=users["stranger"], project=own),
    }
    ProjectMembership.objects.filter(user__username__in=["removed", "author"]).delete()
    User.objects.filter(username="inactive").update(is_active=False)
    users["inactive"].refresh_from_db()
    return World(users=users, projects={"team": team, "own": own}, examples=examples)

"""Every registry table against ``policy.restrict`` on every row of a world wider than one project.

The matrix calls the routes about one target in one shared project; a rule that forgets rows
elsewhere (an example outside any project, another project, a user with a different role there)
passes it. Here the population grows: a second project where the shared project's owner is a
viewer and the author an editor, an example by every actor in it and outside any project, and,
for each resource with a ``parent`` and ``make_row``, a row by every actor in every parent row.
Then, for every resource, action and actor, the rows ``restrict`` gives must be exactly those the
registry's table allows by the relations read from the rows. Nothing here names a resource:
a new registry entry is checked by the same code, and ``test_a_forgetful_rule_fails_the_worlds``
proves the check bites with a throwaway wrong rule (tests/matrix/throwaway_forgetful.py).
"""

from __future__ import annotations

import dataclasses
from unittest import mock

import pytest

from api import policy
from api.models import Comment, ExampleModel, Project, ProjectMembership, ProjectRole

from .resources import (
    ACTORS,
    ANONYMOUS,
    AUTHOR,
    COMMENT,
    EDITOR,
    OWNER,
    RESOURCES,
    Population,
    Resource,
    build_population,
    relations,
)
from .throwaway_forgetful import ForgetfulCommentPolicy

pytestmark = pytest.mark.django_db
USERS = [actor for actor in ACTORS if actor != ANONYMOUS]


def build_world() -> Population:
    population = build_population()
    users = population.users
    other = Project.objects.create(owner=users[EDITOR], name="another project", description="world")
    ProjectMembership.objects.create(project=other, user=users[OWNER], role=ProjectRole.VIEWER)
    ProjectMembership.objects.create(project=other, user=users[AUTHOR], role=ProjectRole.EDITOR)
    for actor in USERS:
        ExampleModel.objects.create(user=users[actor], title=f"{actor} in another project", project=other)
        ExampleModel.objects.create(user=users[actor], title=f"{actor} in no project")
    for resource in RESOURCES:
        if resource.parent is not None and resource.make_row is not None:
            for parent in list(resource.parent.model._default_manager.all()):
                for actor in USERS:
                    resource.make_row(parent, users[actor])
    return population


def disagreements(population: Population, resource: Resource) -> list[str]:
    """Per action and actor: the rows the policy gives that the table does not, and those it misses."""
    found = []
    rows = list(resource.model._default_manager.all())
    for action in resource.table:
        for actor in USERS:
            user = population.users[actor]
            wanted = {row.pk for row in rows if resource.allowed(action, relations(resource, row, user))}
            given = set(
                policy.restrict(resource.model._default_manager.all(), user, action).values_list(
                    "pk", flat=True
                )
            )
            if wanted != given:
                extra = [str(r) for r in rows if r.pk in given - wanted]
                missing = [str(r) for r in rows if r.pk in wanted - given]
                found.append(f"{resource.name} {action} {actor}: not in the table {extra}, missing {missing}")
    return found


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_every_table_is_the_policy_on_a_wider_world(resource):
    world = build_world()
    assert resource.model._default_manager.exists()
    assert disagreements(world, resource) == []


def test_the_world_has_rows_beyond_one_project():
    build_world()
    assert ExampleModel.objects.filter(project=None).count() >= len(USERS)
    assert Comment.objects.filter(example__project=None).exists()
    assert Project.objects.count() >= 3


def test_a_forgetful_rule_fails_the_worlds():
    """A Comment view rule that forgets examples outside any project (and a removed member's own
    example) passes the matrix's one shared project but not the worlds: the stranger misses the
    comments on their own example in no project."""
    world = build_world()
    with mock.patch.dict(policy._registry, {Comment: ForgetfulCommentPolicy()}):
        found = disagreements(world, COMMENT)
    stranger_misses = "comment view stranger: not in the table [], missing ["
    assert any(line.startswith(stranger_misses) for line in found), found


def test_a_path_the_registry_cannot_follow_fails_naming_the_fix():
    """``project_field="example__projekt"`` is the registry's mistake, not "no project": it says so."""
    population = build_population()
    comment = COMMENT.make_row(population.example, population.users[AUTHOR])
    typo = dataclasses.replace(COMMENT, project_field="example__projekt")
    with pytest.raises(AssertionError, match=r"ExampleModel has no field 'projekt'.*fix the path"):
        relations(typo, comment, population.users[OWNER])
    assert typo.parent_field == "example"  # the refused field of a create is the path's first step

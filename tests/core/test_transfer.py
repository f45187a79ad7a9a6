"""The transfer rule (``services.parent_to_write``): a row leaves its project only with the right to
delete it there, and enters one only with the right to add to it. The matrix proves it for every
actor and resource (tests/matrix, the transfer probes); these pin the service's edge cases."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from api import policy, services
from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from tests.helpers import database_state


def _move(world, actor: str, example: str, project: object) -> ExampleModel:
    return services.example_update(
        user=world.users[actor], example_id=world.examples[example].pk, data={"project_id": project}
    )


@pytest.mark.parametrize("to_their_own", [True, False])
def test_an_editor_may_change_another_members_example_but_not_take_it_out(world, to_their_own):
    """The editor may ADD to their own project and CHANGE the example: still refused, nothing changes."""
    mine = Project.objects.create(owner=world.users["editor"], name="side")
    before = database_state()

    with pytest.raises(PermissionDenied, match="out of its project"):
        _move(world, "editor", "by_owner", mine.pk if to_their_own else None)

    assert database_state() == before


def test_the_current_project_again_is_no_change_and_needs_neither_right(world):
    team = world.projects["team"]

    assert _move(world, "editor", "by_owner", str(team.pk)).project_id == team.pk
    with pytest.raises(PermissionDenied):
        _move(world, "editor", "by_owner", None)


def test_the_author_and_the_projects_owner_take_it_out_and_an_editor_does_not(world):
    """``by_editor``: the editor wrote it, the owner owns its project; the author of another is refused."""
    other = Project.objects.create(owner=world.users["owner"], name="Owner's other")
    ProjectMembership.objects.create(
        project=world.projects["team"], user=world.users["author"], role="editor"
    )

    with pytest.raises(PermissionDenied):
        _move(world, "author", "by_editor", None)
    assert _move(world, "owner", "by_editor", other.pk).project_id == other.pk
    _move(world, "owner", "by_editor", world.projects["team"].pk)
    assert _move(world, "editor", "by_editor", None).project_id is None


def test_putting_an_example_that_is_in_no_project_into_one_needs_add_only(world):
    """Out of none needs nothing; in needs ADD. Once in, the same editor cannot take back another's."""
    team = world.projects["team"]
    ProjectMembership.objects.create(project=team, user=world.users["author"], role=ProjectRole.EDITOR)
    assert _move(world, "author", "author_alone", team.pk).project_id == team.pk
    with pytest.raises(PermissionDenied):
        _move(world, "author", "by_owner", None)


def test_taking_out_is_checked_before_the_destination(world):
    """An invisible destination answers the editor the same 403 as a missing one: nothing is learnt."""
    with pytest.raises(PermissionDenied) as invisible:
        _move(world, "editor", "by_owner", world.projects["own"].pk)
    with pytest.raises(PermissionDenied) as missing:
        _move(world, "editor", "by_owner", 999_999)
    assert str(invisible.value) == str(missing.value)


def test_the_author_moving_into_a_project_they_may_not_add_to_gets_the_field_error(world):
    before = database_state()
    with pytest.raises(ValidationError) as error:
        _move(world, "editor", "by_editor", world.projects["own"].pk)
    assert error.value.message_dict == {"project": [services.INVALID_PROJECT]}
    assert database_state() == before
    with pytest.raises(PermissionDenied):  # and the same destination for another's example: 403 first
        _move(world, "editor", "by_owner", world.projects["own"].pk)


def test_parent_to_write_refuses_a_model_registered_without_a_parent(world):
    membership = ProjectMembership.objects.filter(project=world.projects["team"]).first()
    with pytest.raises(ValueError, match="no parent"):
        services.parent_to_write(membership, user=world.users["owner"], parent_id=None)


def test_the_policy_declares_the_examples_project_its_parent():
    assert policy.parent_of(ExampleModel) == policy.Parent("project", Project)
    assert policy.parent_of(ProjectMembership) is None
    assert (policy.TRANSFER_OUT, policy.TRANSFER_IN) == (policy.DELETE, policy.ADD)

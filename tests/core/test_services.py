"""Every service looks its rows up through the policy.

Missing, junk and not-visible ids raise the same ``DoesNotExist``; visible but
not allowed raises ``PermissionDenied``; and nothing changes in either case.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from api import policy, services
from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from tests.helpers import database_state

JUNK_IDS = [999_999, "abc", 0, -1, 2**63, None, True]


# get_for_action


@pytest.mark.parametrize("junk", JUNK_IDS)
def test_a_missing_or_junk_id_is_does_not_exist(world, junk):
    with pytest.raises(ExampleModel.DoesNotExist):
        services.get_for_action(ExampleModel, user=world.users["owner"], action=policy.VIEW, pk=junk)


def test_not_visible_is_the_same_does_not_exist_as_missing(world):
    hidden = world.examples["stranger_alone"]
    with pytest.raises(ExampleModel.DoesNotExist) as invisible:
        services.get_for_action(ExampleModel, user=world.users["owner"], action=policy.CHANGE, pk=hidden.pk)
    with pytest.raises(ExampleModel.DoesNotExist) as missing:
        services.get_for_action(ExampleModel, user=world.users["owner"], action=policy.CHANGE, pk=999_999)
    assert str(invisible.value) == str(missing.value)


def test_visible_but_not_allowed_is_permission_denied(world):
    example = world.examples["by_owner"]
    with pytest.raises(PermissionDenied):
        services.get_for_action(ExampleModel, user=world.users["viewer"], action=policy.CHANGE, pk=example.pk)


def test_get_for_action_accepts_a_queryset(world):
    example = world.examples["by_owner"]
    found = services.get_for_action(
        ExampleModel.objects.only("pk"), user=world.users["editor"], action=policy.CHANGE, pk=str(example.pk)
    )
    assert found == example


# Examples: who may change and delete


@pytest.mark.parametrize(
    ("actor", "outcome"),
    [
        ("author", None),
        ("owner", None),
        ("editor", None),
        ("viewer", PermissionDenied),
        ("removed", ExampleModel.DoesNotExist),
        ("stranger", ExampleModel.DoesNotExist),
        ("inactive", ExampleModel.DoesNotExist),
    ],
)
def test_example_update_follows_the_table(world, actor, outcome):
    example = world.examples["by_author"]
    call = lambda: services.example_update(  # noqa: E731
        user=world.users[actor], example_id=example.pk, data={"title": "Changed"}
    )
    if outcome is None:
        assert call().title == "Changed"
    else:
        before = database_state()
        with pytest.raises(outcome):
            call()
        assert database_state() == before


@pytest.mark.parametrize(
    ("actor", "outcome"),
    [
        ("author", None),
        ("owner", None),
        ("editor", PermissionDenied),
        ("viewer", PermissionDenied),
        ("removed", ExampleModel.DoesNotExist),
        ("stranger", ExampleModel.DoesNotExist),
    ],
)
def test_example_delete_follows_the_table(world, actor, outcome):
    example = world.examples["by_author"]
    if outcome is None:
        services.example_delete(user=world.users[actor], example_id=example.pk)
        assert not ExampleModel.objects.filter(pk=example.pk).exists()
    else:
        with pytest.raises(outcome):
            services.example_delete(user=world.users[actor], example_id=example.pk)
        assert ExampleModel.objects.filter(pk=example.pk).exists()


def test_anonymous_cannot_write(world):
    with pytest.raises(PermissionDenied):
        services.example_create(user=world.users["anonymous"], title="x")
    with pytest.raises(PermissionDenied):
        services.project_create(user=world.users["anonymous"], name="x")


# Putting an example into a project


def invalid_project(exc: pytest.ExceptionInfo) -> bool:
    return exc.value.message_dict == {"project": [services.INVALID_PROJECT]}


@pytest.mark.parametrize("actor", ["owner", "editor"])
def test_owner_and_editor_create_into_the_project(world, actor):
    team = world.projects["team"]
    example = services.example_create(user=world.users[actor], title="In", project_id=team.pk)
    assert example.project == team
    assert example in ExampleModel.objects.visible_to(world.users["viewer"])


@pytest.mark.parametrize(
    ("actor", "project_id"),
    [
        ("viewer", "team"),  # can see, cannot add
        ("stranger", "team"),  # cannot see
        ("author", "team"),  # was removed
        ("owner", 999_999),  # missing
        ("owner", "junk"),
        ("owner", "own"),  # someone else's
    ],
)
def test_create_into_a_project_one_cannot_add_to_is_one_validation_error(world, actor, project_id):
    project_id = world.projects[project_id].pk if project_id in world.projects else project_id
    before = database_state()
    with pytest.raises(ValidationError) as exc:
        services.example_create(user=world.users[actor], title="In", project_id=project_id)
    assert invalid_project(exc)
    assert database_state() == before


def test_update_moves_into_a_project_only_with_add(world):
    mine = world.examples["author_alone"]
    # The author can change their example, but cannot add to team any more.
    with pytest.raises(ValidationError) as exc:
        services.example_update(
            user=world.users["author"], example_id=mine.pk, data={"project_id": world.projects["team"].pk}
        )
    assert invalid_project(exc)
    mine.refresh_from_db()
    assert mine.project_id is None

    editors = services.example_create(user=world.users["editor"], title="Mine")
    moved = services.example_update(
        user=world.users["editor"], example_id=editors.pk, data={"project_id": world.projects["team"].pk}
    )
    moved.refresh_from_db()
    assert moved.project == world.projects["team"]


def test_update_with_project_none_takes_it_out(world):
    example = world.examples["by_author"]
    services.example_update(user=world.users["author"], example_id=example.pk, data={"project_id": None})
    example.refresh_from_db()
    assert example.project_id is None
    assert example not in ExampleModel.objects.visible_to(world.users["viewer"])


def test_update_keeping_the_same_visible_project_needs_no_add(world):
    team = world.projects["team"]
    ProjectMembership.objects.filter(user=world.users["editor"]).update(role=ProjectRole.VIEWER)
    example = world.examples["by_editor"]
    # The editor, now a viewer, still changes their own example and sends its project back.
    services.example_update(
        user=world.users["editor"], example_id=example.pk, data={"title": "T", "project_id": team.pk}
    )
    example.refresh_from_db()
    assert (example.title, example.project_id) == ("T", team.pk)


def test_update_sending_an_invisible_current_project_is_refused_like_any_other(world):
    # The removed author must not learn which project their example is in.
    example = world.examples["by_author"]
    with pytest.raises(ValidationError) as exc:
        services.example_update(
            user=world.users["author"], example_id=example.pk, data={"project_id": world.projects["team"].pk}
        )
    assert invalid_project(exc)


def test_update_refuses_unknown_fields(world):
    with pytest.raises(ValueError, match="cannot change"):
        services.example_update(
            user=world.users["author"], example_id=world.examples["author_alone"].pk, data={"user_id": 1}
        )


def test_update_validates_the_given_fields(world):
    example = world.examples["author_alone"]
    with pytest.raises(ValidationError) as exc:
        services.example_update(user=world.users["author"], example_id=example.pk, data={"title": "  "})
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.example_update(user=world.users["author"], example_id=example.pk, data={"content": None})
    assert "content" in exc.value.message_dict


@pytest.mark.parametrize(("actor", "keeps_project"), [("editor", True), ("owner", True), ("viewer", False)])
def test_duplicate_stays_in_the_project_only_with_add(world, actor, keeps_project):
    source = world.examples["by_author"]
    copy = services.example_duplicate(user=world.users[actor], example_id=source.pk)
    assert copy.user == world.users[actor]
    assert copy.title.endswith(" (copy)")
    assert copy.project_id == (world.projects["team"].pk if keeps_project else None)


def test_duplicate_of_an_invisible_example_is_does_not_exist(world):
    with pytest.raises(ExampleModel.DoesNotExist):
        services.example_duplicate(user=world.users["viewer"], example_id=world.examples["stranger_alone"].pk)


def test_a_removed_author_duplicates_their_example_into_no_project(world):
    copy = services.example_duplicate(user=world.users["author"], example_id=world.examples["by_author"].pk)
    assert copy.project_id is None


# Projects


def test_project_create_update_delete_by_the_owner(world):
    owner = world.users["editor"]
    project = services.project_create(user=owner, name="Mine", description="d")
    assert project.owner == owner
    services.project_update(user=owner, project_id=project.pk, data={"name": "Renamed"})
    project.refresh_from_db()
    assert (project.name, project.description) == ("Renamed", "d")
    services.project_delete(user=owner, project_id=project.pk)
    assert not Project.objects.filter(pk=project.pk).exists()


@pytest.mark.parametrize("data", [{"name": ""}, {"name": "  "}, {"name": "x" * 101}, {"name": "a\x00"}])
def test_project_name_is_validated(world, data):
    with pytest.raises(ValidationError) as exc:
        services.project_create(user=world.users["owner"], **data)
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.project_update(user=world.users["owner"], project_id=world.projects["team"].pk, data=data)


def test_project_description_is_validated(world):
    with pytest.raises(ValidationError) as exc:
        services.project_create(user=world.users["owner"], name="n", description="x" * 2001)
    assert "description" in exc.value.message_dict


@pytest.mark.parametrize(
    ("actor", "outcome"),
    [
        ("editor", PermissionDenied),
        ("viewer", PermissionDenied),
        ("removed", Project.DoesNotExist),
        ("stranger", Project.DoesNotExist),
        ("inactive", Project.DoesNotExist),
    ],
)
def test_only_the_owner_changes_or_deletes_a_project(world, actor, outcome):
    team = world.projects["team"]
    before = database_state()
    with pytest.raises(outcome):
        services.project_update(user=world.users[actor], project_id=team.pk, data={"name": "Taken"})
    with pytest.raises(outcome):
        services.project_delete(user=world.users[actor], project_id=team.pk)
    assert database_state() == before


def test_project_delete_keeps_its_examples_with_their_authors(world):
    team = world.projects["team"]
    in_team = {name: world.examples[name] for name in ("by_author", "by_editor", "by_owner")}
    services.project_delete(user=world.users["owner"], project_id=team.pk)
    for example in in_team.values():
        example.refresh_from_db()
        assert example.project_id is None
        assert example in ExampleModel.objects.visible_to(example.user)
    assert not ProjectMembership.objects.filter(project_id=team.pk).exists()
    # The viewer saw them through the project only.
    assert not ExampleModel.objects.visible_to(world.users["viewer"]).exists()


# Memberships


def test_the_owner_adds_changes_and_removes_members(world):
    team, owner = world.projects["team"], world.users["owner"]
    invitation = services.invitation_create(
        user=owner, project_id=team.pk, username="STRANGER", role="viewer"
    )
    assert team not in Project.objects.restrict(world.users["stranger"], policy.VIEW)
    services.invitation_accept(user=world.users["stranger"], invitation_id=invitation.pk)
    membership = ProjectMembership.objects.get(project=team, user=world.users["stranger"])
    assert membership.role == ProjectRole.VIEWER
    assert team in Project.objects.restrict(world.users["stranger"], policy.VIEW)

    services.member_update(user=owner, project_id=team.pk, username="stranger", role="editor")
    assert policy.role_of(team, world.users["stranger"]) == "editor"
    services.member_update(user=owner, project_id=team.pk, user_id=world.users["stranger"].pk, role="viewer")
    assert policy.role_of(team, world.users["stranger"]) == "viewer"

    services.member_remove(user=owner, project_id=team.pk, user_id=world.users["stranger"].pk)
    assert policy.role_of(team, world.users["stranger"]) is None


@pytest.mark.parametrize("username", ["", "   ", "x" * 151, "nul\x00"])
def test_invitation_create_refuses_what_cannot_be_a_username(world, username):
    before = database_state()
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(
            user=world.users["owner"], project_id=world.projects["team"].pk, username=username, role="viewer"
        )
    assert list(exc.value.message_dict) == ["username"]
    assert database_state() == before


@pytest.mark.parametrize("role", ["owner", "admin", "", None])
def test_member_roles_are_editor_or_viewer(world, role):
    team = world.projects["team"]
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(
            user=world.users["owner"], project_id=team.pk, username="stranger", role=role
        )
    assert list(exc.value.message_dict) == ["role"]
    with pytest.raises(ValidationError):
        services.member_update(user=world.users["owner"], project_id=team.pk, username="viewer", role=role)


@pytest.mark.parametrize(
    ("actor", "outcome"),
    [
        ("editor", PermissionDenied),
        ("viewer", PermissionDenied),
        ("stranger", Project.DoesNotExist),
        ("removed", Project.DoesNotExist),
    ],
)
def test_only_the_owner_manages_members(world, actor, outcome):
    team = world.projects["team"]
    user = world.users[actor]
    before = database_state()
    with pytest.raises(outcome):
        services.invitation_create(user=user, project_id=team.pk, username="author", role="viewer")
    with pytest.raises(outcome):
        services.member_update(user=user, project_id=team.pk, username="viewer", role="editor")
    assert database_state() == before


def test_a_member_may_remove_themself_but_not_others(world):
    team = world.projects["team"]
    with pytest.raises(PermissionDenied):
        services.member_remove(user=world.users["viewer"], project_id=team.pk, username="editor")
    services.member_remove(user=world.users["viewer"], project_id=team.pk, user_id=world.users["viewer"].pk)
    assert not Project.objects.restrict(world.users["viewer"], policy.VIEW).exists()
    # Gone: the project is now invisible to them, exactly like a missing one.
    with pytest.raises(Project.DoesNotExist):
        services.member_remove(user=world.users["viewer"], project_id=team.pk, username="viewer")


def test_the_owner_cannot_remove_themself(world):
    team = world.projects["team"]
    with pytest.raises(ValidationError) as exc:
        services.member_remove(user=world.users["owner"], project_id=team.pk, user_id=world.users["owner"].pk)
    assert list(exc.value.message_dict) == ["user"]
    with pytest.raises(PermissionDenied):
        services.member_remove(user=world.users["editor"], project_id=team.pk, username="owner")


def test_removing_a_non_member_is_does_not_exist(world):
    team = world.projects["team"]
    for target in [
        {"username": "stranger"},
        {"username": "nobody"},
        {"user_id": "junk"},
        {"user_id": 999_999},
    ]:
        with pytest.raises(ProjectMembership.DoesNotExist):
            services.member_remove(user=world.users["owner"], project_id=team.pk, **target)


def test_member_services_need_exactly_one_target(world):
    with pytest.raises(TypeError):
        services.member_remove(user=world.users["owner"], project_id=world.projects["team"].pk)


def test_a_removed_member_loses_the_project_but_keeps_their_examples(world):
    team = world.projects["team"]
    mine = services.example_create(user=world.users["editor"], title="Mine", project_id=team.pk)
    services.member_remove(user=world.users["owner"], project_id=team.pk, username="editor")
    assert mine in ExampleModel.objects.visible_to(world.users["editor"])
    assert team not in Project.objects.restrict(world.users["editor"], policy.VIEW)

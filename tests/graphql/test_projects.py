"""Projects over GraphQL, for every actor: owner, editor, viewer, removed member, stranger, anonymous.

The world: Olga owns "Atlas", shared with Eddy (editor) and Vera (viewer).
Remy was an editor, wrote an example into Atlas and was removed; Sam has
nothing to do with it. Every refused call leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from api.models import ExampleModel, Invitation, Project, ProjectMembership, ProjectRole

from ..factories import ExampleFactory, UserFactory, token_for
from .conftest import GraphQLClient

pytestmark = pytest.mark.django_db

ACTORS = ("owner", "editor", "viewer", "removed", "stranger")
ROLE_OF = {"owner": "OWNER", "editor": "EDITOR", "viewer": "VIEWER"}

PROJECT_FIELDS = """
  id name description role createdAt updatedAt
  owner { id username name }
  members { totalCount results { user { id username name } role addedAt } }
  examples { totalCount results { id title owner { username } project { id } } }
"""
PROJECT_PAYLOAD = f"""
  __typename
  ... on Project {{ {PROJECT_FIELDS} }}
  ... on OperationInfo {{ messages {{ kind field message code }} }}
"""
MEMBER_PAYLOAD = """
  __typename
  ... on ProjectMember { user { username } role addedAt }
  ... on OperationInfo { messages { kind field message code } }
"""
EXAMPLE_PAYLOAD = """
  __typename
  ... on Example { id title owner { username } project { id name role } }
  ... on OperationInfo { messages { kind field message code } }
"""
NOT_FOUND = {"kind": "ERROR", "field": None, "message": "Not found.", "code": "not_found"}


@dataclass
class World:
    users: dict
    project: Project
    examples: dict

    def client(self, actor: str) -> GraphQLClient:
        return GraphQLClient(None if actor == "anonymous" else token_for(self.users[actor]))


@pytest.fixture
def world(db) -> World:
    users = {
        "owner": UserFactory(username="olga", email="olga@example.com"),
        "editor": UserFactory(username="eddy", email="eddy@example.com"),
        "viewer": UserFactory(username="vera", email="vera@example.com"),
        "removed": UserFactory(username="remy", email="remy@example.com"),
        "stranger": UserFactory(username="sam", email="sam@example.com"),
    }
    project = Project.objects.create(owner=users["owner"], name="Atlas", description="Maps")
    ProjectMembership.objects.create(project=project, user=users["editor"], role=ProjectRole.EDITOR)
    ProjectMembership.objects.create(project=project, user=users["viewer"], role=ProjectRole.VIEWER)
    removed = ProjectMembership.objects.create(
        project=project, user=users["removed"], role=ProjectRole.EDITOR
    )
    examples = {
        "owner": ExampleFactory(user=users["owner"], project=project, title="olga's"),
        "editor": ExampleFactory(user=users["editor"], project=project, title="eddy's"),
        "removed": ExampleFactory(user=users["removed"], project=project, title="remy's"),
        "private": ExampleFactory(user=users["owner"], title="olga's private"),
    }
    removed.delete()
    return World(users=users, project=project, examples=examples)


def state() -> list:
    """Every row a project operation could touch."""
    return [
        list(Project.objects.order_by("pk").values()),
        list(ProjectMembership.objects.order_by("pk").values()),
        list(ExampleModel.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
    ]


def messages(payload: dict) -> list[dict]:
    assert payload["__typename"] == "OperationInfo", payload
    return payload["messages"]


def kinds(payload: dict) -> list[tuple[str, str | None]]:
    return [(m["kind"], m["field"]) for m in messages(payload)]


def assert_unauthenticated(response) -> None:
    assert response.data is None
    assert response.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


# Reads


@pytest.mark.parametrize("actor", ACTORS)
def test_project_by_id_for_every_actor(world, actor):
    response = world.client(actor).run(
        f"query($id: ID!) {{ project(id: $id) {{ {PROJECT_FIELDS} }} }}", {"id": str(world.project.pk)}
    )
    assert response.errors is None, response.errors
    project = response.data["project"]
    if actor not in ROLE_OF:
        assert project is None  # exactly as for a missing id
        return
    assert project["role"] == ROLE_OF[actor]
    assert project["owner"] == {"id": str(world.users["owner"].pk), "username": "olga", "name": "olga"}
    assert [(m["user"]["username"], m["role"]) for m in project["members"]["results"]] == [
        ("eddy", "EDITOR"),
        ("vera", "VIEWER"),
    ]
    # Every example of the project, the removed member's included, newest first.
    assert project["examples"]["totalCount"] == 3
    assert [e["title"] for e in project["examples"]["results"]] == ["remy's", "eddy's", "olga's"]
    assert {e["project"]["id"] for e in project["examples"]["results"]} == {str(world.project.pk)}


def test_project_by_id_anonymous(world):
    assert_unauthenticated(
        world.client("anonymous").run(
            "query($id: ID!) { project(id: $id) { id } }", {"id": str(world.project.pk)}
        )
    )


@pytest.mark.parametrize("junk", ["0", "-1", "abc", "99999999999999999999", "9223372036854775807"])
def test_a_missing_or_junk_project_id_is_null(world, junk):
    response = world.client("owner").run("query($id: ID!) { project(id: $id) { id } }", {"id": junk})
    assert response.errors is None
    assert response.data == {"project": None}


@pytest.mark.parametrize("actor", [*ACTORS, "anonymous"])
def test_projects_list_for_every_actor(world, actor):
    mine = Project.objects.create(owner=world.users["stranger"], name="Sam's")
    response = world.client(actor).run("{ projects { totalCount results { name role } } }")
    if actor == "anonymous":
        assert_unauthenticated(response)
        return
    assert response.errors is None
    expected = {
        "owner": [{"name": "Atlas", "role": "OWNER"}],
        "editor": [{"name": "Atlas", "role": "EDITOR"}],
        "viewer": [{"name": "Atlas", "role": "VIEWER"}],
        "removed": [],
        "stranger": [{"name": mine.name, "role": "OWNER"}],
    }[actor]
    assert response.data["projects"] == {"totalCount": len(expected), "results": expected}


def test_projects_are_paged_like_every_list(world):
    for number in range(3):
        Project.objects.create(owner=world.users["owner"], name=f"extra {number}")
    client = world.client("owner")
    page = client.run("{ projects(pagination: {limit: 2, offset: 1}) { totalCount results { name } } }")
    assert page.data["projects"] == {"totalCount": 4, "results": [{"name": "extra 1"}, {"name": "extra 0"}]}
    refused = client.run("{ projects(pagination: {limit: -1}) { totalCount } }")
    assert refused.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "pagination.limit"}
    nested = client.run("{ projects { results { examples(pagination: {offset: -1}) { totalCount } } } }")
    assert nested.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "pagination.offset"}


def test_example_project_is_null_for_an_author_removed_from_it(world):
    client = world.client("removed")
    example_id = str(world.examples["removed"].pk)
    one = client.run("query($id: ID!) { example(id: $id) { title project { id name } } }", {"id": example_id})
    assert one.data == {"example": {"title": "remy's", "project": None}}
    listed = client.run(
        "{ examples { results { title project { id name members { results { user { username } } } } } } }"
    )
    assert listed.data["examples"]["results"] == [{"title": "remy's", "project": None}]


def test_example_project_is_null_on_a_mutation_result_too(world):
    # A mutation returns the service's instance: the project is looked up lazily, through the policy.
    response = world.client("removed").run(
        f'mutation($id: ID!) {{ updateExample(data: {{id: $id, title: "still mine"}}) {{ {EXAMPLE_PAYLOAD} }} }}',
        {"id": str(world.examples["removed"].pk)},
    )
    assert response.data["updateExample"]["project"] is None
    assert response.data["updateExample"]["title"] == "still mine"


@pytest.mark.parametrize("actor", ["owner", "editor", "viewer"])
def test_members_see_each_others_examples_with_the_project(world, actor):
    response = world.client(actor).run(
        "{ examples { results { title owner { username } project { name } } } }"
    )
    by_title = {r["title"]: r for r in response.data["examples"]["results"]}
    assert {"olga's", "eddy's", "remy's"} <= set(by_title)
    assert by_title["remy's"] == {
        "title": "remy's",
        "owner": {"username": "remy"},
        "project": {"name": "Atlas"},
    }
    assert ("olga's private" in by_title) == (actor == "owner")


# Mutations: projects


def test_create_project_belongs_to_the_caller(world):
    response = world.client("stranger").run(
        f'mutation {{ createProject(data: {{name: "Mine", description: "d"}}) {{ {PROJECT_PAYLOAD} }} }}'
    )
    created = response.data["createProject"]
    assert created["__typename"] == "Project"
    assert (created["name"], created["role"], created["owner"]["username"]) == ("Mine", "OWNER", "sam")
    assert created["members"] == {"totalCount": 0, "results": []} and created["examples"]["totalCount"] == 0
    assert Project.objects.get(pk=created["id"]).owner == world.users["stranger"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "nul\x00"])
def test_create_project_refuses_a_bad_name(world, name):
    before = state()
    response = world.client("owner").run(
        f"mutation($name: String!) {{ createProject(data: {{name: $name}}) {{ {PROJECT_PAYLOAD} }} }}",
        {"name": name},
    )
    assert ("VALIDATION", "name") in kinds(response.data["createProject"])
    assert state() == before


UPDATE_PROJECT = f"""mutation($id: ID!) {{
  updateProject(data: {{id: $id, name: "Renamed"}}) {{ {PROJECT_PAYLOAD} }}
}}"""
DELETE_PROJECT = f"mutation($id: ID!) {{ deleteProject(id: $id) {{ {PROJECT_PAYLOAD} }} }}"
REFUSED = {
    "editor": [("PERMISSION", None)],
    "viewer": [("PERMISSION", None)],
    "removed": [("ERROR", None)],
    "stranger": [("ERROR", None)],
}


@pytest.mark.parametrize("actor", [*ACTORS, "anonymous"])
def test_update_project_for_every_actor(world, actor):
    before = state()
    response = world.client(actor).run(UPDATE_PROJECT, {"id": str(world.project.pk)})
    if actor == "anonymous":
        assert_unauthenticated(response)
    elif actor == "owner":
        assert response.data["updateProject"]["name"] == "Renamed"
        assert Project.objects.get().name == "Renamed"
        return
    else:
        assert kinds(response.data["updateProject"]) == REFUSED[actor]
        if actor in ("removed", "stranger"):
            assert messages(response.data["updateProject"]) == [NOT_FOUND]
    assert state() == before


@pytest.mark.parametrize("actor", [*ACTORS, "anonymous"])
def test_delete_project_for_every_actor(world, actor):
    before = state()
    response = world.client(actor).run(DELETE_PROJECT, {"id": str(world.project.pk)})
    if actor == "anonymous":
        assert_unauthenticated(response)
    elif actor == "owner":
        assert response.data["deleteProject"]["name"] == "Atlas"
        assert not Project.objects.exists() and not ProjectMembership.objects.exists()
        # Deleting a project deletes no example: they stay with their authors, in no project.
        assert ExampleModel.objects.count() == 4
        assert not ExampleModel.objects.filter(project__isnull=False).exists()
        return
    else:
        assert kinds(response.data["deleteProject"]) == REFUSED[actor]
    assert state() == before


def test_update_and_delete_of_a_missing_project_are_not_found(world):
    client = world.client("owner")
    for query, name in ((UPDATE_PROJECT, "updateProject"), (DELETE_PROJECT, "deleteProject")):
        for missing in (str(world.project.pk + 1000), "junk"):
            assert messages(client.run(query, {"id": missing}).data[name]) == [NOT_FOUND]


# Mutations: members

INVITE_PAYLOAD = """
  __typename
  ... on Invitation { id username role status }
  ... on OperationInfo { messages { kind field message code } }
"""
ADD_MEMBER = f"""mutation($id: ID!, $username: String!, $role: ProjectRole!) {{
  addProjectMember(data: {{projectId: $id, username: $username, role: $role}}) {{ {INVITE_PAYLOAD} }}
}}"""
UPDATE_MEMBER = f"""mutation($id: ID!, $username: String!, $role: ProjectRole!) {{
  updateProjectMember(data: {{projectId: $id, username: $username, role: $role}}) {{ {MEMBER_PAYLOAD} }}
}}"""
REMOVE_MEMBER = f"""mutation($id: ID!, $username: String!) {{
  removeProjectMember(projectId: $id, username: $username) {{ {MEMBER_PAYLOAD} }}
}}"""


@pytest.mark.parametrize("actor", [*ACTORS, "anonymous"])
def test_add_member_for_every_actor(world, actor):
    before = state()
    variables = {"id": str(world.project.pk), "username": "sam", "role": "VIEWER"}
    response = world.client(actor).run(ADD_MEMBER, variables)
    if actor == "anonymous":
        assert_unauthenticated(response)
    elif actor == "owner":
        invitation = Invitation.objects.get()
        assert response.data["addProjectMember"] == {
            "__typename": "Invitation",
            "id": str(invitation.pk),
            "username": "sam",
            "role": "VIEWER",
            "status": "pending",
        }
        # An invitation, not a membership: Sam sees no project until he accepts.
        assert not ProjectMembership.objects.filter(user=world.users["stranger"]).exists()
        sam = world.client("stranger")
        assert sam.run("{ projects { results { name role } } }").data["projects"]["results"] == []
        accepted = sam.run(
            "mutation($id: ID!) { acceptInvitation(id: $id) { __typename } }", {"id": str(invitation.pk)}
        )
        assert accepted.data["acceptInvitation"] == {"__typename": "Invitation"}
        seen = sam.run("{ projects { results { name role } } }")
        assert seen.data["projects"]["results"] == [{"name": "Atlas", "role": "VIEWER"}]
        return
    else:
        assert kinds(response.data["addProjectMember"]) == REFUSED[actor]
    assert state() == before


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("nobody-by-that-name", "VIEWER"),
        ("eddy", "VIEWER"),  # already a member
        ("olga", "EDITOR"),  # the owner
        ("sam", "VIEWER"),  # a user
    ],
)
def test_add_member_answers_the_same_for_any_username(world, username, role):
    response = world.client("owner").run(
        ADD_MEMBER, {"id": str(world.project.pk), "username": username, "role": role}
    )
    payload = response.data["addProjectMember"]
    assert payload == {
        "__typename": "Invitation",
        "id": payload["id"],
        "username": username,
        "role": role,
        "status": "pending",
    }
    assert ProjectMembership.objects.filter(project=world.project).count() == 2  # nobody added


def test_add_member_refuses_a_role_that_is_not_a_members(world):
    before = state()
    variables = {"id": str(world.project.pk), "username": "sam", "role": "OWNER"}
    response = world.client("owner").run(ADD_MEMBER, variables)
    assert kinds(response.data["addProjectMember"]) == [("VALIDATION", "role")]
    assert state() == before


@pytest.mark.parametrize("actor", [*ACTORS, "anonymous"])
def test_update_member_for_every_actor(world, actor):
    before = state()
    variables = {"id": str(world.project.pk), "username": "vera", "role": "EDITOR"}
    response = world.client(actor).run(UPDATE_MEMBER, variables)
    if actor == "anonymous":
        assert_unauthenticated(response)
    elif actor == "owner":
        assert response.data["updateProjectMember"]["role"] == "EDITOR"
        assert ProjectMembership.objects.get(user=world.users["viewer"]).role == ProjectRole.EDITOR
        return
    else:
        assert kinds(response.data["updateProjectMember"]) == REFUSED[actor]
    assert state() == before


def test_update_member_of_a_non_member_is_not_found(world):
    variables = {"id": str(world.project.pk), "username": "sam", "role": "EDITOR"}
    response = world.client("owner").run(UPDATE_MEMBER, variables)
    assert messages(response.data["updateProjectMember"]) == [NOT_FOUND]


@pytest.mark.parametrize("actor", [*ACTORS, "anonymous"])
def test_remove_member_for_every_actor(world, actor):
    before = state()
    response = world.client(actor).run(REMOVE_MEMBER, {"id": str(world.project.pk), "username": "vera"})
    if actor == "anonymous":
        assert_unauthenticated(response)
    elif actor in ("owner", "viewer"):  # the owner removes Vera, or Vera leaves
        assert response.data["removeProjectMember"]["user"] == {"username": "vera"}
        assert not ProjectMembership.objects.filter(user=world.users["viewer"]).exists()
        return
    else:
        assert kinds(response.data["removeProjectMember"]) == REFUSED[actor]
    assert state() == before


def test_a_member_may_leave_and_then_sees_nothing_of_the_project(world):
    client = world.client("viewer")
    response = client.run(REMOVE_MEMBER, {"id": str(world.project.pk), "username": "vera"})
    assert response.data["removeProjectMember"]["role"] == "VIEWER"
    assert client.run("{ projects { totalCount } }").data == {"projects": {"totalCount": 0}}
    assert client.run("{ examples { totalCount } }").data == {"examples": {"totalCount": 0}}


def test_the_owner_cannot_leave_their_own_project(world):
    before = state()
    response = world.client("owner").run(REMOVE_MEMBER, {"id": str(world.project.pk), "username": "olga"})
    assert kinds(response.data["removeProjectMember"]) == [("VALIDATION", "username")]
    assert state() == before


def test_a_member_cannot_remove_the_owner(world):
    response = world.client("editor").run(REMOVE_MEMBER, {"id": str(world.project.pk), "username": "olga"})
    assert kinds(response.data["removeProjectMember"]) == [("PERMISSION", None)]


# Examples into projects (projectId)

CREATE_IN = f"""mutation($project: ID) {{
  createExample(data: {{title: "new", projectId: $project}}) {{ {EXAMPLE_PAYLOAD} }}
}}"""
MOVE = f"""mutation($id: ID!, $project: ID) {{
  updateExample(data: {{id: $id, projectId: $project}}) {{ {EXAMPLE_PAYLOAD} }}
}}"""


@pytest.mark.parametrize("actor", ACTORS)
def test_create_example_in_a_project_needs_the_right_to_add(world, actor):
    before = state()
    response = world.client(actor).run(CREATE_IN, {"project": str(world.project.pk)})
    payload = response.data["createExample"]
    if actor in ("owner", "editor"):
        assert payload["project"] == {"id": str(world.project.pk), "name": "Atlas", "role": ROLE_OF[actor]}
        assert ExampleModel.objects.get(pk=payload["id"]).project == world.project
        return
    # A viewer, a removed member and a stranger get the same answer as for a missing project.
    assert kinds(payload) == [("VALIDATION", "projectId")]
    assert state() == before
    missing = world.client(actor).run(CREATE_IN, {"project": str(world.project.pk + 1000)})
    assert missing.data["createExample"]["messages"] == payload["messages"]


def test_create_example_without_a_project(world):
    response = world.client("viewer").run(CREATE_IN, {"project": None})
    assert response.data["createExample"]["project"] is None


def test_update_example_moves_it_out_of_and_into_a_project(world):
    client = world.client("editor")
    example_id = str(world.examples["editor"].pk)
    out = client.run(MOVE, {"id": example_id, "project": None})
    assert out.data["updateExample"]["project"] is None
    assert ExampleModel.objects.get(pk=example_id).project is None
    back = client.run(MOVE, {"id": example_id, "project": str(world.project.pk)})
    assert back.data["updateExample"]["project"]["name"] == "Atlas"
    # Omitting projectId keeps it.
    kept = client.run(
        f'mutation($id: ID!) {{ updateExample(data: {{id: $id, title: "t"}}) {{ {EXAMPLE_PAYLOAD} }} }}',
        {"id": example_id},
    )
    assert kept.data["updateExample"]["project"]["name"] == "Atlas"


def test_update_example_into_a_project_one_cannot_add_to_is_refused_on_project_id(world):
    mine = ExampleFactory(user=world.users["viewer"], title="vera's")
    before = state()
    response = world.client("viewer").run(MOVE, {"id": str(mine.pk), "project": str(world.project.pk)})
    assert kinds(response.data["updateExample"]) == [("VALIDATION", "projectId")]
    assert state() == before


@pytest.mark.parametrize(("actor", "expected"), [("editor", "Example"), ("viewer", "PERMISSION")])
def test_members_change_project_examples_by_role(world, actor, expected):
    response = world.client(actor).run(
        f'mutation($id: ID!) {{ updateExample(data: {{id: $id, title: "edited"}}) {{ {EXAMPLE_PAYLOAD} }} }}',
        {"id": str(world.examples["owner"].pk)},
    )
    payload = response.data["updateExample"]
    if expected == "Example":
        assert payload["title"] == "edited"
    else:
        assert kinds(payload) == [("PERMISSION", None)]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (ADD_MEMBER, {"username": "sam\x00", "role": "VIEWER"}),
        (UPDATE_MEMBER, {"username": "vera\x00", "role": "EDITOR"}),
        (REMOVE_MEMBER, {"username": "vera\x00"}),
    ],
    ids=["add", "update", "remove"],
)
def test_a_username_with_nul_is_bad_user_input_not_a_database_error(world, query, variables):
    before = state()
    response = world.client("owner").run(query, {"id": str(world.project.pk), **variables})
    assert response.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert state() == before

"""`/api/v1/projects/` and `/members/`: every route for every actor, as the policy table says.

Actors: the project's owner, an editor, a viewer, a removed member (was an
editor), a stranger and an anonymous caller. Each write is checked against the
whole database (``database_state``): a refused call changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from api import services
from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from authentication.models import Profile

from ..factories import ExampleFactory, UserFactory
from ..helpers import client_with_token, database_state

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"
NOT_FOUND = {"detail": "Not found."}
ACTORS = ("owner", "editor", "viewer", "removed", "stranger", "anonymous")


def project_url(project_id: object) -> str:
    return f"{PROJECTS}{project_id}/"


def members_url(project_id: object) -> str:
    return f"{PROJECTS}{project_id}/members/"


def member_url(project_id: object, user_id: object) -> str:
    return f"{PROJECTS}{project_id}/members/{user_id}/"


@dataclass
class Team:
    owner: User
    editor: User
    viewer: User
    removed: User
    stranger: User
    newcomer: User
    project: Project
    example: ExampleModel  # the editor's, in the project

    def user(self, actor: str) -> User | None:
        return None if actor == "anonymous" else getattr(self, actor)

    def client(self, actor: str) -> APIClient:
        user = self.user(actor)
        return APIClient() if user is None else client_with_token(user)

    def emails(self) -> list[str]:
        return [
            u.email
            for u in (self.owner, self.editor, self.viewer, self.removed, self.stranger, self.newcomer)
        ]


def _person(name: str) -> User:
    user = UserFactory(username=name, email=f"{name}.private@example.com", first_name=name.title())
    Profile.objects.filter(user=user).update(display_name=f"{name.title()} D.", bio=f"{name}-private-bio")
    return user


@pytest.fixture
def team(db) -> Team:
    owner, editor, viewer, removed, stranger, newcomer = (
        _person(name) for name in ("olga", "eddie", "vera", "remy", "stan", "nina")
    )
    project = Project.objects.create(owner=owner, name="Moon base", description="Plans")
    ProjectMembership.objects.create(project=project, user=editor, role=ProjectRole.EDITOR)
    ProjectMembership.objects.create(project=project, user=viewer, role=ProjectRole.VIEWER)
    ProjectMembership.objects.create(project=project, user=removed, role=ProjectRole.EDITOR)
    example = ExampleFactory(user=editor, project=project, title="Airlock", content="Check seals")
    services.member_remove(user=owner, project_id=project.pk, user_id=removed.pk)
    return Team(owner, editor, viewer, removed, stranger, newcomer, project, example)


def send(client: APIClient, method: str, url: str, body: dict | None = None):
    if body is None:
        return client.generic(method, url)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


# The table: (method, url, body, {actor: status}); "anonymous" is always 401.


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[Team], str]
    statuses: dict[str, int]
    body: Callable[[Team], dict] | None = None


SEES = {"owner": 200, "editor": 200, "viewer": 200, "removed": 404, "stranger": 404}
OWNER_ONLY = {"owner": 200, "editor": 403, "viewer": 403, "removed": 404, "stranger": 404}

CASES = [
    Case("list projects", "GET", lambda t: PROJECTS, dict.fromkeys(SEES, 200)),
    Case(
        "create a project", "POST", lambda t: PROJECTS, dict.fromkeys(SEES, 201), lambda t: {"name": "Mine"}
    ),
    Case("read the project", "GET", lambda t: project_url(t.project.pk), SEES),
    Case(
        "replace the project", "PUT", lambda t: project_url(t.project.pk), OWNER_ONLY, lambda t: {"name": "X"}
    ),
    Case(
        "rename the project",
        "PATCH",
        lambda t: project_url(t.project.pk),
        OWNER_ONLY,
        lambda t: {"name": "X"},
    ),
    Case(
        "delete the project",
        "DELETE",
        lambda t: project_url(t.project.pk),
        {**OWNER_ONLY, "owner": 204},
    ),
    Case("list members", "GET", lambda t: members_url(t.project.pk), SEES),
    Case(
        "invite a member",
        "POST",
        lambda t: members_url(t.project.pk),
        {**OWNER_ONLY, "owner": 202},
        lambda t: {"username": t.newcomer.username, "role": "viewer"},
    ),
    Case(
        "change a member's role",
        "PATCH",
        lambda t: member_url(t.project.pk, t.editor.pk),
        OWNER_ONLY,
        lambda t: {"role": "viewer"},
    ),
    Case(
        "remove the viewer",
        "DELETE",
        lambda t: member_url(t.project.pk, t.viewer.pk),
        # The viewer may remove themself; the editor may not remove anyone else.
        {"owner": 204, "editor": 403, "viewer": 204, "removed": 404, "stranger": 404},
    ),
    Case(
        "remove the editor",
        "DELETE",
        lambda t: member_url(t.project.pk, t.editor.pk),
        {"owner": 204, "editor": 204, "viewer": 403, "removed": 404, "stranger": 404},
    ),
    Case(
        "remove the owner",
        "DELETE",
        lambda t: member_url(t.project.pk, t.owner.pk),
        {"owner": 400, "editor": 403, "viewer": 403, "removed": 404, "stranger": 404},
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_route_answers_every_actor_as_the_policy_says(team, case, actor):
    before = database_state()
    body = case.body(team) if case.body else None

    response = send(team.client(actor), case.method, case.url(team), body)

    expected = 401 if actor == "anonymous" else case.statuses[actor]
    assert response.status_code == expected, (actor, response.content[:300])
    if expected == 404:
        assert response.json() == NOT_FOUND
    if expected == 403:
        assert list(response.json()) == ["detail"] and response.json()["detail"].startswith("You may not")
    if expected >= 400:
        assert database_state() == before, "a refused call changed the database"
    if response.status_code != 204:
        leaked = [email for email in team.emails() if email in response.content.decode()]
        assert leaked == [], (actor, response.content[:300])


@pytest.mark.parametrize("actor", ["removed", "stranger"])
@pytest.mark.parametrize("case", CASES[2:], ids=lambda case: case.name)
def test_an_invisible_project_answers_exactly_as_a_missing_one(team, case, actor):
    """Same status and body for the project id and for an id that never existed."""
    missing = Project.objects.order_by("-pk").first().pk + 1000
    body = case.body(team) if case.body else None
    client = team.client(actor)

    seen = send(client, case.method, case.url(team), body)
    absent = send(client, case.method, case.url(team).replace(f"/{team.project.pk}/", f"/{missing}/"), body)

    assert (seen.status_code, seen.json()) == (absent.status_code, absent.json()) == (404, NOT_FOUND)


def test_a_refused_write_is_refused_before_its_body_is_read(team):
    """A viewer gets 403 whatever the body holds; a stranger 404."""
    junk = {"name": "", "description": 5}

    assert send(team.client("viewer"), "PATCH", project_url(team.project.pk), junk).status_code == 403
    assert send(team.client("stranger"), "PATCH", project_url(team.project.pk), junk).status_code == 404
    bad_member = {"username": 7, "role": "boss"}
    assert send(team.client("editor"), "POST", members_url(team.project.pk), bad_member).status_code == 403
    assert send(team.client("owner"), "POST", members_url(team.project.pk), bad_member).status_code == 400


# Bodies


def public(user: User) -> dict:
    return {"id": user.pk, "username": user.username, "name": f"{user.username.title()} D."}


@pytest.mark.parametrize(("actor", "role"), [("owner", "owner"), ("editor", "editor"), ("viewer", "viewer")])
def test_project_body_shows_the_owner_as_a_public_user_and_the_callers_role(team, actor, role):
    body = team.client(actor).get(project_url(team.project.pk)).json()

    assert body == {
        "id": team.project.pk,
        "name": "Moon base",
        "description": "Plans",
        "owner": public(team.owner),
        "role": role,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    listed = team.client(actor).get(PROJECTS).json()
    assert listed["count"] == 1 and listed["results"] == [body]


def test_create_makes_the_caller_the_owner_and_ignores_owner_role_and_id(team):
    response = team.client("stranger").post(
        PROJECTS,
        {
            "name": "Stan's",
            "description": "d",
            "owner": team.owner.pk,
            "role": "viewer",
            "id": team.project.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["owner"], body["role"], body["name"], body["description"]) == (
        public(team.stranger),
        "owner",
        "Stan's",
        "d",
    )
    assert Project.objects.get(pk=body["id"]).owner == team.stranger
    assert body["id"] != team.project.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": 5}, "name"),
        ({"name": "ok", "description": "d" * 2001}, "description"),
        ({"name": "ok", "description": None}, "description"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_bad_project_bodies_are_field_errors_and_change_nothing(team, body, field):
    before = database_state()

    response = team.client("owner").post(PROJECTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert database_state() == before


def test_owner_updates_and_deletes_and_the_examples_stay_with_their_authors(team):
    client = team.client("owner")

    patched = client.patch(project_url(team.project.pk), {"description": "New plans"}, format="json")
    assert patched.status_code == 200 and patched.json()["description"] == "New plans"
    assert patched.json()["name"] == "Moon base"
    put = client.put(project_url(team.project.pk), {"name": "Mars base"}, format="json")
    assert put.status_code == 200 and put.json()["name"] == "Mars base"

    assert client.delete(project_url(team.project.pk)).status_code == 204
    assert not Project.objects.filter(pk=team.project.pk).exists()
    assert not ProjectMembership.objects.filter(project_id=team.project.pk).exists()
    team.example.refresh_from_db()
    assert (team.example.user, team.example.project) == (team.editor, None)


def test_member_list_and_add_and_change(team):
    client = team.client("owner")
    listed = client.get(members_url(team.project.pk))

    assert listed.status_code == 200
    results = listed.json()["results"]
    assert listed.json()["count"] == 2
    assert results == [
        {"user": public(team.editor), "role": "editor", "added_at": results[0]["added_at"]},
        {"user": public(team.viewer), "role": "viewer", "added_at": results[1]["added_at"]},
    ]

    invited = client.post(members_url(team.project.pk), {"username": "NINA", "role": "editor"}, format="json")
    assert invited.status_code == 202
    assert not ProjectMembership.objects.filter(project=team.project, user=team.newcomer).exists()
    accepted = team.client("newcomer").post(f"/api/v1/invitations/{invited.json()['id']}/accept/")
    assert accepted.status_code == 200, accepted.content

    changed = client.patch(member_url(team.project.pk, team.newcomer.pk), {"role": "viewer"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "viewer"
    assert ProjectMembership.objects.get(project=team.project, user=team.newcomer).role == "viewer"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "", "role": "viewer"}, "username"),
        ({"username": "nina", "role": "owner"}, "role"),
        ({"username": "nina"}, "role"),
        ({"role": "viewer"}, "username"),
        ({"username": ["nina"], "role": "viewer"}, "username"),
    ],
)
def test_bad_member_bodies_are_field_errors_and_change_nothing(team, body, field):
    before = database_state()

    response = team.client("owner").post(members_url(team.project.pk), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert database_state() == before


def test_member_routes_for_a_non_member_or_junk_user_id_are_404(team):
    client = team.client("owner")

    for user_id in (team.stranger.pk, team.removed.pk, 10**6):
        assert (
            client.patch(member_url(team.project.pk, user_id), {"role": "viewer"}, format="json").status_code
            == 404
        )
        assert client.delete(member_url(team.project.pk, user_id)).status_code == 404
    assert (
        client.patch(member_url(team.project.pk, team.editor.pk), {"role": "boss"}, format="json").status_code
        == 400
    )
    assert client.get(f"{PROJECTS}abc/members/").status_code == 404
    assert client.get(f"{PROJECTS}{10**25}/members/").status_code == 404


def test_the_owner_cannot_leave_their_own_project(team):
    response = team.client("owner").delete(member_url(team.project.pk, team.owner.pk))

    assert response.status_code == 400
    assert list(response.json()) == ["user"]


# Examples in projects


def test_members_see_the_projects_examples_with_the_author_as_a_public_user(team):
    for actor in ("owner", "editor", "viewer"):
        body = team.client(actor).get("/api/v1/examples/").json()
        assert [row["id"] for row in body["results"]] == [team.example.pk], actor
        row = body["results"][0]
        assert row["owner"] == public(team.editor)
        assert row["project"] == team.project.pk
        for email in team.emails():
            assert email not in json.dumps(body)
    for actor in ("removed", "stranger"):
        assert team.client(actor).get("/api/v1/examples/").json()["count"] == 0


@pytest.mark.parametrize(
    ("actor", "status"),
    [("owner", 201), ("editor", 201), ("viewer", 400), ("removed", 400), ("stranger", 400)],
)
def test_putting_an_example_into_a_project_needs_the_right_to_add_to_it(team, actor, status):
    before = database_state()

    response = team.client(actor).post(
        "/api/v1/examples/", {"title": "t", "project": team.project.pk}, format="json"
    )

    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["project"] == team.project.pk
        assert response.json()["owner"] == public(team.user(actor))
    else:
        assert response.json() == {"project": [services.INVALID_PROJECT]}
        assert database_state() == before


@pytest.mark.parametrize("project", [10**6, 0, -1, "abc", "7x", 2**70, " ", str(10**30)])
def test_a_missing_or_junk_project_gets_the_same_400_as_a_forbidden_one(team, project):
    response = team.client("owner").post(
        "/api/v1/examples/", {"title": "t", "project": project}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"project": [services.INVALID_PROJECT]}


@pytest.mark.parametrize("project", [True, [1], {"id": 1}, 1.5])
def test_a_project_of_the_wrong_type_is_a_400(team, project):
    response = team.client("owner").post(
        "/api/v1/examples/", {"title": "t", "project": project}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["project"]


def test_moving_examples_between_projects_and_out(team):
    other = Project.objects.create(owner=team.editor, name="Eddie's")
    client = team.client("editor")
    url = f"/api/v1/examples/{team.example.pk}/"

    assert client.patch(url, {"project": other.pk}, format="json").json()["project"] == other.pk
    assert client.patch(url, {"project": None}, format="json").json()["project"] is None
    assert client.patch(url, {"project": team.project.pk}, format="json").json()["project"] == team.project.pk
    # A viewer may not move someone else's example, nor change it at all: 403, and nothing changes.
    before = database_state()
    assert team.client("viewer").patch(url, {"project": None}, format="json").status_code == 403
    assert team.client("viewer").delete(url).status_code == 403
    assert team.client("editor").patch(url, {"title": "ok"}, format="json").status_code == 200
    assert team.client("removed").get(url).status_code == 404
    team.example.refresh_from_db()
    assert team.example.project_id == team.project.pk
    assert database_state() != before  # the editor's title change only
    viewers = f"/api/v1/examples/{ExampleFactory(user=team.viewer, project=team.project).pk}/"
    assert (
        team.client("editor").delete(viewers).status_code == 403
    )  # delete: the author or the project's owner
    assert team.client("owner").delete(viewers).status_code == 204


def test_a_write_that_leaves_the_example_out_of_sight_still_answers_200(team):
    """The project's owner takes the editor's example out of the project: they no longer see it."""
    url = f"/api/v1/examples/{team.example.pk}/"

    response = team.client("owner").patch(url, {"project": None}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["project"], response.json()["owner"]) == (None, public(team.editor))
    team.example.refresh_from_db()
    assert team.example.project_id is None
    assert team.client("owner").get(url).status_code == 404


def test_duplicate_keeps_the_project_only_for_those_who_may_add_to_it(team):
    url = f"/api/v1/examples/{team.example.pk}/duplicate/"

    by_editor = team.client("editor").post(url).json()
    by_viewer = team.client("viewer").post(url).json()

    assert (by_editor["project"], by_editor["owner"]) == (team.project.pk, public(team.editor))
    assert (by_viewer["project"], by_viewer["owner"]) == (None, public(team.viewer))
    assert team.client("removed").post(url).status_code == 404


def test_project_filter(team):
    ExampleFactory(user=team.viewer, title="Viewer's own")
    client = team.client("viewer")

    assert [
        r["id"] for r in client.get("/api/v1/examples/", {"project": team.project.pk}).json()["results"]
    ] == [team.example.pk]
    assert client.get("/api/v1/examples/").json()["count"] == 2
    # The author removed from the project: their own example no longer filters by it.
    removed_authors = ExampleFactory(user=team.removed, project=team.project)
    mine = team.client("removed").get("/api/v1/examples/").json()
    # The removed author still sees their example, not the project it is in (null, as on GraphQL).
    assert [(row["id"], row["project"]) for row in mine["results"]] == [(removed_authors.pk, None)]
    assert team.client("removed").get(f"/api/v1/examples/{removed_authors.pk}/").json()["project"] is None
    assert client.get(f"/api/v1/examples/{removed_authors.pk}/").json()["project"] == team.project.pk
    assert team.client("removed").get("/api/v1/examples/", {"project": team.project.pk}).json()["count"] == 0
    assert team.client("stranger").get("/api/v1/examples/", {"project": team.project.pk}).json()["count"] == 0
    assert client.get("/api/v1/examples/", {"project": ""}).json()["count"] == 3


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", str(2**63), "1e3", "٣"])
def test_a_junk_project_filter_is_a_400(team, value):
    response = team.client("viewer").get("/api/v1/examples/", {"project": value})

    assert response.status_code == 400
    assert response.json() == {"project": ["Enter a valid id (a positive integer)."]}


# Query counts: the token, the count and the page, whatever the number of rows.


def _projects_for(user: User, count: int) -> None:
    for n in range(count):
        owner = _person(f"owner{n}-{user.username}")
        project = Project.objects.create(owner=owner, name=f"p{n}")
        ProjectMembership.objects.create(project=project, user=user, role=ProjectRole.VIEWER)


@pytest.mark.parametrize("rows", [1, 20])
def test_the_project_list_costs_three_queries(team, django_assert_num_queries, rows):
    _projects_for(team.stranger, rows)
    client = team.client("stranger")

    with django_assert_num_queries(3):
        body = client.get(PROJECTS).json()

    assert len(body["results"]) == rows
    assert {row["role"] for row in body["results"]} == {"viewer"}


@pytest.mark.parametrize("rows", [1, 20])
def test_the_member_list_costs_four_queries(team, django_assert_num_queries, rows):
    project = Project.objects.create(owner=team.stranger, name="Big")
    for n in range(rows):
        ProjectMembership.objects.create(project=project, user=_person(f"m{n}"), role=ProjectRole.EDITOR)
    client = team.client("stranger")

    with django_assert_num_queries(4):  # the token, the project's visibility, the count, the page
        body = client.get(members_url(project.pk)).json()

    assert len(body["results"]) == rows and body["count"] == rows


@pytest.mark.parametrize("rows", [20, 100])
def test_the_example_list_with_many_authors_costs_three_queries(team, django_assert_num_queries, rows):
    authors = [_person(f"a{n}") for n in range(5)]
    for author in authors:
        ProjectMembership.objects.create(project=team.project, user=author, role=ProjectRole.EDITOR)
    ExampleModel.objects.bulk_create(
        ExampleModel(user=authors[n % 5], project=team.project, title=f"t{n}") for n in range(rows)
    )
    client = team.client("viewer")

    with django_assert_num_queries(3):
        body = client.get("/api/v1/examples/", {"limit": rows}).json()

    assert len(body["results"]) == rows
    assert {row["owner"]["name"] for row in body["results"]} == {f"A{n} D." for n in range(5)}

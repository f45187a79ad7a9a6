"""Invitations on REST and GraphQL: consent to membership, and no directory of users.

Olga owns "Atlas", Eddy edits it. Nina has an account and no project; Sam
has one too. Inviting answers the same for any username and adds nobody;
only the invitee's own acceptance makes them a member.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ExampleModel, Invitation, Project, ProjectMembership, ProjectRole

from ..factories import ExampleFactory, UserFactory, token_for
from ..graphql.conftest import GraphQLClient
from ..helpers import client_with_token, database_state

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found."}
INVITE_KEYS = {"id", "username", "role", "status", "created_at", "expires_at"}


@dataclass
class Team:
    owner: User
    editor: User
    nina: User
    sam: User
    project: Project

    def rest(self, user: User) -> APIClient:
        return client_with_token(user)

    def gql(self, user: User) -> GraphQLClient:
        return GraphQLClient(token_for(user))

    def invite(self, username: str, role: str = "editor"):
        return self.rest(self.owner).post(
            members_url(self.project.pk), {"username": username, "role": role}, format="json"
        )


def members_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/members/"


def project_invitations_url(project_id: int) -> str:
    return f"/api/v1/invitations/?project={project_id}"


def invitation_url(invitation_id: int) -> str:
    return f"/api/v1/invitations/{invitation_id}/"


@pytest.fixture
def team(db) -> Team:
    owner = UserFactory(username="olga", first_name="Olga", last_name="Owner")
    editor = UserFactory(username="eddie")
    nina = UserFactory(username="nina", first_name="Nina", last_name="Secret-Surname")
    sam = UserFactory(username="sam")
    project = Project.objects.create(owner=owner, name="Atlas")
    ProjectMembership.objects.create(project=project, user=editor, role=ProjectRole.EDITOR)
    ExampleFactory(user=owner, project=project, title="in Atlas")
    return Team(owner, editor, nina, sam, project)


# The answer never tells whether a username exists


@pytest.mark.parametrize("username", ["nina", "NINA", "nobody-by-that-name", "olga", "eddie"])
def test_inviting_answers_202_with_the_same_shape_for_any_username_and_adds_nobody(team, username):
    memberships = list(ProjectMembership.objects.values_list())

    response = team.invite(username)

    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == INVITE_KEYS
    assert (body["username"], body["role"], body["status"]) == (username, "editor", "pending")
    assert "Secret-Surname" not in response.content.decode()
    assert list(ProjectMembership.objects.values_list()) == memberships


def test_a_known_and_an_unknown_username_run_the_same_queries(team):
    token_for(team.owner)  # the client's token exists before either call

    def statements(username: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert team.invite(username).status_code == 202
        # The statements without their values (and savepoint names): what ran, not with what.
        return [
            re.sub(r"'[^']*'|\bNULL\b|\b\d+\b|\"s\d+_x\d+\"", "?", query["sql"])
            for query in queries.captured_queries
        ]

    # Inviting a user and inviting nobody run the very same statements.
    assert statements("nina") == statements("nobody-by-that-name")


def test_inviting_again_renews_the_invitation_with_the_same_answer(team):
    first = team.invite("nina", "viewer").json()
    again = team.invite("Nina", "editor").json()

    assert again["id"] == first["id"]
    assert (again["username"], again["role"]) == ("Nina", "editor")
    assert Invitation.objects.count() == 1


def test_graphql_add_project_member_answers_the_invitation_for_any_username(team):
    query = """mutation($id: ID!, $username: String!) {
      addProjectMember(data: {projectId: $id, username: $username, role: VIEWER}) {
        __typename ... on Invitation { username role status invitedBy { username } project { name } }
      }
    }"""
    answers = [
        team.gql(team.owner)
        .run(query, {"id": str(team.project.pk), "username": name})
        .data["addProjectMember"]
        for name in ("nina", "nobody-by-that-name")
    ]
    assert [{k: v for k, v in a.items() if k != "username"} for a in answers] == [
        {
            "__typename": "Invitation",
            "role": "VIEWER",
            "status": "pending",
            "invitedBy": {"username": "olga"},
            "project": {"name": "Atlas"},
        }
    ] * 2
    assert not ProjectMembership.objects.filter(user=team.nina).exists()


# The invitee: invisible until accepted, then a member


def test_the_project_stays_invisible_to_the_invitee_until_they_accept(team):
    invitation_id = team.invite("nina", "viewer").json()["id"]
    nina = team.rest(team.nina)

    assert nina.get(f"/api/v1/projects/{team.project.pk}/").json() == NOT_FOUND
    assert nina.get("/api/v1/projects/").json()["count"] == 0
    assert nina.get(members_url(team.project.pk)).json() == NOT_FOUND
    assert nina.get("/api/v1/examples/").json()["count"] == 0
    assert team.gql(team.nina).run("{ projects { totalCount } }").data == {"projects": {"totalCount": 0}}

    listed = nina.get("/api/v1/invitations/").json()
    assert listed["count"] == 1
    assert listed["results"] == [
        {
            "id": invitation_id,
            "project": {"id": team.project.pk, "name": "Atlas"},
            "username": "nina",
            "role": "viewer",
            "status": "pending",
            "invited_by": {"id": team.owner.pk, "username": "olga", "name": "Olga Owner"},
            "created_at": listed["results"][0]["created_at"],
            "expires_at": listed["results"][0]["expires_at"],
        }
    ]

    accepted = nina.post(f"/api/v1/invitations/{invitation_id}/accept/")
    assert accepted.status_code == 200, accepted.content
    assert ProjectMembership.objects.get(project=team.project, user=team.nina).role == "viewer"
    assert nina.get(f"/api/v1/projects/{team.project.pk}/").json()["role"] == "viewer"
    assert nina.get("/api/v1/examples/").json()["count"] == 1
    assert nina.get("/api/v1/invitations/").json()["count"] == 0


def test_graphql_invitee_lists_and_accepts(team):
    team.invite("nina", "editor")
    nina = team.gql(team.nina)
    listed = nina.run("{ invitations { totalCount results { id role project { id name } } } }").data
    assert listed["invitations"]["totalCount"] == 1
    item = listed["invitations"]["results"][0]
    assert item["project"] == {"id": str(team.project.pk), "name": "Atlas"}
    assert nina.run("query($id: ID!) { project(id: $id) { id } }", {"id": str(team.project.pk)}).data == {
        "project": None
    }

    accepted = nina.run(
        "mutation($id: ID!) { acceptInvitation(id: $id) { __typename ... on Invitation { role } } }",
        {"id": item["id"]},
    )
    assert accepted.data == {"acceptInvitation": {"__typename": "Invitation", "role": "EDITOR"}}
    seen = nina.run("query($id: ID!) { project(id: $id) { role } }", {"id": str(team.project.pk)})
    assert seen.data == {"project": {"role": "EDITOR"}}


@pytest.mark.parametrize("surface", ["rest", "graphql"])
def test_declining_removes_the_invitation_and_adds_nobody(team, surface):
    invitation_id = team.invite("nina").json()["id"]
    if surface == "rest":
        assert team.rest(team.nina).post(f"/api/v1/invitations/{invitation_id}/decline/").status_code == 200
    else:
        answer = team.gql(team.nina).run(
            "mutation($id: ID!) { declineInvitation(id: $id) { __typename } }", {"id": str(invitation_id)}
        )
        assert answer.data == {"declineInvitation": {"__typename": "Invitation"}}
    assert not Invitation.objects.exists()
    assert not ProjectMembership.objects.filter(user=team.nina).exists()


def test_only_the_invitee_may_accept_or_decline(team):
    invitation_id = team.invite("nina").json()["id"]
    before = database_state()
    for action in ("accept", "decline"):
        url = f"/api/v1/invitations/{invitation_id}/{action}/"
        # The owner sees it (to cancel it) but may not answer it; anyone else does not see it.
        assert team.rest(team.owner).post(url).status_code == 403
        assert team.rest(team.sam).post(url).json() == NOT_FOUND
        assert team.rest(team.editor).post(url).json() == NOT_FOUND
    assert database_state() == before


def test_an_invitation_to_an_unknown_name_can_never_be_accepted(team):
    invitation_id = team.invite("later-user").json()["id"]
    # Someone who takes the name afterwards does not get the invitation.
    later = UserFactory(username="later-user")
    client = team.rest(later)
    assert client.get("/api/v1/invitations/").json()["count"] == 0
    assert client.post(f"/api/v1/invitations/{invitation_id}/accept/").json() == NOT_FOUND
    assert not ProjectMembership.objects.filter(user=later).exists()


def test_an_expired_invitation_cannot_be_seen_or_accepted_by_the_invitee(team, settings):
    invitation_id = team.invite("nina").json()["id"]
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    nina = team.rest(team.nina)

    assert nina.get("/api/v1/invitations/").json()["count"] == 0
    assert nina.post(f"/api/v1/invitations/{invitation_id}/accept/").json() == NOT_FOUND
    assert not ProjectMembership.objects.filter(user=team.nina).exists()
    # The owner still sees it, to cancel it or invite again (which renews it).
    assert team.rest(team.owner).get(project_invitations_url(team.project.pk)).json()["count"] == 1


def test_an_invitation_expires_after_the_configured_days(team, settings):
    settings.INVITATION_TTL_DAYS = 3
    body = team.invite("nina").json()
    expires = dt.datetime.fromisoformat(body["expires_at"])
    created = dt.datetime.fromisoformat(body["created_at"])
    assert dt.timedelta(days=3) - (expires - created) < dt.timedelta(seconds=5)


# The owner: lists the project's invitations (as typed) and cancels them


def test_the_owner_lists_pending_invitations_as_typed_and_cancels_one(team):
    nina_id = team.invite("NINA").json()["id"]
    team.invite("nobody-by-that-name")
    owner = team.rest(team.owner)

    listed = owner.get(project_invitations_url(team.project.pk)).json()
    assert listed["count"] == 2
    assert [(item["username"], item["project"]["name"]) for item in listed["results"]] == [
        ("nobody-by-that-name", "Atlas"),
        ("NINA", "Atlas"),
    ]
    assert "Secret-Surname" not in str(listed)
    # A member of the project sees none of them.
    assert team.rest(team.editor).get(project_invitations_url(team.project.pk)).json()["count"] == 0
    assert team.rest(team.owner).get("/api/v1/invitations/?project=junk").status_code == 400

    url = invitation_url(nina_id)
    assert team.rest(team.editor).delete(url).json() == NOT_FOUND
    assert team.rest(team.nina).delete(url).status_code == 403  # the invitee declines instead
    assert owner.delete(url).status_code == 204
    assert list(Invitation.objects.values_list("username", flat=True)) == ["nobody-by-that-name"]
    assert team.rest(team.nina).get("/api/v1/invitations/").json()["count"] == 0


def test_graphql_owner_sees_the_projects_invitations_and_cancels(team):
    invitation_id = team.invite("nina").json()["id"]
    owner = team.gql(team.owner)
    query = "query($id: ID!) { project(id: $id) { invitations { totalCount results { id username } } } }"
    seen = owner.run(query, {"id": str(team.project.pk)}).data["project"]["invitations"]
    assert seen == {"totalCount": 1, "results": [{"id": str(invitation_id), "username": "nina"}]}
    by_member = team.gql(team.editor).run(query, {"id": str(team.project.pk)}).data
    assert by_member["project"]["invitations"] == {"totalCount": 0, "results": []}

    cancel = "mutation($id: ID!) { cancelInvitation(id: $id) { __typename } }"
    refused = team.gql(team.nina).run(cancel, {"id": str(invitation_id)})
    assert refused.data["cancelInvitation"]["__typename"] == "OperationInfo"
    done = owner.run(cancel, {"id": str(invitation_id)})
    assert done.data == {"cancelInvitation": {"__typename": "Invitation"}}
    assert not Invitation.objects.exists()


# The rate


def test_invitations_past_the_rate_are_429_and_graphql_shares_the_budget(team, settings):
    from prometheus_client import REGISTRY

    def refusals(surface: str) -> float:
        labels = {"surface": surface, "route": "graphql/"}
        return REGISTRY.get_sample_value("http_throttled_total", labels) or 0.0

    settings.INVITATION_THROTTLE_RATE = "2/hour"
    graphql_before = refusals("graphql")
    assert team.invite("nina").status_code == 202
    assert team.invite("someone-else").status_code == 202

    refused = team.invite("nobody-by-that-name")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    query = """mutation($id: ID!) {
      addProjectMember(data: {projectId: $id, username: "sam", role: VIEWER}) {
        __typename ... on OperationInfo { messages { kind code } }
      }
    }"""
    answer = team.gql(team.owner).run(query, {"id": str(team.project.pk)}).data["addProjectMember"]
    assert answer == {"__typename": "OperationInfo", "messages": [{"kind": "ERROR", "code": "RATE_LIMITED"}]}
    # A RATE_LIMITED answer (HTTP 200) is a throttle refusal in the metrics too.
    assert refusals("graphql") == graphql_before + 1
    assert Invitation.objects.count() == 2
    # Cancelling gives no probe back: the count is of invitations made.
    Invitation.objects.all().delete()
    assert team.invite("nina").status_code == 429


# Member lists are paged like every list


def test_member_lists_are_paged_on_both_surfaces(team):
    for n in range(3):
        ProjectMembership.objects.create(
            project=team.project, user=UserFactory(username=f"m{n}"), role=ProjectRole.VIEWER
        )
    page = team.rest(team.owner).get(members_url(team.project.pk), {"limit": 2, "offset": 1}).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"] and page["previous"]
    assert team.rest(team.owner).get(members_url(team.project.pk), {"limit": 0}).status_code == 400

    query = "query($id: ID!) { project(id: $id) { members(pagination: {limit: 2}) { totalCount results { role } } } }"
    members = team.gql(team.owner).run(query, {"id": str(team.project.pk)}).data["project"]["members"]
    assert members["totalCount"] == 4 and len(members["results"]) == 2


def test_accepting_leaves_other_rows_alone(team):
    invitation_id = team.invite("nina").json()["id"]
    examples = list(ExampleModel.objects.values_list())
    team.rest(team.nina).post(f"/api/v1/invitations/{invitation_id}/accept/")
    assert list(ExampleModel.objects.values_list()) == examples
    assert ProjectMembership.objects.filter(project=team.project).count() == 2

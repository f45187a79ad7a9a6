"""Reading history over REST and GraphQL: through the policy, by cursor, bad input a 4xx."""

from __future__ import annotations

import pytest

from api import policy, services
from api.models import Project, ProjectRole
from audit.models import AuditEntry
from tests.factories import UserFactory
from tests.helpers import client_with_token

pytestmark = pytest.mark.django_db

HISTORY = "/api/v1/history/"
QUERY = """
query ($first: Int, $after: String, $resource: String, $objectId: ID) {
  history(first: $first, after: $after, resource: $resource, objectId: $objectId) {
    edges { cursor node { id action resource objectId actorId surface requestId changes } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
def team():
    """An owner's project with an editor's example in it, and a stranger's own example."""
    owner, editor, stranger = (UserFactory(username=n) for n in ("owner", "editor", "stranger"))
    project = services.project_create(user=owner, name="Shared")
    invitation = services.invitation_create(
        user=owner, project_id=project.pk, username=editor.username, role=ProjectRole.EDITOR
    )
    services.invitation_accept(user=editor, invitation_id=invitation.pk)
    shared = services.example_create(user=editor, title="Editor's", project_id=project.pk)
    services.example_update(user=editor, example_id=shared.pk, data={"title": "Editor's, again"})
    own = services.example_create(user=stranger, title="Stranger's")
    return {
        "owner": owner,
        "editor": editor,
        "stranger": stranger,
        "project": project,
        "shared": shared,
        "own": own,
    }


def rest_ids(user, **params) -> list[int]:
    response = client_with_token(user).get(HISTORY, params)
    assert response.status_code == 200, response.content
    return [entry["id"] for entry in response.json()["results"]]


def readable(user) -> list[int]:
    """What the policy's rule says ``user`` may read, from the rows themselves: newest first."""
    owned = set(policy.restrict(Project.objects.all(), user, policy.MANAGE).values_list("pk", flat=True))
    rows = AuditEntry.objects.order_by("-created_at", "-id")
    return [e.pk for e in rows if e.row_owner_id == user.pk or e.project_id in owned]


def test_the_owner_reads_the_whole_projects_history_and_a_member_only_their_own_rows(team):
    owner_sees = rest_ids(team["owner"], limit=100)
    editor_sees = rest_ids(team["editor"], limit=100)
    stranger_sees = rest_ids(team["stranger"], limit=100)

    shared = AuditEntry.objects.filter(resource="api.examplemodel", object_id=str(team["shared"].pk))
    own = AuditEntry.objects.get(resource="api.examplemodel", object_id=str(team["own"].pk))
    assert set(shared.values_list("pk", flat=True)) <= set(
        owner_sees
    )  # the editor's writes in the owner's project
    assert own.pk not in owner_sees and own.pk not in editor_sees
    assert stranger_sees == [own.pk]
    # The editor reads their example's and their membership's history, not the project's or the invitation's.
    assert {AuditEntry.objects.get(pk=pk).row_owner_id for pk in editor_sees} == {team["editor"].pk}
    for user in (team["owner"], team["editor"], team["stranger"]):
        assert rest_ids(user, limit=100) == readable(user)


def test_rest_pages_by_cursor_newest_first_and_filters_by_row(team):
    client = client_with_token(team["owner"])
    seen, url = [], HISTORY + "?limit=2"
    while url:
        page = client.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        seen += [entry["id"] for entry in page["results"]]
        url = page["next"]
    assert seen == readable(team["owner"]) and len(seen) > 2

    one = client.get(HISTORY, {"resource": "api.examplemodel", "object_id": team["shared"].pk}).json()[
        "results"
    ]
    assert [e["action"] for e in one] == ["update", "create"]
    assert one[0]["changes"]["title"] == ["Editor's", "Editor's, again"]
    assert (one[0]["actor"], one[0]["surface"]) == (team["editor"].pk, "command")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"project": "x"}, "project"),
        ({"resource": "a" * 500}, "resource"),
        ({"object_id": "1\x00"}, "object_id"),
        ({"limit": "-1"}, "limit"),
        ({"cursor": "forged"}, "detail"),
    ],
)
def test_bad_rest_input_is_a_400_naming_it(team, params, field):
    response = client_with_token(team["owner"]).get(HISTORY, params)
    assert response.status_code == 400 and field in response.json(), response.content


def test_anonymous_callers_get_401(client):
    assert client.get(HISTORY).status_code == 401


def graphql(user, **variables) -> dict:
    response = client_with_token(user).post(
        "/graphql/", {"query": QUERY, "variables": variables}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def test_graphql_reads_the_same_history_by_cursor(team):
    seen, after = [], None
    while True:
        page = graphql(team["owner"], first=2, after=after)["data"]["history"]
        seen += [int(edge["node"]["id"]) for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == readable(team["owner"])
    assert [
        int(e["node"]["id"]) for e in graphql(team["stranger"], first=100)["data"]["history"]["edges"]
    ] == readable(team["stranger"])


def test_bad_graphql_input_is_bad_user_input(team):
    for variables in ({"after": "forged"}, {"first": -1}, {"resource": "a" * 500}, {"objectId": "1\x00"}):
        answer = graphql(team["owner"], **variables)
        code = answer["errors"][0]["extensions"]["code"]
        assert answer["data"] is None and code == "BAD_USER_INPUT", answer

"""Moving another user's example out of a project, replayed from outside: a real gunicorn with
production settings (trusted documents only, so GraphQL goes through the frontend's own operations).

The attack: bob, an editor of alice's project P1, may not delete alice's example A3 there, so he
creates a project of his own and moves A3 into it (only ADD on the target used to be checked), or
takes it out of P1 altogether; then he owns the project the example is in and alice loses it. Every
move is refused (403 / PERMISSION) and A3 stays in P1, where alice and the editors still see it;
what the rule allows (the author, the project's owner) still works.
"""

from __future__ import annotations

import json
import uuid

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
MANIFEST = ROOT / "frontend" / "generated" / "persisted-documents.json"


@pytest.fixture(scope="module")
def server(start_server):
    return start_server()  # production's defaults: trusted documents only


def register(server, name: str) -> dict:
    email = f"{name}-{uuid.uuid4().hex[:10]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201, response.body
    body = response.json()
    return {"headers": {"Authorization": f"Token {body['token']}"}, "username": body["user"]["username"]}


def call(server, method: str, path: str, account: dict, body: dict | None = None):
    return server.request(method, path, body, headers=account["headers"])


def ok(server, method: str, path: str, account: dict, body: dict | None = None) -> dict:
    response = call(server, method, path, account, body)
    assert response.status < 300, (response.status, response.body)
    return response.json() if response.body else {}


def trusted(operation: str) -> str:
    """The manifest's document id of the frontend's operation (e.g. "mutation UpdateExample")."""
    manifest = json.loads(MANIFEST.read_text())
    return next(f"sha256:{sha}" for sha, text in manifest.items() if f"{operation}(" in text)


def update_example(server, account: dict, data: dict) -> dict:
    body = {"documentId": trusted("mutation UpdateExample"), "variables": {"data": data}}
    response = server.request("POST", "/graphql/", body, headers=account["headers"])
    assert response.status == 200, response.body
    answer = response.json()
    assert "errors" not in answer, answer
    return answer["data"]["updateExample"]


@pytest.fixture
def team(server) -> dict:
    """alice owns P1 and wrote A3 in it; bob and carol edit P1; carol wrote C1 in it."""
    alice, bob, carol = (register(server, name) for name in ("alice", "bob", "carol"))
    p1 = ok(server, "POST", "/api/v1/projects/", alice, {"name": "P1"})
    for member in (bob, carol):
        # Adding is an invitation: the member joins when they accept it.
        invitation = ok(
            server,
            "POST",
            f"/api/v1/projects/{p1['id']}/members/",
            alice,
            {"username": member["username"], "role": "editor"},
        )
        ok(server, "POST", f"/api/v1/invitations/{invitation['id']}/accept/", member)
    a3 = ok(server, "POST", "/api/v1/examples/", alice, {"title": "A3", "project": p1["id"]})
    c1 = ok(server, "POST", "/api/v1/examples/", carol, {"title": "C1", "project": p1["id"]})
    return {"alice": alice, "bob": bob, "carol": carol, "p1": p1["id"], "a3": a3["id"], "c1": c1["id"]}


def still_in_p1(server, team: dict, example: str) -> None:
    for who in ("alice", "carol"):
        shown = ok(server, "GET", f"/api/v1/examples/{team[example]}/", team[who])
        assert shown["project"] == team["p1"], (who, shown)


def test_an_editor_cannot_move_anothers_example_into_his_own_project_over_rest(server, team):
    bob, a3 = team["bob"], f"/api/v1/examples/{team['a3']}/"
    assert call(server, "DELETE", a3, bob).status == 403
    side = ok(server, "POST", "/api/v1/projects/", bob, {"name": "side"})

    moved = call(server, "PATCH", a3, bob, {"project": side["id"]})
    replaced = call(server, "PUT", a3, bob, {"title": "A3", "project": side["id"]})

    assert (moved.status, replaced.status) == (403, 403), (moved.body, replaced.body)
    assert "detail" in moved.json()
    still_in_p1(server, team, "a3")
    # Nothing of A3 reached bob's project: it lists no example, and deleting it deletes none.
    listed = ok(server, "GET", f"/api/v1/examples/?project={side['id']}", bob)
    assert listed["count"] == 0
    assert call(server, "DELETE", f"/api/v1/projects/{side['id']}/", bob).status == 204
    still_in_p1(server, team, "a3")


def test_an_editor_cannot_take_another_members_example_out_of_the_project_over_rest(server, team):
    response = call(server, "PATCH", f"/api/v1/examples/{team['c1']}/", team["bob"], {"project": None})

    assert response.status == 403, response.body
    still_in_p1(server, team, "c1")
    # He may still change it (an editor's right): only its project is out of his reach.
    renamed = call(server, "PATCH", f"/api/v1/examples/{team['c1']}/", team["bob"], {"title": "C1, edited"})
    assert renamed.status == 200 and renamed.json()["project"] == team["p1"]


def test_the_same_moves_through_the_frontends_update_example_are_refused(server, team):
    bob = team["bob"]
    side = ok(server, "POST", "/api/v1/projects/", bob, {"name": "side"})

    for example, project in (("a3", str(side["id"])), ("c1", None)):
        payload = update_example(server, bob, {"id": str(team[example]), "projectId": project})
        assert payload["__typename"] == "OperationInfo", payload
        assert [m["kind"] for m in payload["messages"]] == ["PERMISSION"], payload
        still_in_p1(server, team, example)

    # What the rule allows: the author takes her own example out, the project's owner moves one.
    out = update_example(server, team["carol"], {"id": str(team["c1"]), "projectId": None})
    assert out["__typename"] == "Example" and out["project"] is None, out
    other = ok(server, "POST", "/api/v1/projects/", team["alice"], {"name": "alice's other"})
    moved = update_example(server, team["alice"], {"id": str(team["a3"]), "projectId": str(other["id"])})
    assert moved["project"]["id"] == str(other["id"]), moved

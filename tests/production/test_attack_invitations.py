"""The username probe, replayed from outside: a real gunicorn, production settings, PostgreSQL, Redis.

The attack: an account creates a project and "adds" usernames to it, to learn
which exist (and their real names) and to push a project into a victim's
lists. Now adding is an invitation: a known and an unknown username get the
same 202 answer, nobody becomes a member, and past INVITATION_THROTTLE_RATE
the probe is answered 429.
"""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
RATE = 5


@pytest.fixture(scope="module")
def server(start_server, redis_url):
    return start_server(
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=f"invitations-{uuid.uuid4().hex[:6]}",
        INVITATION_THROTTLE_RATE=f"{RATE}/hour",
    )


def register(server, first_name: str = "") -> dict:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201, response.body
    body = response.json()
    auth = {"Authorization": f"Token {body['token']}"}
    if first_name:
        patched = server.request("PATCH", "/api/auth/user/", {"first_name": first_name}, headers=auth)
        assert patched.status == 200, patched.body
    return {"username": body["user"]["username"], "id": body["user"]["id"], "auth": auth}


def shape(body: bytes) -> bytes:
    """The answer with the values that must differ (the id, the name as typed, the times) blanked."""
    data = json.loads(body)
    for key in ("id", "username", "created_at", "expires_at"):
        data[key] = None
    return json.dumps(data, sort_keys=True).encode()


def test_probing_usernames_tells_nothing_adds_nobody_and_is_throttled(server, pg_cluster):
    attacker = register(server)
    victim = register(server, first_name="Victim-Real-Name")
    project = server.request("POST", "/api/v1/projects/", {"name": "probe"}, headers=attacker["auth"])
    assert project.status == 201, project.body
    members = f"/api/v1/projects/{project.json()['id']}/members/"

    def invite(username: str):
        return server.request("POST", members, {"username": username, "role": "editor"}, attacker["auth"])

    known = invite(victim["username"])
    unknown = invite(f"nobody-{uuid.uuid4().hex[:8]}")
    assert (known.status, unknown.status) == (202, 202), (known.body, unknown.body)
    assert shape(known.body) == shape(unknown.body)
    assert set(known.headers) == set(unknown.headers)
    assert set(known.json()) == {"id", "username", "role", "status", "created_at", "expires_at"}
    assert b"Victim-Real-Name" not in known.body  # no name, no user id

    # Nobody became a member: the victim's lists are empty, the project's member list too.
    assert server.request("GET", "/api/v1/projects/", headers=victim["auth"]).json()["count"] == 0
    assert server.request("GET", members, headers=attacker["auth"]).json()["count"] == 0
    assert (
        pg_cluster.psql(f"SELECT count(*) FROM api_projectmembership WHERE user_id = {victim['id']}").strip()
        == "0"
    )
    # The victim decides: they see the invitation, and declining leaves nothing.
    pending = server.request("GET", "/api/v1/invitations/", headers=victim["auth"]).json()
    assert [item["project"]["name"] for item in pending["results"]] == ["probe"]
    declined = server.request(
        "POST", f"/api/v1/invitations/{pending['results'][0]['id']}/decline/", headers=victim["auth"]
    )
    assert declined.status == 200, declined.body

    # Two made above; the rest of the hour's budget, then 429 (counted in Redis, whatever the names).
    statuses = [invite(f"probe-{n}").status for n in range(RATE - 2)]
    assert statuses == [202] * (RATE - 2)
    refused = invite(victim["username"])
    assert refused.status == 429, refused.body
    assert int(refused.headers["retry-after"]) > 0
    assert invite(f"nobody-{uuid.uuid4().hex[:8]}").status == 429

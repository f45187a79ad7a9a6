"""Replayed from outside: one identity per login on a real server.

A real gunicorn with production settings on PostgreSQL. The attack: take
another user's email (any case) as your username, by registering or by
renaming yourself, so that their login by email reaches your account. Every
step of it is refused, and the victim's login by email reaches the victim.
"""

from __future__ import annotations

import uuid

import pytest

from authentication.identity import USERNAME_HAS_AT

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
ATTACKER_PASSWORD = "another-Strong-passphrase-43"


@pytest.fixture(scope="module")
def server(start_server):
    return start_server()


@pytest.fixture
def victim(server) -> dict:
    email = f"victim-{uuid.uuid4().hex[:10]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201, response.body
    return {"email": email, "id": response.json()["user"]["id"]}


@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_registering_with_another_users_email_as_username_is_refused(server, victim, case, pg_cluster):
    response = server.request(
        "POST",
        "/api/auth/register/",
        {
            "email": f"mallory-{uuid.uuid4().hex[:10]}@example.com",
            "username": case(victim["email"]),
            "password": ATTACKER_PASSWORD,
        },
    )
    assert response.status == 400
    assert response.json() == {"username": [USERNAME_HAS_AT]}
    assert pg_cluster.psql("SELECT count(*) FROM auth_user WHERE username LIKE '%@%'").strip() == "0"


def test_renaming_oneself_to_another_users_email_is_refused(server, victim, pg_cluster):
    registered = server.request(
        "POST",
        "/api/auth/register/",
        {"email": f"mallory-{uuid.uuid4().hex[:10]}@example.com", "password": ATTACKER_PASSWORD},
    )
    assert registered.status == 201
    assert "@" not in registered.json()["user"]["username"]
    token = {"Authorization": f"Token {registered.json()['token']}"}
    response = server.request(
        "PATCH", "/api/auth/user/", {"username": victim["email"].upper()}, headers=token
    )
    assert response.status == 400
    assert response.json() == {"username": [USERNAME_HAS_AT]}
    assert pg_cluster.psql("SELECT count(*) FROM auth_user WHERE username LIKE '%@%'").strip() == "0"


@pytest.mark.parametrize("field", ["username", "email"])
def test_login_by_email_reaches_the_emails_owner(server, victim, field):
    response = server.request(
        "POST", "/api/auth/login/", {field: victim["email"].upper(), "password": STRONG}
    )
    assert response.status == 200, response.body
    assert response.json()["user_id"] == victim["id"]
    # The identifier names the victim, so another password is simply wrong.
    wrong = server.request(
        "POST", "/api/auth/login/", {field: victim["email"], "password": ATTACKER_PASSWORD}
    )
    assert wrong.status == 400
    assert list(wrong.json()) == ["non_field_errors"]

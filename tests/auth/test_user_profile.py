import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from authentication.models import Profile
from tests.factories import PASSWORD
from tests.helpers import FROZEN_AT, client_with_token, masked

pytestmark = pytest.mark.django_db


def test_get_user(user_factory, snapshot):
    with time_machine.travel(FROZEN_AT, tick=False):
        user = user_factory(username="ada", email="ada@example.com", first_name="Ada", last_name="Lovelace")
    response = client_with_token(user).get("/api/auth/user/")
    assert response.status_code == 200
    assert response.json()["id"] == user.pk
    snapshot.assert_match(masked(response.json(), "id"))


@pytest.mark.parametrize("path", ["/api/auth/user/", "/api/auth/profile/", "/api/auth/password/change/"])
def test_protected_endpoints_answer_401_with_token_challenge(api_client, path):
    response = api_client.get(path) if "password" not in path else api_client.post(path, {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_invalid_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = api_client.get("/api/auth/user/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_patch_user(auth_client, user):
    response = auth_client.patch(
        "/api/auth/user/",
        {
            "first_name": "Alice",
            "last_name": "Liddell",
            "email": "ALICE@wonder.land",
            "current_password": PASSWORD,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["last_name"], body["name"]) == ("Alice", "Liddell", "Alice Liddell")
    user.refresh_from_db()
    assert user.email == "ALICE@wonder.land"


def test_patch_user_keeps_own_email_in_other_case(auth_client, user):
    response = auth_client.patch(
        "/api/auth/user/", {"email": "Alice@example.com", "current_password": PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"email": "BOB@example.com", "current_password": PASSWORD},
            {"email": ["A user with that email already exists."]},
        ),
        ({"username": "Bob"}, {"username": ["A user with that username already exists."]}),
    ],
)
def test_patch_user_refuses_taken_identity(auth_client, user, other_user, body, expected):
    response = auth_client.patch("/api/auth/user/", body)
    assert response.status_code == 400
    assert response.json() == expected
    user.refresh_from_db()
    assert (user.username, user.email) == ("alice", "alice@example.com")


@pytest.mark.parametrize("body", [{"email": "nope"}, {"username": "a b"}, {"first_name": "x" * 151}])
def test_patch_user_field_errors(auth_client, body):
    response = auth_client.patch("/api/auth/user/", body)
    assert response.status_code == 400
    assert list(response.json()) == list(body)


def test_put_user_is_not_allowed(auth_client):
    response = auth_client.put("/api/auth/user/", {"first_name": "x"})
    assert response.status_code == 405
    assert "detail" in response.json()


def test_get_profile_defaults(auth_client):
    response = auth_client.get("/api/auth/profile/")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("display_name", "bio", "timezone")} == {
        "display_name": "",
        "bio": "",
        "timezone": "UTC",
    }
    assert body["updated_at"]


def test_patch_profile_changes_name_shown_on_user(auth_client, user):
    response = auth_client.patch(
        "/api/auth/profile/", {"display_name": "Queen Alice", "timezone": "Europe/Paris", "bio": "Hi."}
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/Paris"
    assert auth_client.get("/api/auth/user/").json()["name"] == "Queen Alice"


@pytest.mark.parametrize(
    "body",
    [{"timezone": "Mars/Olympus"}, {"bio": "b" * 2001}, {"display_name": "d" * 151}, {"timezone": ""}],
)
def test_patch_profile_field_errors(auth_client, user, body):
    before = Profile.objects.get(user=user).updated_at
    response = auth_client.patch("/api/auth/profile/", body)
    assert response.status_code == 400
    assert list(response.json()) == list(body)
    assert Profile.objects.get(user=user).updated_at == before


def test_every_user_gets_a_profile_however_created(db, monkeypatch):
    User.objects.create_user(username="plain", password="x")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an-admin-passphrase-9")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com", verbosity=0)
    assert set(Profile.objects.values_list("user__username", flat=True)) == {"plain", "root"}

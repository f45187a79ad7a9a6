import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from authentication.models import Profile
from tests.helpers import FROZEN_AT, masked

URL = "/api/auth/register/"
STRONG = "a-Strong-passphrase-42"

pytestmark = pytest.mark.django_db


def test_register_creates_user_profile_and_token(api_client, snapshot):
    with time_machine.travel(FROZEN_AT, tick=False):
        response = api_client.post(
            URL, {"email": "Ada@Example.COM", "password": STRONG, "username": "ada", "name": "Ada L."}
        )
    assert response.status_code == 201
    body = response.json()
    user = User.objects.get()
    assert body["user"]["id"] == user.pk
    assert body["token"] == Token.objects.get(user=user).key
    assert user.email == "Ada@example.com"  # domain normalised, local part kept
    assert user.check_password(STRONG)
    assert Profile.objects.get(user=user).display_name == "Ada L."
    snapshot.assert_match(masked(body, "token", "user.id"))


def test_register_derives_username_from_email(api_client, user_factory):
    user_factory(username="grace", email="someone.else@example.org")
    response = api_client.post(URL, {"email": "grace@example.com", "password": STRONG})
    assert response.status_code == 201
    assert response.json()["user"]["username"] == "grace2"


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@example.com", "Alice@EXAMPLE.com"])
def test_register_refuses_taken_email_whatever_its_case(api_client, user, email):
    response = api_client.post(URL, {"email": email, "password": STRONG})
    assert response.status_code == 400
    assert response.json() == {"email": ["A user with that email already exists."]}
    assert User.objects.count() == 1


def test_register_refuses_taken_username_whatever_its_case(api_client, user):
    response = api_client.post(URL, {"email": "new@example.com", "password": STRONG, "username": "ALICE"})
    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}


@pytest.mark.parametrize(
    "password",
    ["short", "password123", "12345678901", "new.person@example.com"],
    ids=["too-short", "common", "numeric", "similar-to-email"],
)
def test_register_refuses_password_the_validators_refuse(api_client, password):
    response = api_client.post(URL, {"email": "new.person@example.com", "password": password})
    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": STRONG}, "email"),
        ({"email": "not-an-email", "password": STRONG}, "email"),
        ({"email": "x@example.com"}, "password"),
        ({"email": "x@example.com", "password": STRONG, "username": "has space"}, "username"),
        ({"email": "x@example.com", "password": STRONG, "username": "u" * 151}, "username"),
        ({"email": "x@example.com", "password": STRONG, "name": "\x00"}, "name"),
    ],
)
def test_register_field_errors(api_client, body, field):
    response = api_client.post(URL, body)
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


def test_register_is_one_transaction(api_client, monkeypatch):
    """A failure after the user row is inserted leaves no user and no profile."""

    def fail(*args, **kwargs):
        raise RuntimeError("token table unavailable")

    monkeypatch.setattr(Token.objects, "create", fail)
    with pytest.raises(RuntimeError):
        api_client.post(URL, {"email": "new@example.com", "password": STRONG})
    assert not User.objects.exists()
    assert not Profile.objects.exists()


def test_register_ignores_a_stale_token_header(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.post(URL, {"email": "new@example.com", "password": STRONG})
    assert response.status_code == 201


@pytest.mark.parametrize("field", ["email", "password", "username", "name"])
def test_register_refuses_non_string_values(api_client, field):
    body = {"email": "x@example.com", "password": STRONG, field: 12345}
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json() == {field: ["Not a valid string."]}
    assert not User.objects.exists()

import pytest
import time_machine
from django.conf import settings
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD
from tests.helpers import FROZEN_AT, masked

URL = "/api/auth/login/"
BAD = {"non_field_errors": ["Unable to log in with provided credentials."]}

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_user(user_factory):
    with time_machine.travel(FROZEN_AT, tick=False):
        return user_factory(username="ada", email="ada@example.com", first_name="Ada", last_name="Lovelace")


def test_login_by_username_returns_token_user_and_session(api_client, frozen_user, snapshot):
    response = api_client.post(URL, {"username": "ada", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token"] == Token.objects.get(user=frozen_user).key
    assert body["user_id"] == frozen_user.pk == body["user"]["id"]
    assert settings.SESSION_COOKIE_NAME in response.cookies
    snapshot.assert_match(masked(body, "token", "user_id", "user.id"))


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "ada@example.com"},
        {"email": "ADA@Example.com"},
        {"username": "ADA"},
        {"username": "ada@example.com"},
    ],
    ids=["email", "email-any-case", "username-any-case", "email-in-username-field"],
)
def test_login_by_username_or_email(api_client, frozen_user, credentials):
    response = api_client.post(URL, {**credentials, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["user_id"] == frozen_user.pk


def test_login_returns_the_same_token_each_time(api_client, user):
    first = api_client.post(URL, {"username": "alice", "password": PASSWORD}).json()["token"]
    second = api_client.post(URL, {"username": "alice", "password": PASSWORD}).json()["token"]
    assert first == second


def test_session_from_login_authenticates_later_requests(api_client, user):
    api_client.post(URL, {"username": "alice", "password": PASSWORD})
    response = api_client.get("/api/auth/user/")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_unknown_user_and_wrong_password_answer_identically(api_client, user):
    unknown = api_client.post(URL, {"username": "nobody", "password": PASSWORD})
    wrong = api_client.post(URL, {"username": "alice", "password": "wrong-password"})
    unknown_email = api_client.post(URL, {"email": "nobody@example.com", "password": PASSWORD})
    for response in (unknown, wrong, unknown_email):
        assert response.status_code == 400
        assert response.json() == BAD
    assert unknown.content == wrong.content == unknown_email.content


def test_inactive_user_cannot_log_in(api_client, user):
    user.is_active = False
    user.save()
    response = api_client.post(URL, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert response.json() == BAD


def test_email_field_never_matches_a_username(api_client, user):
    response = api_client.post(URL, {"email": "alice", "password": PASSWORD})
    assert response.json() == BAD


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"username": "alice"}, {"password": ["This field is required."]}),
        ({"password": PASSWORD}, {"non_field_errors": ["Provide a username or an email, and a password."]}),
        (
            {"username": "", "email": "", "password": PASSWORD},
            {"non_field_errors": ["Provide a username or an email, and a password."]},
        ),
    ],
)
def test_login_missing_fields(api_client, user, body, expected):
    response = api_client.post(URL, body)
    assert response.status_code == 400
    assert response.json() == expected


def test_login_ignores_a_stale_token_header(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Token stale")
    assert api_client.post(URL, {"username": "alice", "password": PASSWORD}).status_code == 200


def test_logout_with_token_deletes_that_token(auth_client, user):
    response = auth_client.post("/api/auth/logout/")
    assert response.status_code == 204
    assert not Token.objects.filter(user=user).exists()
    again = auth_client.get("/api/auth/user/")
    assert again.status_code == 401


def test_logout_with_session_flushes_it(csrf_client, user):
    csrf_client.post(URL, {"username": "alice", "password": PASSWORD})
    csrf = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post("/api/auth/logout/", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 204
    assert csrf_client.get("/api/auth/user/").status_code == 401


def test_session_logout_without_csrf_header_is_refused(csrf_client, user):
    csrf_client.post(URL, {"username": "alice", "password": PASSWORD})
    response = csrf_client.post("/api/auth/logout/")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    assert csrf_client.get("/api/auth/user/").status_code == 200


def test_logout_anonymous_is_401(api_client):
    response = api_client.post("/api/auth/logout/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"

import re

import pytest
from django.core import mail
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHANGE = "/api/auth/password/change/"
RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
NEW = "another-Strong-passphrase-7"


def _session_client(username: str = "alice") -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    assert client.post("/api/auth/login/", {"username": username, "password": PASSWORD}).status_code == 200
    return client


def test_password_change_rotates_token(auth_client, user):
    old_token = Token.objects.get(user=user).key
    response = auth_client.post(CHANGE, {"old_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 200
    new_token = response.json()["token"]
    assert new_token != old_token
    assert auth_client.get("/api/auth/user/").status_code == 401  # old token is gone
    auth_client.credentials(HTTP_AUTHORIZATION=f"Token {new_token}")
    assert auth_client.get("/api/auth/user/").status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_password_change_by_token_creates_no_session(auth_client, user):
    """Found by the cross-user matrix: it stored an empty session and set a session cookie."""
    from django.contrib.sessions.models import Session

    response = auth_client.post(CHANGE, {"old_password": PASSWORD, "new_password": NEW})

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def test_password_change_ends_other_sessions_but_keeps_the_callers(user):
    caller, other = _session_client(), _session_client()
    response = caller.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password": NEW},
        HTTP_X_CSRFTOKEN=caller.cookies["csrftoken"].value,
    )
    assert response.status_code == 200
    assert caller.get("/api/auth/user/").status_code == 200
    assert other.get("/api/auth/user/").status_code == 401


def test_password_change_by_session_needs_csrf(user):
    client = _session_client()
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"old_password": "wrong", "new_password": NEW}, "old_password"),
        ({"old_password": PASSWORD, "new_password": "123"}, "new_password"),
        ({"old_password": PASSWORD}, "new_password"),
    ],
)
def test_password_change_errors_change_nothing(auth_client, user, body, field):
    token = Token.objects.get(user=user).key
    response = auth_client.post(CHANGE, body)
    assert response.status_code == 400
    assert field in response.json()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Token.objects.get(user=user).key == token


def _mailed_uid_and_token() -> tuple[str, str]:
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    uid = re.search(r"^uid: (\S+)$", body, re.M).group(1)
    token = re.search(r"^token: (\S+)$", body, re.M).group(1)
    return uid, token


def test_password_reset_known_and_unknown_address_answer_alike(api_client, user):
    known = api_client.post(RESET, {"email": "ALICE@example.com"})
    unknown = api_client.post(RESET, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]


def test_password_reset_invalid_email_is_400(api_client):
    response = api_client.post(RESET, {"email": "not an email"})
    assert response.status_code == 400
    assert "email" in response.json()


def test_password_reset_confirm_sets_password_and_ends_tokens(api_client, user):
    Token.objects.create(user=user)
    api_client.post(RESET, {"email": "alice@example.com"})
    uid, token = _mailed_uid_and_token()
    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW})
    assert response.status_code == 200
    assert response.json() == {"detail": "Your password has been reset."}
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not Token.objects.filter(user=user).exists()
    # The link works once: the password hash is part of the token.
    again = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "yet-another-Passphrase-3"})
    assert again.status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"token": "1a2-badtoken"},
        {"uid": "junk!"},
        {"uid": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"},  # an id past BIGINT
        {"uid": "MA"},  # user 0
    ],
)
def test_password_reset_confirm_bad_link(api_client, user, change):
    api_client.post(RESET, {"email": "alice@example.com"})
    uid, token = _mailed_uid_and_token()
    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW, **change})
    assert response.status_code == 400
    assert response.json() == {"token": ["The reset link is invalid or has expired."]}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_confirm_weak_password(api_client, user):
    api_client.post(RESET, {"email": "alice@example.com"})
    uid, token = _mailed_uid_and_token()
    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "password"})
    assert response.status_code == 400
    assert "new_password" in response.json()


@override_settings(AUTH_THROTTLE_RATE="2/min")
def test_password_reset_is_throttled(api_client):
    for _ in range(2):
        assert api_client.post(RESET, {"email": "x@example.com"}).status_code == 202
    response = api_client.post(RESET, {"email": "x@example.com"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0

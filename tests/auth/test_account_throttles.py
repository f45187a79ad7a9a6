"""Password change, email changes and the admin login are throttled."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import override_settings

from tests.factories import PASSWORD
from tests.helpers import client_with_token

pytestmark = pytest.mark.django_db

CHANGE = "/api/auth/password/change/"
USER = "/api/auth/user/"
ADMIN_LOGIN = "/admin/login/"


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert 0 < int(response["Retry-After"]) <= 60


@override_settings(PASSWORD_CHANGE_THROTTLE_RATE="3/min")
def test_password_change_is_throttled_per_address(user, other_user):
    client = client_with_token(user)
    for _ in range(3):
        response = client.post(CHANGE, {"old_password": "guess", "new_password": "n3w-Passphrase!"})
        assert response.status_code == 400
    _assert_throttled(client.post(CHANGE, {"old_password": PASSWORD, "new_password": "n3w-Passphrase!"}))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # the right guess after the limit changed nothing
    # Another account from the same address is throttled too (per address) ...
    _assert_throttled(client_with_token(other_user).post(CHANGE, {"old_password": "x", "new_password": "y"}))


@override_settings(PASSWORD_CHANGE_THROTTLE_RATE="3/min")
def test_password_change_is_throttled_per_account_across_addresses(user):
    client = client_with_token(user)
    for i in range(3):
        response = client.post(
            CHANGE, {"old_password": "guess", "new_password": "x"}, REMOTE_ADDR=f"10.0.0.{i}"
        )
        assert response.status_code == 400
    # A stolen token used from a fresh address: the account's count holds.
    _assert_throttled(
        client.post(CHANGE, {"old_password": "guess", "new_password": "x"}, REMOTE_ADDR="10.9.9.9")
    )


@override_settings(EMAIL_CHANGE_THROTTLE_RATE="2/min")
def test_email_changes_are_throttled_other_fields_are_not(auth_client, user):
    for i in range(2):
        response = auth_client.patch(USER, {"email": f"new{i}@example.com", "current_password": "wrong"})
        assert response.status_code == 400
    _assert_throttled(auth_client.patch(USER, {"email": "new@example.com", "current_password": PASSWORD}))
    assert User.objects.get(pk=user.pk).email == "alice@example.com"
    # Renaming oneself is not an email change and is not counted.
    for _ in range(3):
        assert auth_client.patch(USER, {"first_name": "Alice"}).status_code == 200


@override_settings(EMAIL_CHANGE_THROTTLE_RATE="2/min")
def test_email_change_throttle_is_per_account_across_addresses(auth_client):
    for i in range(2):
        auth_client.patch(USER, {"email": f"n{i}@example.com"}, REMOTE_ADDR=f"10.0.1.{i}")
    _assert_throttled(auth_client.patch(USER, {"email": "n@example.com"}, REMOTE_ADDR="10.0.1.99"))


@override_settings(EMAIL_CHANGE_THROTTLE_RATE="2/min")
def test_email_probing_with_many_accounts_from_one_address_is_throttled(user_factory):
    clients = [client_with_token(user_factory()) for _ in range(3)]
    for client in clients[:2]:
        assert client.patch(USER, {"email": "victim@example.com"}).status_code == 400
    _assert_throttled(clients[2].patch(USER, {"email": "victim@example.com"}))


@pytest.fixture
def staff(user_factory):
    return user_factory(username="root", email="root@example.com", is_staff=True, is_superuser=True)


def _admin_post(client, username: str, password: str, **extra):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


@override_settings(ADMIN_LOGIN_THROTTLE_RATE="3/min")
def test_admin_login_is_throttled_per_address(client, staff):
    for _ in range(3):
        response = _admin_post(client, "root", "wrong")
        assert response.status_code == 200  # the form again, with Django's error
        assert b"Please enter the correct username and password" in response.content
    response = _admin_post(client, "root", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert b"Too many login attempts" in response.content
    assert b'name="password"' in response.content  # the login form, not an error page
    assert "_auth_user_id" not in client.session  # the right password was never checked
    assert cache.get("throttle_admin_login_127.0.0.1") is not None
    # Rotating X-Forwarded-For does not help (NUM_PROXIES=0) ...
    assert _admin_post(client, "root", PASSWORD, HTTP_X_FORWARDED_FOR="6.6.6.6").status_code == 429
    # ... another address is counted on its own, and GET is never throttled.
    assert _admin_post(client, "root", PASSWORD, REMOTE_ADDR="10.0.0.5").status_code == 302
    assert client.get(ADMIN_LOGIN).status_code in (200, 302)


def test_admin_login_default_rate_is_the_auth_rate(client, staff, settings):
    assert settings.ADMIN_LOGIN_THROTTLE_RATE == settings.AUTH_THROTTLE_RATE == "10/min"
    codes = [_admin_post(client, "root", "wrong").status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]

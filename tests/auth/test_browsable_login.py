"""The browsable API's log-in and log-out (authentication.browsable): links, CSRF, the shared login throttle."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from backend.middleware import BROWSABLE_API_POLICY

from ..factories import PASSWORD

LOGIN = "/api-auth/login/"
LOGOUT = "/api-auth/logout/"
API_LOGIN = "/api/auth/login/"
LIST = "/api/v1/examples/"
HTML = {"HTTP_ACCEPT": "text/html"}


def csrf_token(page) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert match, page.content[:2000]
    return match.group(1).decode()


@pytest.fixture
def browser(db) -> Client:
    """A browser: Django's test client with the CSRF check on, as in production."""
    return Client(enforce_csrf_checks=True)


def log_in(browser: Client, username: str, password: str, **extra):
    token = csrf_token(browser.get(LOGIN))
    return browser.post(
        LOGIN,
        {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": LIST},
        **extra,
    )


def test_an_anonymous_visitor_sees_a_log_in_link(browser):
    page = browser.get(LIST, **HTML)

    assert page.status_code == 401
    assert f'href="{LOGIN}?next={LIST}"'.encode() in page.content.replace(b"'", b'"')


def test_log_in_by_username_or_email_then_the_page_then_log_out(browser, user):
    response = log_in(browser, user.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == LIST

    page = browser.get(LIST, **HTML)
    assert page.status_code == 200
    assert b'id="logout"' in page.content
    assert b"onclick" not in page.content.split(b'id="logout"')[0][-400:]  # no inline script to log out

    response = browser.post(LOGOUT, {"csrfmiddlewaretoken": csrf_token(page)})
    assert response.status_code == 302
    assert browser.get(LIST, **HTML).status_code == 401

    assert log_in(browser, user.email.upper(), PASSWORD).status_code == 302


def test_wrong_credentials_show_the_form_again(browser, user):
    response = log_in(browser, user.username, "wrong")

    assert response.status_code == 200
    assert b'name="password"' in response.content
    assert "_auth_user_id" not in browser.session


def test_the_login_page_has_the_browsable_apis_content_security_policy(browser):
    assert browser.get(LOGIN)["Content-Security-Policy"] == BROWSABLE_API_POLICY


def test_a_form_without_the_csrf_token_is_refused(browser, user):
    """A page on another site cannot log a visitor in (login CSRF)."""
    response = browser.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": LIST})

    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_log_out_is_post_only_with_the_csrf_token(browser, user):
    assert log_in(browser, user.username, PASSWORD).status_code == 302

    assert browser.get(LOGOUT).status_code == 405
    assert browser.post(LOGOUT).status_code == 403  # no token: the session stays
    assert browser.get(LIST, **HTML).status_code == 200


def test_next_never_leaves_the_host(browser, user):
    token = csrf_token(browser.get(LOGIN))
    response = browser.post(
        LOGIN,
        {
            "username": user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token,
            "next": "https://evil.test/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/api/v1/"  # the API root, not the other site


@override_settings(AUTH_THROTTLE_RATE="3/min")
def test_the_form_shares_the_json_logins_throttle(browser, api_client, user):
    """Three guesses per address per minute in all, whichever door they use."""
    assert api_client.post(API_LOGIN, {"username": user.username, "password": "wrong"}).status_code == 400
    assert api_client.post(API_LOGIN, {"username": user.username, "password": "wrong"}).status_code == 400
    assert log_in(browser, user.username, "wrong").status_code == 200

    response = log_in(browser, user.username, PASSWORD)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert b"Too many login attempts" in response.content
    assert b'name="password"' in response.content  # the form, not an error page
    assert "_auth_user_id" not in browser.session  # the right password was never checked
    assert api_client.post(API_LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 429
    # Rotating X-Forwarded-For does not help (NUM_PROXIES=0); another address counts on its own.
    assert log_in(browser, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="6.6.6.6").status_code == 429
    assert log_in(browser, user.username, PASSWORD, REMOTE_ADDR="10.0.0.5").status_code == 302


@override_settings(AUTH_THROTTLE_RATE="2/min")
def test_form_guesses_count_against_the_json_login(browser, api_client, user):
    assert log_in(browser, user.username, "wrong").status_code == 200
    assert log_in(browser, user.username, "wrong").status_code == 200

    assert api_client.post(API_LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 429
    assert cache.get("throttle_login_127.0.0.1") is not None


@override_settings(AUTH_THROTTLE_RATE="1/min")
def test_showing_the_form_is_not_counted(browser, user):
    for _ in range(3):
        assert browser.get(LOGIN).status_code == 200
    assert log_in(browser, user.username, PASSWORD).status_code == 302


FORM_JUNK = [
    ("application/x-www-form-urlencoded", b"username=%ff%fe&password=\x00"),
    ("application/x-www-form-urlencoded", b"username=" + b"a" * 10_000 + b"&password=x"),
    ("application/x-www-form-urlencoded", b"username[]=a&username[]=b&password=x"),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=username\r\n\r\n"),
    ("application/json", b'{"username": "alice", "password": "correct-horse-battery-staple"}'),
    ("text/plain", b"\xff\xfe\x00"),
]


@pytest.mark.parametrize(("content_type", "body"), FORM_JUNK)
def test_junk_form_bodies_are_the_form_again_and_log_nobody_in(db, user, content_type, body):
    """Any body, with or without a valid CSRF token: never a 5xx, never a session."""
    client = Client()  # the CSRF check off, so the body itself is what gets tested
    response = client.generic("POST", LOGIN, body, content_type=content_type)

    assert response.status_code in (200, 400), response.content[:300]
    assert "_auth_user_id" not in client.session

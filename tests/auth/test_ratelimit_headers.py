"""RateLimit-Policy and RateLimit on every throttled endpoint (draft-ietf-httpapi-ratelimit-headers-10).

One mechanism (backend.ratelimit): each throttle reports what it counted; the middleware writes it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from rest_framework.settings import api_settings

from backend.ratelimit import ReportsRateLimit
from tests.factories import PASSWORD
from tests.helpers import client_with_token
from tests.matrix.surface import routes

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
LOGIN = "/api/auth/login/"
WRONG = {"username": "alice", "password": "wrong"}


@override_settings(AUTH_THROTTLE_RATE="3/min")
def test_each_counted_request_says_its_quota_and_what_is_left(api_client, user):
    with time_machine.travel(START, tick=False) as clock:
        first = api_client.post(LOGIN, WRONG)
        assert first["RateLimit-Policy"] == '"login";q=3;w=60'
        assert first["RateLimit"] == '"login";r=2;t=60'
        clock.shift(20)
        second = api_client.post(LOGIN, WRONG)
        # The first request leaves the 60 s window in 40 s: then one more is allowed.
        assert second["RateLimit"] == '"login";r=1;t=40'
        third = api_client.post(LOGIN, WRONG)
        assert third["RateLimit"] == '"login";r=0;t=40'
        clock.shift(5)
        refused = api_client.post(LOGIN, WRONG)
    assert refused.status_code == 429
    assert refused["RateLimit-Policy"] == '"login";q=3;w=60'
    assert refused["RateLimit"] == '"login";r=0;t=35'
    assert refused["Retry-After"] == "35"  # kept, and the same moment as t


@override_settings(AUTH_THROTTLE_RATE="5/min")
@pytest.mark.parametrize(
    ("url", "body", "scope"),
    [
        ("/api/auth/register/", {"email": "bad"}, "register"),
        ("/api/auth/password/reset/", {"email": "a@example.com"}, "password_reset"),
    ],
)
def test_every_public_throttled_endpoint_sends_the_fields(api_client, url, body, scope):
    response = api_client.post(url, body)
    assert response["RateLimit-Policy"] == f'"{scope}";q=5;w=60'
    assert response["RateLimit"] == f'"{scope}";r=4;t=60'


@override_settings(PASSWORD_CHANGE_THROTTLE_RATE="4/hour")
def test_two_throttles_on_one_view_are_two_policies(user):
    client = client_with_token(user)
    with time_machine.travel(START, tick=False):
        response = client.post("/api/auth/password/change/", {"old_password": "wrong", "new_password": "x"})
    assert response["RateLimit-Policy"] == (
        '"password_change";q=4;w=3600, "password_change_account";q=4;w=3600'
    )
    assert response["RateLimit"] == '"password_change";r=3;t=3600, "password_change_account";r=3;t=3600'


def test_a_request_no_throttle_counted_sends_no_fields(user):
    client = client_with_token(user)
    # A profile change without `email` is not limited (authentication.throttles._EmailChangeMixin).
    response = client.patch("/api/auth/user/", {"first_name": "Al"})
    assert response.status_code == 200
    assert "RateLimit" not in response and "RateLimit-Policy" not in response
    assert "RateLimit" not in client.get("/api/v1/examples/")


def test_an_email_change_is_counted(user):
    client = client_with_token(user)
    response = client.patch("/api/auth/user/", {"email": "new@example.com", "current_password": PASSWORD})
    assert '"email_change";r=' in response["RateLimit"]
    assert '"email_change_account";r=' in response["RateLimit"]


@override_settings(ADMIN_LOGIN_THROTTLE_RATE="2/min")
def test_the_admin_login_form_sends_the_fields_too(client, db):
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response["RateLimit-Policy"] == '"admin_login";q=2;w=60'
    assert response["RateLimit"].startswith('"admin_login";r=1;t=')
    client.post("/admin/login/", {"username": "x", "password": "y"})
    refused = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert refused.status_code == 429
    assert refused["RateLimit"].startswith('"admin_login";r=0;t=')
    assert "Retry-After" in refused


def _throttle_classes_in_use() -> set[type]:
    found = set(api_settings.DEFAULT_THROTTLE_CLASSES)
    for route in routes():
        view_class = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
        found.update(getattr(view_class, "throttle_classes", ()) or ())
    return found


def test_every_throttle_in_use_reports_its_quota():
    """A throttle added later without the mixin (a plain DRF AnonRateThrottle) fails here."""
    in_use = _throttle_classes_in_use()
    assert len(in_use) >= 7, in_use  # the auth endpoints' throttles are found
    assert [cls for cls in in_use if not issubclass(cls, ReportsRateLimit)] == []


def test_the_allowed_cors_headers_keep_every_default_of_django_cors_headers():
    from corsheaders.defaults import default_headers

    assert set(default_headers) <= set(settings.CORS_ALLOW_HEADERS)


def test_cors_exposes_etag_and_the_ratelimit_fields_and_allows_the_precondition_headers(api_client):
    origin = settings.CORS_ALLOWED_ORIGINS[0]
    preflight = api_client.options(
        "/api/v1/examples/1/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-match, if-none-match, authorization",
    )
    allowed = {h.strip() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"if-match", "if-none-match", "authorization"} <= allowed
    response = api_client.post(LOGIN, WRONG, HTTP_ORIGIN=origin)
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "RateLimit", "RateLimit-Policy", "Retry-After"} <= exposed

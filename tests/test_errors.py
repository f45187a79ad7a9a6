"""Bad input anywhere gets a JSON 4xx, never a 500 or an HTML page."""

import json

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"


def post_raw(client, url, body: bytes | str, content_type="application/json", **extra):
    return client.generic("POST", url, body, content_type=content_type, **extra)


def test_malformed_json_is_400(client):
    response = post_raw(client, REGISTER, b'{"email": ')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_invalid_utf8_is_400(client):
    response = post_raw(client, REGISTER, b'{"email": "\xff\xfe"}')
    assert response.status_code == 400
    assert "detail" in response.json()


def test_deeply_nested_json_is_400(client):
    response = post_raw(client, REGISTER, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_lone_surrogate_is_400_and_stores_nothing(client):
    response = post_raw(client, REGISTER, '{"email": "a@example.com", "password": "x\\ud800yz-Passphrase"}')
    assert response.status_code == 400
    assert "Unicode" in response.json()["detail"]
    assert not User.objects.exists()


def test_wrong_content_type_is_415(client):
    response = post_raw(client, REGISTER, "email=a", content_type="text/plain")
    assert response.status_code == 415
    assert response.json() == {"detail": 'Unsupported media type "text/plain" in request.'}


def test_json_that_is_not_an_object_is_400(client):
    response = post_raw(client, REGISTER, "[1, 2]")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}


def test_body_over_one_mebibyte_is_413(client):
    body = json.dumps({"email": "a@example.com", "password": "x" * (1024 * 1024)})
    response = post_raw(client, REGISTER, body)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large."}
    assert not User.objects.exists()


def test_form_body_over_one_mebibyte_is_refused_unread(client):
    # Not JSON: refused as a 415 before the body is read at all.
    body = "email=a%40example.com&password=" + "x" * (1024 * 1024)
    response = post_raw(client, REGISTER, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert not User.objects.exists()


def test_body_just_under_the_limit_is_parsed(client):
    body = json.dumps({"email": "bad", "password": "x" * (1024 * 1024 - 100)})
    response = post_raw(client, REGISTER, body)
    assert response.status_code == 400
    assert "email" in response.json()


def test_unknown_url_is_json_404(client):
    response = client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("debug", [True, False])
def test_post_without_trailing_slash_is_404_not_500(client, settings, debug):
    # With DEBUG on, Django's CommonMiddleware would raise (a 500) rather than
    # redirect a POST and lose its body.
    settings.DEBUG = debug
    response = client.post("/api/auth/login", {"username": "a"}, content_type="application/json")
    assert response.status_code == 404
    if not debug:
        assert response.json() == {"detail": "Not found."}


def test_get_without_trailing_slash_still_redirects(client):
    response = client.get("/api/auth/csrf")
    assert response.status_code == 301
    assert response["Location"] == "/api/auth/csrf/"


def test_ready_is_200_when_database_answers(client):
    response = client.get("/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


class _DeadCursor:
    def __enter__(self):
        raise OperationalError("connection refused")

    def __exit__(self, *args):
        return False


def test_ready_is_503_json_when_database_is_down(client, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "cursor", lambda: _DeadCursor())
    response = client.get("/ready/")
    assert response.status_code == 503
    assert response.json() == {"detail": "The database is unavailable. Try again shortly."}


def test_api_answers_503_json_when_database_is_down(auth_client, monkeypatch):
    from authentication import views

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views.services, "profile_update", down)
    response = auth_client.patch("/api/auth/profile/", {"bio": "x"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "The database is unavailable. Try again shortly."}


@pytest.mark.parametrize("path", ["/api/auth/user/", "/admin/"], ids=["drf-view", "plain-django-view"])
def test_database_outage_while_loading_the_session_is_503_json(client, monkeypatch, path):
    """The session loads lazily, inside DRF's handler or in Django's middleware."""
    from django.contrib.sessions.backends.db import SessionStore

    def down(self):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(SessionStore, "load", down)
    client.cookies["sessionid"] = "x" * 32
    response = client.get(path)
    assert response.status_code == 503
    assert response.json() == {"detail": "The database is unavailable. Try again shortly."}


def test_a_throttled_endpoint_answers_503_json_when_the_cache_is_down(client, monkeypatch):
    """The throttle's count lives in the shared cache (Redis); it being down is an outage, not a 500."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rest_framework.throttling import SimpleRateThrottle

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(SimpleRateThrottle.cache, "get", unreachable)
    response = client.post(
        "/api/auth/login/", {"username": "x", "password": "y"}, content_type="application/json"
    )
    assert response.status_code == 503
    assert response.json() == {"detail": "A shared service is unavailable. Try again shortly."}
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize(
    "error",
    [
        "ResponseError:DENIED Redis is running in protected mode",
        "ReadOnlyError:You can't write against a read only replica.",
        "AuthenticationError:invalid password",
        "BusyLoadingError:Redis is loading the dataset in memory",
    ],
)
def test_registration_answers_503_json_when_redis_refuses(client, monkeypatch, error):
    """A Redis that answers with an error is an outage of the shared service, never a 500."""
    from redis import exceptions
    from rest_framework.throttling import SimpleRateThrottle

    name, message = error.split(":", 1)

    def refused(*args, **kwargs):
        raise getattr(exceptions, name)(message)

    monkeypatch.setattr(SimpleRateThrottle.cache, "get", refused)
    response = client.post(
        "/api/auth/register/",
        {"email": "new@example.com", "password": "a-Strong-passphrase-42"},
        content_type="application/json",
    )
    assert response.status_code == 503, response.content
    assert response.json() == {"detail": "A shared service is unavailable. Try again shortly."}
    assert response["Retry-After"] == "5"


def test_ready_reports_the_cache_as_degraded_not_unready(client, monkeypatch, settings):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from backend import views

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(views.cache, "get", unreachable)
    response = client.get("/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}


@pytest.mark.parametrize("surface", ["rest", "plain-django-view"])
def test_an_outage_503_is_one_warning_and_no_django_request_error(
    client, auth_client, monkeypatch, caplog, surface
):
    """A known outage is answered and logged by us once; django.request does not add an ERROR."""
    import logging

    from django.contrib.sessions.backends.db import SessionStore

    from authentication import views

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    caplog.set_level(logging.INFO)
    if surface == "rest":
        monkeypatch.setattr(views.services, "profile_update", down)
        response = auth_client.patch("/api/auth/profile/", {"bio": "x"})
    else:
        monkeypatch.setattr(SessionStore, "load", down)
        client.cookies["sessionid"] = "x" * 32
        response = client.get("/admin/")

    assert (response.status_code, response.has_header("Retry-After")) == (503, True)
    logged = [(r.name, r.levelno) for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == [(logged[0][0], logging.WARNING)], logged
    assert logged[0][0].startswith("backend."), logged


@pytest.mark.parametrize(
    "status,headers,reported",
    [(503, {}, True), (500, {"Retry-After": "5"}, True), (503, {"Retry-After": "5"}, False)],
)
def test_only_a_coded_outage_503_is_kept_from_django_request(rf, caplog, status, headers, reported):
    """Any other 5xx (a 503 with no Retry-After, a 500) is still an ERROR of django.request."""
    import logging

    from django.http import HttpResponse
    from django.utils.log import log_response

    from backend.middleware import OutageLoggedOnce

    request = rf.get("/x/")
    response = OutageLoggedOnce(lambda r: HttpResponse(status=status, headers=headers))(request)
    caplog.set_level(logging.INFO)
    log_response("%s", request.path, response=response, request=request)
    assert any(r.name == "django.request" for r in caplog.records) is reported

"""Every /api/ endpoint takes JSON bodies only; a cross-site form cannot log anyone in.

An HTML form on any site can POST ``application/x-www-form-urlencoded``,
``multipart/form-data`` or ``text/plain`` to this server without a CORS
preflight, and the browser keeps the cookies the answer sets. Only
``application/json`` needs a preflight, which only allowed origins pass. So
every body that is not JSON is a 415, changes nothing and sets no cookie.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from rest_framework.views import APIView

from backend.parsers import StrictJSONParser
from tests.helpers import database_state
from tests.matrix.surface import routes

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
REGISTER = "/api/auth/register/"
EVIL_ORIGIN = "https://evil.example"
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "text/plain"]


def form_body(content_type: str, fields: dict[str, str]) -> str:
    """What a browser's <form enctype=...> sends for these fields."""
    if content_type.startswith("multipart/"):
        parts = [
            f'--xyz\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        ]
        return "".join(parts) + "--xyz--\r\n"
    if content_type == "text/plain":
        # The trick for JSON over a text/plain form: one field whose name and
        # value together spell a JSON document.
        return json.dumps(fields)
    return "&".join(f"{name}={value}" for name, value in fields.items())


def cross_site_post(client, url: str, content_type: str, fields: dict[str, str]):
    return client.generic(
        "POST",
        url,
        form_body(content_type, fields),
        content_type=content_type,
        HTTP_ORIGIN=EVIL_ORIGIN,
        HTTP_REFERER=f"{EVIL_ORIGIN}/page",
        HTTP_SEC_FETCH_SITE="cross-site",
    )


def assert_refused_without_session(response, client) -> None:
    assert response.status_code == 415, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Unsupported media type")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert not Session.objects.exists()
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("content_type", FORM_TYPES)
def test_cross_site_form_login_is_415_and_creates_no_session(csrf_client, user, password, content_type):
    response = cross_site_post(
        csrf_client, LOGIN, content_type, {"username": user.username, "password": password}
    )
    assert_refused_without_session(response, csrf_client)
    assert "token" not in response.json()


@pytest.mark.parametrize("content_type", FORM_TYPES)
def test_cross_site_form_register_is_415_and_creates_nothing(csrf_client, content_type):
    before = database_state()
    fields = {"email": "victim@example.com", "password": "a-Long-Passphrase-42", "username": "planted"}
    response = cross_site_post(csrf_client, REGISTER, content_type, fields)
    assert_refused_without_session(response, csrf_client)
    assert not User.objects.filter(email="victim@example.com").exists()
    assert database_state() == before


def test_text_plain_body_that_is_valid_json_is_refused(csrf_client, user, password):
    body = json.dumps({"username": user.username, "password": password})
    response = csrf_client.generic("POST", LOGIN, body, content_type="text/plain;charset=UTF-8")
    assert_refused_without_session(response, csrf_client)


def test_the_same_login_as_json_still_works(csrf_client, user, password):
    response = csrf_client.post(LOGIN, {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME in response.cookies


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/examples/"),
        ("PUT", "/api/v1/examples/1/"),
        ("PATCH", "/api/v1/examples/1/"),
        ("PATCH", "/api/auth/user/"),
        ("PATCH", "/api/auth/profile/"),
        ("POST", "/api/auth/password/change/"),
        ("POST", "/api/auth/password/reset/"),
        ("POST", "/api/auth/password/reset/confirm/"),
    ],
)
@pytest.mark.parametrize("content_type", FORM_TYPES)
def test_every_write_endpoint_refuses_form_bodies(
    auth_client, user, example_factory, method, url, content_type
):
    example_factory(user=user, id=1, title="kept")
    before = database_state()
    response = auth_client.generic(
        method, url, form_body(content_type, {"title": "changed"}), content_type=content_type
    )
    assert response.status_code == 415, (method, url, response.content)
    assert database_state() == before


def test_every_rest_view_parses_json_only():
    """Holds for every DRF view the URL resolver reaches, including those added later."""
    checked = []
    for route in routes():
        view_class = getattr(route.callback, "cls", None)
        if view_class is None or not issubclass(view_class, APIView):
            continue
        parsers = view_class.parser_classes
        assert list(parsers) == [StrictJSONParser], f"{route}: parser_classes {parsers}"
        checked.append(route.key)
    assert len(checked) >= 10, checked


def test_openapi_declares_json_bodies_only():
    document = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text(encoding="utf-8"))
    bodies = [
        (path, method, set(operation["requestBody"]["content"]))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    assert bodies
    assert all(types == {"application/json"} for _path, _method, types in bodies), bodies
    response = document["paths"]["/api/v1/examples/"]["post"]["responses"]["415"]
    assert response == {"$ref": "#/components/responses/UnsupportedMediaType"}
    described = document["components"]["responses"]["UnsupportedMediaType"]["description"]
    assert "JSON" in described and "form" not in described


def test_the_browsable_api_offers_its_json_form_only(client, user):
    client.force_login(user)
    html = client.get("/api/v1/examples/", HTTP_ACCEPT="text/html").content.decode()
    # The raw-data form, whose content type can only be JSON; no HTML form
    # built from the serializer (it would post form data, now a 415).
    assert 'name="_content_type"' in html
    assert '<option value="application/json" selected>application/json</option>' in html
    assert "multipart/form-data" not in html
    assert 'name="title"' not in html

"""Error answers on API paths are JSON with DEBUG on and off.

With DEBUG on, Django's HTML debug pages answered unknown API URLs, slash-less
POSTs and methods a view does not take; JSON clients saw only a status. The
admin keeps its HTML pages.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import path

from backend.urls import urlpatterns as project_urls

pytestmark = pytest.mark.django_db


def crash(request):
    raise RuntimeError("a bug with a secret: SECRET_KEY=do-not-show")


def get_only(request):
    from django.http import JsonResponse
    from django.views.decorators.http import require_GET

    return require_GET(lambda request: JsonResponse({}))(request)


# Project routes plus two that only a test needs: a view that crashes and a
# plain Django view that takes GET only.
urlpatterns = [
    path("api/test-crash/", crash),
    path("api/test-get-only/", get_only),
    *project_urls,
]
handler404 = "backend.views.page_not_found"
handler500 = "backend.views.server_error"

DEBUG_MODES = pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])


def assert_json_error(response, status: int, detail: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json", response.content[:200]
    assert response.json() == {"detail": detail}
    assert b"<html" not in response.content.lower()
    assert b"Traceback" not in response.content


@DEBUG_MODES
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/v1/examples/null,null/"),
        ("GET", "/api/nothing-here/"),
        ("POST", "/api/v1/examples"),
        ("POST", "/api/auth/login"),
        ("GET", "/api/v1/nope"),
        ("DELETE", "/api/v2/"),
    ],
)
def test_unknown_api_urls_are_json_404(client, debug, method, url):
    with override_settings(DEBUG=debug):
        response = client.generic(method, url, "{}", content_type="application/json")
    assert_json_error(response, 404, "Not found.")


@DEBUG_MODES
@pytest.mark.parametrize("url", ["/graphql", "/graphql/nothing"])
def test_graphql_urls_without_a_route_are_json_404(client, debug, url):
    with override_settings(DEBUG=debug):
        response = client.post(url, {"query": "{ me { id } }"}, content_type="application/json")
    assert_json_error(response, 404, "Not found.")


@DEBUG_MODES
@override_settings(ROOT_URLCONF=__name__)
def test_a_method_a_plain_view_does_not_take_is_json_405(client, debug):
    with override_settings(DEBUG=debug):
        response = client.post("/api/test-get-only/", "{}", content_type="application/json")
    assert_json_error(response, 405, 'Method "POST" not allowed.')
    assert response["Allow"] == "GET"


@DEBUG_MODES
@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_on_an_api_path_is_json_500_without_the_traceback(client, debug):
    client.raise_request_exception = False
    with override_settings(DEBUG=debug):
        response = client.get("/api/test-crash/")
    assert_json_error(response, 500, "Server error.")
    assert b"do-not-show" not in response.content


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
def test_drf_errors_keep_their_shape(auth_client, debug):
    with override_settings(DEBUG=debug):
        response = auth_client.get("/api/v1/examples/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_browsable_api_still_renders_its_errors_as_html(client, user):
    client.force_login(user)
    with override_settings(DEBUG=True):
        response = client.get("/api/v1/examples/999999/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Django REST framework" in response.content


def test_the_admin_keeps_its_html_debug_404(admin_client):
    with override_settings(DEBUG=True):
        response = admin_client.get("/admin/no-such-page/nowhere/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_non_api_page_keeps_the_debug_404_in_development(client):
    with override_settings(DEBUG=True):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")

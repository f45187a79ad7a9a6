"""`/` and `/api/` answer with the addresses of every entry point, and each address answers."""

import pytest
from django.test import override_settings

from backend.views import ENTRY_POINTS

INDEXES = ["/", "/api/"]


@pytest.mark.parametrize("path", INDEXES)
def test_the_index_lists_every_entry_point_as_an_absolute_url(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body == {
        "rest": "http://testserver/api/v1/",
        "auth_login": "http://testserver/api/auth/login/",
        "browsable_api_login": "http://testserver/api-auth/login/",
        "openapi_schema": "http://testserver/api/schema/",
        "swagger_ui": "http://testserver/api/docs/",
        "graphql": "http://testserver/graphql/",
        "graphiql": "http://testserver/graphql/",
        "health": "http://testserver/health/",
        "ready": "http://testserver/ready/",
    }
    assert set(body) == {*ENTRY_POINTS, "graphiql"}


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(ENTRY_POINTS))
def test_every_listed_address_answers_a_browser(client, key):
    url = client.get("/").json()[key]
    response = client.get(url.removeprefix("http://testserver"), HTTP_ACCEPT="text/html")
    # Some answer a browser's GET with 401 (no credentials), 405 (POST only) or 406 (JSON only).
    assert response.status_code in {200, 401, 405, 406}, (key, response.status_code)


@override_settings(GRAPHIQL_ENABLED=False)
def test_the_index_says_when_graphiql_is_off(client):
    assert client.get("/").json()["graphiql"] is None


@pytest.mark.parametrize("path", INDEXES)
def test_the_index_refuses_writes_with_json(client, path):
    response = client.post(path, data={}, content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET, HEAD"

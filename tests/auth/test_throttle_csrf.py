import pytest
from django.test import override_settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@override_settings(AUTH_THROTTLE_RATE="3/min")
@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/auth/login/", {"username": "alice", "password": "wrong"}),
        ("/api/auth/register/", {"email": "bad"}),
        ("/api/auth/password/reset/", {"email": "a@example.com"}),
    ],
)
def test_auth_endpoints_are_throttled_per_client(api_client, user, url, body):
    for _ in range(3):
        assert api_client.post(url, body).status_code != 429
    response = api_client.post(url, body)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(response["Retry-After"]) <= 60
    # Another client address has its own count.
    assert api_client.post(url, body, REMOTE_ADDR="10.0.0.2").status_code != 429


def test_default_throttle_is_ten_a_minute(api_client, user):
    codes = [
        api_client.post("/api/auth/login/", {"username": "alice", "password": "x"}).status_code
        for _ in range(11)
    ]
    assert codes == [400] * 10 + [429]


@override_settings(AUTH_THROTTLE_RATE="1/min")
def test_throttled_even_with_right_password(api_client, user):
    api_client.post("/api/auth/login/", {"username": "alice", "password": "wrong"})
    response = api_client.post("/api/auth/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429


def test_csrf_endpoint_sets_cookie_and_returns_token(csrf_client):
    response = csrf_client.get("/api/auth/csrf/")
    assert response.status_code == 200
    token = response.json()["csrfToken"]
    assert token
    assert "csrftoken" in response.cookies


def test_csrf_token_from_endpoint_passes_the_check(csrf_client, user):
    csrf_client.post("/api/auth/login/", {"username": "alice", "password": PASSWORD})
    token = csrf_client.get("/api/auth/csrf/").json()["csrfToken"]
    response = csrf_client.patch("/api/auth/profile/", {"bio": "x"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_cors_allows_the_frontend_origin_with_credentials(client):
    response = client.options(
        "/api/auth/login/",
        HTTP_ORIGIN="http://localhost:3000",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-csrftoken",
    )
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrftoken" in response["Access-Control-Allow-Headers"]


def test_cors_gives_other_origins_nothing(client):
    response = client.options(
        "/api/auth/login/", HTTP_ORIGIN="http://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in response

"""Who may do what: the cross-user matrix, odd ids, anonymous callers and CSRF."""

from __future__ import annotations

import pytest

from api.models import ExampleModel
from tests.factories import token_for

from .conftest import LIST_URL, all_rows, detail_url, duplicate_url

MISSING_ID = 987_654_321
NOT_FOUND = {"detail": "Not found."}

# (method, url builder, body) for every operation on one example.
OPERATIONS = {
    "GET": ("get", detail_url, None),
    "PUT": ("put", detail_url, {"title": "Taken over", "content": "by Bob"}),
    "PATCH": ("patch", detail_url, {"title": "Taken over"}),
    "DELETE": ("delete", detail_url, None),
    "duplicate": ("post", duplicate_url, None),
}


def call(client, operation: str, example_id: object):
    method, url, body = OPERATIONS[operation]
    return getattr(client, method)(url(example_id), body, format="json")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_foreign_example_answers_404(other_client, example, operation):
    response = call(other_client, operation, example.pk)

    assert response.status_code == 404


@pytest.mark.parametrize("operation", OPERATIONS)
def test_foreign_example_answers_exactly_like_a_missing_one(other_client, example, operation):
    foreign = call(other_client, operation, example.pk)
    missing = call(other_client, operation, MISSING_ID)

    assert (foreign.status_code, foreign.content) == (missing.status_code, missing.content)
    assert foreign.content == b'{"detail":"Not found."}'
    assert foreign["Content-Type"] == missing["Content-Type"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_foreign_example_is_left_unchanged(other_client, example, foreign_example, operation):
    before = all_rows()

    call(other_client, operation, example.pk)

    assert all_rows() == before


@pytest.mark.parametrize("operation", ["PUT", "PATCH"])
def test_foreign_example_is_404_even_with_an_invalid_body(other_client, example, operation):
    method, url, _ = OPERATIONS[operation]

    response = getattr(other_client, method)(url(example.pk), {"title": ""}, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_owner_still_sees_the_example_after_the_attempts(auth_client, other_client, example):
    for operation in OPERATIONS:
        call(other_client, operation, example.pk)

    assert auth_client.get(detail_url(example.pk)).json()["title"] == "Alice's note"


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    "example_id",
    [
        "0",
        "9223372036854775807",  # the largest BIGINT: a valid lookup that finds nothing
        "9223372036854775808",  # one past BIGINT
        "99999999999999999999999999",
        "00000000000000000000001",
    ],
)
def test_out_of_range_ids_are_404(auth_client, example, operation, example_id):
    before = all_rows()

    response = call(auth_client, operation, example_id)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert all_rows() == before


def test_leading_zeros_name_the_same_example(auth_client, example):
    response = auth_client.get(detail_url(f"000{example.pk}"))

    assert response.status_code == 200
    assert response.json()["id"] == example.pk


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("example_id", ["abc", "-1", "1.0", "1e3", "%D9%A3", "%C2%B2", "1%20"])
def test_non_digit_ids_are_404(auth_client, example, operation, example_id):
    before = all_rows()

    response = call(auth_client, operation, example_id)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert all_rows() == before


def test_options_on_a_foreign_example_is_not_an_error(other_client, example):
    foreign = other_client.options(detail_url(example.pk))
    missing = other_client.options(detail_url(MISSING_ID))

    assert foreign.status_code == 200
    assert foreign.json() == missing.json()


# Anonymous callers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST_URL),
        ("post", LIST_URL),
        ("get", "/api/v1/examples/1/"),
        ("put", "/api/v1/examples/1/"),
        ("patch", "/api/v1/examples/1/"),
        ("delete", "/api/v1/examples/1/"),
        ("post", "/api/v1/examples/1/duplicate/"),
    ],
)
def test_anonymous_is_401_with_token_challenge(api_client, example, method, path):
    before = all_rows()

    response = getattr(api_client, method)(path, {"title": "x"}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert all_rows() == before


def test_invalid_token_is_401(api_client, example):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(LIST_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Invalid token."}


def test_inactive_users_token_is_401(auth_client, user, example):
    user.is_active = False
    user.save()

    response = auth_client.get(LIST_URL)

    assert response.status_code == 401


# Session authentication and CSRF


@pytest.fixture
def session_client(csrf_client, user):
    csrf_client.force_login(user)
    return csrf_client


def csrf_token(client) -> str:
    return client.get("/api/auth/csrf/").json()["csrfToken"]


def test_session_get_needs_no_csrf_token(session_client, example):
    response = session_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_session_post_without_csrf_token_is_403_json(session_client):
    response = session_client.post(LIST_URL, {"title": "x"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF cookie not set."}
    assert not ExampleModel.objects.exists()


def test_session_post_with_wrong_csrf_token_is_403_json(session_client):
    csrf_token(session_client)

    response = session_client.post(LIST_URL, {"title": "x"}, format="json", HTTP_X_CSRFTOKEN="x" * 64)

    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    assert not ExampleModel.objects.exists()


def test_session_post_with_csrf_token_succeeds(session_client, user):
    token = csrf_token(session_client)

    response = session_client.post(LIST_URL, {"title": "x"}, format="json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201
    assert ExampleModel.objects.get().user == user


@pytest.mark.parametrize("operation", ["PUT", "PATCH", "DELETE", "duplicate"])
def test_session_unsafe_operations_need_the_csrf_token(session_client, example, operation):
    before = all_rows()

    refused = call(session_client, operation, example.pk)

    assert refused.status_code == 403
    assert all_rows() == before


@pytest.mark.parametrize(
    ("operation", "status"), [("PUT", 200), ("PATCH", 200), ("DELETE", 204), ("duplicate", 201)]
)
def test_session_unsafe_operations_succeed_with_the_csrf_token(session_client, example, operation, status):
    token = csrf_token(session_client)
    method, url, body = OPERATIONS[operation]

    response = getattr(session_client, method)(url(example.pk), body, format="json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == status


def test_token_authenticated_post_needs_no_csrf_token(csrf_client, user):
    csrf_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")

    response = csrf_client.post(LIST_URL, {"title": "x"}, format="json")

    assert response.status_code == 201

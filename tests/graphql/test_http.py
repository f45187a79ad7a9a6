"""The HTTP side of /graphql/: authentication, CSRF, methods, bodies and GraphiQL."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from api.models import ExampleModel

from ..factories import PASSWORD, ExampleFactory, token_for

pytestmark = pytest.mark.django_db

URL = "/graphql/"
CREATE = 'mutation { createExample(data: {title: "From the browser"}) { __typename ... on Example { id } } }'
ME = "{ me { username } }"


def post(client: Client, query: str, **headers: str):
    return client.post(URL, {"query": query}, content_type="application/json", headers=headers)


def error_of(response) -> tuple[str, str]:
    """(message, code) of an HTTP-level refusal, which is JSON in GraphQL's error shape."""
    assert response["Content-Type"] == "application/json"
    [error] = response.json()["errors"]
    return error["message"], error["extensions"]["code"]


@pytest.fixture
def browser() -> Client:
    """A client that enforces CSRF checks the way a real browser session meets them."""
    return Client(enforce_csrf_checks=True)


def open_graphiql(client: Client) -> str:
    response = client.get(URL, headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.cookies[settings.CSRF_COOKIE_NAME].value


# Tokens


def test_token_post_needs_no_csrf_token(browser, user):
    response = post(browser, CREATE, Authorization=f"Token {token_for(user)}")
    assert response.status_code == 200
    assert response.json()["data"]["createExample"]["__typename"] == "Example"
    assert ExampleModel.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token not-a-real-key", "Invalid token."),
        ("Token", "Invalid token header. No credentials provided."),
        ("Token two parts", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_a_bad_token_is_401(client, user, header, message):
    response = post(client, ME, Authorization=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response) == (message, "UNAUTHENTICATED")


def test_a_bad_token_is_401_even_with_a_valid_session(client, user, rows):
    client.force_login(user)
    response = post(client, CREATE, Authorization="Token not-a-real-key")
    assert response.status_code == 401
    assert rows() == []


def test_an_inactive_users_token_is_401(client, user):
    key = token_for(user)
    user.is_active = False
    user.save()
    response = post(client, ME, Authorization=f"Token {key}")
    assert response.status_code == 401
    assert error_of(response) == ("User inactive or deleted.", "UNAUTHENTICATED")


def test_the_token_wins_over_the_session(client, user, other_user):
    client.force_login(other_user)
    response = post(client, ME, Authorization=f"Token {token_for(user)}")
    assert response.json() == {"data": {"me": {"username": "alice"}}}


def test_another_scheme_falls_back_to_the_session(client, user):
    client.force_login(user)
    response = post(client, ME, Authorization="Bearer whatever")
    assert response.json() == {"data": {"me": {"username": "alice"}}}


# Session and CSRF


def test_session_post_without_csrf_header_is_403_and_changes_nothing(browser, user, rows):
    browser.force_login(user)
    open_graphiql(browser)  # the cookie alone is not enough: the header must echo it
    response = post(browser, CREATE)
    assert response.status_code == 403
    message, code = error_of(response)
    assert code == "CSRF_FAILED" and message.startswith("CSRF Failed:")
    assert rows() == []


def test_session_post_with_a_wrong_csrf_header_is_403(browser, user, rows):
    browser.force_login(user)
    open_graphiql(browser)
    response = post(browser, CREATE, X_CSRFToken="x" * 32)
    assert response.status_code == 403
    assert rows() == []


def test_session_post_with_csrf_header_is_200(browser, user):
    browser.force_login(user)
    token = open_graphiql(browser)
    response = post(browser, CREATE, X_CSRFToken=token)
    assert response.status_code == 200
    assert response.json()["data"]["createExample"]["__typename"] == "Example"
    assert ExampleModel.objects.filter(user=user).count() == 1


def test_session_get_query_needs_no_csrf(browser, user):
    browser.force_login(user)
    response = browser.get(URL, {"query": ME})
    assert response.json() == {"data": {"me": {"username": "alice"}}}


def test_anonymous_post_needs_no_csrf(browser):
    response = post(browser, ME)
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}


def test_the_frontend_origin_may_use_the_session_with_csrf(browser, user):
    # CORS_ALLOWED_ORIGINS and CSRF_TRUSTED_ORIGINS list http://localhost:3000 in test settings.
    browser.force_login(user)
    token = open_graphiql(browser)
    response = post(browser, ME, X_CSRFToken=token, Origin="http://localhost:3000")
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"username": "alice"}}}
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_another_origin_gets_no_cors_headers_and_fails_csrf(browser, user, rows):
    browser.force_login(user)
    token = open_graphiql(browser)
    response = post(browser, CREATE, X_CSRFToken=token, Origin="https://evil.example")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert rows() == []


def test_cors_preflight_allows_the_headers_graphql_clients_send(client):
    response = client.options(
        URL,
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-csrftoken",
        },
    )
    assert response.status_code == 200
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-csrftoken"} <= allowed


# GraphiQL


def test_graphiql_is_served_to_browsers_and_sets_the_csrf_cookie(browser):
    response = browser.get(URL, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "graphiql" in page.lower()
    # The page's fetcher (a static file of its own) sends the csrftoken cookie back as X-CSRFToken...
    assert '<script src="/static/graphql_api/graphiql_page.js"></script>' in page
    script = b"".join(browser.get("/static/graphql_api/graphiql_page.js").streaming_content).decode()
    assert 'Cookies.get("csrftoken")' in script
    assert 'defaultHeaders["x-csrftoken"] = csrfToken' in script
    # ...which is the cookie and header Django checks, readable from JavaScript.
    assert settings.CSRF_COOKIE_NAME == "csrftoken"
    assert settings.CSRF_HEADER_NAME == "HTTP_X_CSRFTOKEN"
    assert settings.CSRF_COOKIE_HTTPONLY is False
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie.value and not cookie["httponly"]


def test_someone_logged_in_over_rest_can_run_queries_and_mutations_from_graphiql(browser, user):
    login = browser.post(
        "/api/auth/login/", {"username": "alice", "password": PASSWORD}, content_type="application/json"
    )
    assert login.status_code == 200
    # GraphiQL loads, then sends what the page's fetcher sends: the cookies and X-CSRFToken.
    token = open_graphiql(browser)
    assert post(browser, ME, X_CSRFToken=token).json() == {"data": {"me": {"username": "alice"}}}
    created = post(browser, CREATE, X_CSRFToken=token)
    assert created.status_code == 200
    assert ExampleModel.objects.get(pk=created.json()["data"]["createExample"]["id"]).user == user


def test_graphiql_is_404_json_when_disabled(client, settings):
    settings.GRAPHIQL_ENABLED = False
    response = client.get(URL, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert error_of(response)[1] == "NOT_FOUND"
    # Queries over GET still work.
    assert client.get(URL, {"query": ME}).json() == {"data": {"me": None}}


# Methods


def test_get_runs_queries(gql_owner, user):
    ExampleFactory(user=user)
    response = gql_owner.client.get(URL, {"query": "{ examples { totalCount } }"}, headers=gql_owner.headers)
    assert response.json() == {"data": {"examples": {"totalCount": 1}}}


def test_a_mutation_over_get_is_refused_and_changes_nothing(gql_owner, user, rows):
    example = ExampleFactory(user=user)
    before = rows()
    response = gql_owner.client.get(
        URL,
        {"query": f'mutation {{ deleteExample(id: "{example.pk}") {{ __typename }} }}'},
        headers=gql_owner.headers,
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert error_of(response) == ("mutations are not allowed when using GET", "METHOD_NOT_ALLOWED")
    assert rows() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(client, method):
    response = getattr(client, method)(URL, "{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert error_of(response)[1] == "METHOD_NOT_ALLOWED"


# Bodies


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "JSON parse error - Expecting property name enclosed in double quotes"),
        (b"null", "The request body must be a JSON object: {query, variables, operationName}."),
        (b"42", "The request body must be a JSON object: {query, variables, operationName}."),
        (b'"{ me { id } }"', "The request body must be a JSON object: {query, variables, operationName}."),
        (b"\xff\xfe{}", "JSON parse error - the body is not valid UTF-8."),
        (
            b'{"query": "{ me { id } }", "variables": {"x": "\\ud800"}}',
            "JSON parse error - strings must be valid Unicode",
        ),
        (b"[" * 50_000 + b"]" * 50_000, "JSON parse error - the document is nested too deeply."),
        (b"{}", "No GraphQL query found in the request"),
        (b'{"query": 42}', "The GraphQL operation's `query` must be a string or null, if provided."),
        (b'{"query": "{ me { id } }", "variables": [1]}', "`variables` must be an object or null"),
        (b'{"query": "{ me { id } }", "operationName": 1}', "`operationName` must be a string or null."),
        (b'{"query": "{ me { id } }", "operationName": "Nope"}', 'Unknown operation named "Nope".'),
    ],
)
def test_malformed_bodies_are_400_json(client, body, message):
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    got, code = error_of(response)
    assert message in got and code == "BAD_REQUEST"


@pytest.mark.parametrize(
    "body", [b"[]", json.dumps([{"query": "{ me { id } }"}, {"query": "{ me { id } }"}]).encode()]
)
def test_batching_is_off(client, body):
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response) == ("Batching is not enabled", "BAD_REQUEST")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_only_json_bodies_are_accepted(client, content_type):
    response = client.post(URL, "query=%7B+me+%7B+id+%7D+%7D", content_type=content_type)
    assert response.status_code == 415
    assert error_of(response)[1] == "UNSUPPORTED_MEDIA_TYPE"


def test_a_body_over_one_mebibyte_is_413(gql_owner, rows):
    body = json.dumps({"query": CREATE, "variables": {"pad": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}})
    response = gql_owner.post_json(body)
    assert response.status_code == 413
    message, code = error_of(response)
    assert code == "PAYLOAD_TOO_LARGE" and "1048576" in message
    assert rows() == []


def test_an_oversized_form_post_from_a_session_is_413_not_500(browser, user):
    # The CSRF check reads a form body looking for csrfmiddlewaretoken; past
    # the limit Django raises RequestDataTooBig there, before the view runs.
    browser.force_login(user)
    open_graphiql(browser)
    response = browser.post(
        URL,
        "a=" + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert error_of(response)[1] == "PAYLOAD_TOO_LARGE"


def test_a_body_just_under_the_limit_is_served(gql_owner):
    query = "{ me { username } }"
    pad = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 200
    response = gql_owner.post_json(json.dumps({"query": query, "extensions": {"pad": "x" * pad}}))
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"username": "alice"}}}

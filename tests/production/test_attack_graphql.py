"""The GraphQL limits replayed from outside: a real gunicorn with production settings.

Each attack must be answered, quickly enough for the client's timeout (the
conftest's 30 s, a safety net, not an assertion), with the right error code.

Production runs trusted documents only, which refuses every one of
these documents before it is parsed. The limits must hold without that mode
too (staff may send any query; development runs any query), so the attacks
are replayed against a server with it off, and once against the production
default.
"""

from __future__ import annotations

import urllib.parse
import uuid

import pytest

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"


def fragment_bomb(levels: int) -> str:
    fragments = " ".join(f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return "{ me { ...F0 } } " + fragments + f" fragment F{levels} on User {{ id }}"


@pytest.fixture(scope="module")
def server(start_server):
    # Trusted documents off: what staff and development get, every other limit on.
    return start_server(GUNICORN_WORKERS="1", GUNICORN_THREADS="4", GRAPHQL_TRUSTED_DOCUMENTS_ONLY="0")


@pytest.fixture(scope="module")
def trusted_server(start_server):
    """Production's default: only the frontend's compiled operations run."""
    return start_server(GUNICORN_WORKERS="1", GUNICORN_THREADS="2")


@pytest.fixture(scope="module")
def owner(server) -> dict[str, str]:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201, response.body
    headers = {"Authorization": f"Token {response.json()['token']}"}
    for index in range(3):
        created = server.request(
            "POST", "/api/v1/examples/", {"title": f"big {index}", "content": "é" * 20_000}, headers=headers
        )
        assert created.status == 201, created.body
    return headers


def graphql(server, query: str, headers=None, variables=None):
    response = server.request("POST", "/graphql/", {"query": query, "variables": variables}, headers=headers)
    assert response.status == 200, response.body
    return response.json()


def codes(body) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body["errors"]]


@pytest.mark.parametrize("levels", [20, 30])
def test_the_fragment_bomb_over_post_is_refused(server, levels):
    body = graphql(server, fragment_bomb(levels))
    assert body["data"] is None
    assert codes(body) == ["COST_LIMIT_EXCEEDED"]


def test_the_fragment_bomb_over_get_is_refused(server):
    query = urllib.parse.urlencode({"query": fragment_bomb(30)})
    response = server.request("GET", f"/graphql/?{query}", headers={"Accept": "application/json"})
    assert response.status == 200, response.body
    assert codes(response.json()) == ["COST_LIMIT_EXCEEDED"]


def test_the_repeated_field_is_refused(server):
    body = graphql(server, "{ me { " + "profile { displayName } " * 495 + "} }")
    assert codes(body) == ["VALIDATION_LIMIT_EXCEEDED"]


def test_aliases_times_pages_of_big_content_are_refused_by_cost(server, owner):
    page = "examples(pagination: {limit: 100}) { results { content } }"
    body = graphql(server, "{ " + " ".join(f"a{i}: {page}" for i in range(15)) + " }", headers=owner)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == 12000
    assert error["extensions"]["cost"] > 12000


def test_one_page_of_big_content_is_served_as_utf8(server, owner):
    response = server.request(
        "POST", "/graphql/", {"query": "{ examples { results { content } } }"}, headers=owner
    )
    assert response.status == 200
    assert "é".encode() * 20_000 in response.body
    assert b"\\u00e9" not in response.body
    assert len(response.body) < 3 * 20_000 * 2 + 1000  # 2 bytes per é, not 6


def test_the_suggestion_probe_learns_nothing(server, owner):
    for headers in (None, owner):
        body = graphql(server, "{ me { emai } }", headers=headers)
        [error] = body["errors"]
        assert error["message"] == "Cannot query field 'emai' on type 'User'."
    body = graphql(server, '{ examples(filters: {serch: "x"}) { totalCount } }', headers=owner)
    assert all("Did you mean" not in error["message"] for error in body["errors"])
    assert all("'search'" not in error["message"] for error in body["errors"])


def test_introspection_is_off_with_a_code(server):
    body = graphql(server, "{ __schema { queryType { name } } }")
    assert set(codes(body)) == {"INTROSPECTION_DISABLED"}


@pytest.mark.parametrize(
    "query",
    [fragment_bomb(30), "{ me { " + "profile { displayName } " * 495 + "} }", "{ me { emai } }"],
    ids=["fragment-bomb", "repeated-field", "suggestion-probe"],
)
def test_the_production_default_refuses_every_attack_document_unparsed(trusted_server, query):
    response = trusted_server.request("POST", "/graphql/", {"query": query})
    assert response.status == 400, response.body
    assert codes(response.json()) == ["PERSISTED_QUERY_REQUIRED"]


# Variables cannot buy unbounded work.


def test_forty_thousand_ordering_keys_in_a_variable_are_refused(server, owner):
    query = "query($o: [ExampleOrder!]) { examples(ordering: $o) { totalCount } }"
    body = graphql(server, query, owner, {"o": [{"title": "ASC"}] * 40_000})
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "o",
        "limit": 3,
        "found": 40000,
    }


def test_forty_thousand_ordering_keys_over_rest_are_a_400(server, owner):
    query = urllib.parse.urlencode({"ordering": ",".join(["title"] * 4_000)})
    response = server.request("GET", f"/api/v1/examples/?{query}", headers=owner)
    assert response.status == 400
    assert response.json() == {"ordering": ["`ordering` takes at most 3 items; 4000 given."]}


def test_a_nested_total_count_under_100_projects_is_answered_from_one_statement(server, owner):
    for index in range(100):
        created = server.request("POST", "/api/v1/projects/", {"name": f"p{index}"}, headers=owner)
        assert created.status == 201, created.body
    body = graphql(
        server, "{ projects(pagination: {limit: 100}) { results { examples { totalCount } } } }", owner
    )
    assert "errors" not in body, body
    assert [p["examples"]["totalCount"] for p in body["data"]["projects"]["results"]] == [0] * 100


def test_twenty_thousand_unknown_fields_in_a_variable_are_refused(server, owner):
    query = "query($f: ExampleFilter) { examples(filters: $f) { totalCount } }"
    body = graphql(server, query, owner, {"f": {f"field{n}": 1 for n in range(20_000)}})
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "f"}

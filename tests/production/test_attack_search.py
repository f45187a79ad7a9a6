"""The worst search the limits allow, replayed on a real gunicorn with production settings.

One user's 100 rows of 100,000 characters; the term is one 200-character
word (the length cap), six of them OR-ed through the variables of the
frontend's trusted Examples document. Full-text search finds rows through
the GIN index, so the answer is an ordinary 200; past the word and branch
limits it is a coded refusal; and a statement stopped by the API's statement
timeout is a coded 503, never INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.postgres

STRONG = "a-Strong-passphrase-42"
WORST_TERM = "a" * 199 + "b"
ROWS = 100


def examples_document(variables: dict) -> dict:
    """The frontend's Examples operation as a trusted document id: production runs only those."""
    from graphql_api.persisted import load_manifest_entries

    [sha256] = [key for key, text in load_manifest_entries().items() if "query Examples(" in text]
    return {"documentId": f"sha256:{sha256}", "variables": variables}


def ored(*terms: str) -> dict:
    node: dict = {"search": terms[-1]}
    for term in reversed(terms[:-1]):
        node = {"search": term, "OR": node}
    return node


@pytest.fixture(scope="module")
def server(start_server):
    return start_server(GUNICORN_WORKERS="1", GUNICORN_THREADS="2")


@pytest.fixture(scope="module")
def owner(server, pg_cluster) -> dict[str, str]:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    response = server.request("POST", "/api/auth/register/", {"email": email, "password": STRONG})
    assert response.status == 201, response.body
    # 100 rows of ~100,000 characters of words that do not compress (3,000 md5 words each),
    # and the term's own letter repeated (the old LIKE's worst case).
    pg_cluster.psql(
        "INSERT INTO api_examplemodel (user_id, title, content, created_at, updated_at) "
        f"SELECT u.id, 'row ' || g, CASE WHEN g % 2 = 0 THEN repeat('a', 100000) ELSE "
        "(SELECT left(string_agg(md5(random()::text || g || w), ' '), 100000) "
        "FROM generate_series(1, 3000) w) END, now(), now() "
        f"FROM auth_user u, generate_series(1, {ROWS}) g WHERE u.email = '{email}'"
    )
    return {"Authorization": f"Token {response.json()['token']}"}


def test_the_worst_rest_search_is_an_ordinary_answer(server, owner):
    response = server.request("GET", "/api/v1/examples/?" + f"search={WORST_TERM}&limit=1", headers=owner)

    assert response.status == 200, response.body
    assert response.json()["count"] == 0
    assert (
        server.request("GET", "/api/v1/examples/?search=row&limit=1", headers=owner).json()["count"] == ROWS
    )


def test_more_words_than_allowed_is_a_400(server, owner):
    words = " ".join(["word"] * 9)
    response = server.request("GET", f"/api/v1/examples/?search={words.replace(' ', '+')}", headers=owner)

    assert response.status == 400, response.body
    assert list(response.json()) == ["search"]


def test_six_ored_worst_terms_in_the_trusted_document_answer(server, owner):
    response = server.request(
        "POST", "/graphql/", examples_document({"filters": ored(*[WORST_TERM] * 6)}), headers=owner
    )

    assert response.status == 200, response.body
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["examples"]["totalCount"] == 0


def test_more_branches_than_allowed_is_a_coded_refusal(server, owner):
    response = server.request(
        "POST", "/graphql/", examples_document({"filters": ored(*["x"] * 10)}), headers=owner
    )

    assert response.status == 200, response.body
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "FILTER_BRANCH_LIMIT_EXCEEDED", "limit": 8, "found": 9}


def test_a_statement_timeout_is_a_coded_503(start_server, owner):
    # A timeout no query here can meet: reading a page of 100 rows of 100,000 characters takes longer.
    hurried = start_server(GUNICORN_WORKERS="1", GUNICORN_THREADS="1", API_STATEMENT_TIMEOUT_MS="1")

    rest = hurried.request("GET", "/api/v1/examples/?limit=100", headers=owner)
    assert rest.status == 503, rest.body
    assert rest.headers["retry-after"] == "5"
    assert rest.json()["code"] == "statement_timeout"

    graphql = hurried.request(
        "POST", "/graphql/", examples_document({"pagination": {"limit": 100}}), headers=owner
    )
    assert graphql.status == 503, graphql.body
    assert graphql.headers["retry-after"] == "5"
    assert [error["extensions"]["code"] for error in graphql.json()["errors"]] == ["TIMEOUT"]

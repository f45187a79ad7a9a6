"""Recorded responses: what clients see, data and error shapes, with stable ids and a frozen clock.

A changed snapshot is reviewed like code. ``pytest --snapshot-update`` rewrites
them; CI fails when a run writes one (it leaves the tree dirty).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

import api.services

from ..factories import token_for
from .conftest import GraphQLClient

pytestmark = pytest.mark.django_db

EXAMPLE_FIELDS = """
  id title content createdAt updatedAt
  owner { id username name }
  project { id name role }
"""
PAYLOAD = f"""
  __typename
  ... on Example {{ {EXAMPLE_FIELDS} }}
  ... on OperationInfo {{ messages {{ kind field message code }} }}
"""


def answer(response) -> dict:
    body = {"data": response.data}
    if response.errors is not None:
        body["errors"] = response.errors
    return body


def http_answer(response) -> dict:
    headers = {
        name: response[name] for name in ("Content-Type", "WWW-Authenticate", "Allow") if name in response
    }
    return {"status": response.status_code, "headers": headers, "body": response.json()}


@pytest.fixture
def alice(stable_data) -> GraphQLClient:
    return GraphQLClient(token_for(stable_data["alice"]))


def test_examples_page(alice, snapshot):
    query = f"""{{ examples(pagination: {{limit: 5}}) {{
      totalCount pageInfo {{ limit offset }} results {{ {EXAMPLE_FIELDS} }} }} }}"""
    snapshot.assert_match(answer(alice.run(query)))


def test_example_by_id_own_and_foreign(alice, snapshot):
    query = (
        f'{{ own: example(id: "9000001") {{ {EXAMPLE_FIELDS} }} foreign: example(id: "9000003") {{ id }} }}'
    )
    snapshot.assert_match(answer(alice.run(query)))


def test_me(alice, snapshot):
    snapshot.assert_match(
        answer(alice.run("{ me { id username email name dateJoined profile { displayName } } }"))
    )


def test_me_anonymous(stable_data, snapshot):
    snapshot.assert_match(answer(GraphQLClient().run("{ me { id } }")))


def test_create_example(alice, snapshot):
    response = alice.run(
        f'mutation {{ createExample(data: {{title: "Created", content: "Body"}}) {{ {PAYLOAD} }} }}'
    )
    created = response.data["createExample"]
    # The new row's id depends on the database's sequence, not on the code.
    assert int(created["id"]) > 0
    created["id"] = "<new id>"
    snapshot.assert_match(answer(response))


def test_update_example(alice, snapshot):
    query = f'mutation {{ updateExample(data: {{id: "9000002", title: "Renamed"}}) {{ {PAYLOAD} }} }}'
    snapshot.assert_match(answer(alice.run(query)))


def test_delete_example_returns_the_deleted_data(alice, snapshot):
    snapshot.assert_match(answer(alice.run(f'mutation {{ deleteExample(id: "9000001") {{ {PAYLOAD} }} }}')))


def test_update_profile(alice, snapshot):
    query = """mutation { updateProfile(data: {bio: "Hi", timezone: "Europe/Paris"}) {
      __typename ... on Profile { displayName bio timezone updatedAt } } }"""
    snapshot.assert_match(answer(alice.run(query)))


def test_validation_error_shape(alice, snapshot):
    query = f'mutation {{ createExample(data: {{title: "", content: "ok"}}) {{ {PAYLOAD} }} }}'
    profile = """mutation { updateProfile(data: {displayName: "%s", timezone: "Nowhere"}) {
      __typename ... on OperationInfo { messages { kind field message code } } } }"""
    snapshot.assert_match(
        {"example": answer(alice.run(query)), "profile": answer(alice.run(profile % ("x" * 151)))}
    )


def test_not_found_shape(alice, snapshot):
    foreign = f'mutation {{ duplicateExample(id: "9000003") {{ {PAYLOAD} }} }}'
    missing = f'mutation {{ duplicateExample(id: "12345678") {{ {PAYLOAD} }} }}'
    assert alice.run(foreign).data == alice.run(missing).data
    snapshot.assert_match(answer(alice.run(foreign)))


def test_unauthenticated_shape(stable_data, snapshot):
    snapshot.assert_match(answer(GraphQLClient().run("{ examples { totalCount } }")))


def test_pagination_error_shape(alice, snapshot):
    snapshot.assert_match(answer(alice.run("{ examples(pagination: {offset: -1}) { totalCount } }")))


def test_limit_error_shapes(alice, snapshot):
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(16)) + " }"
    # A valid document 11 levels deep (examples > results > project, three times, and more).
    depth = (
        "query Deep { "
        + "examples { results { project { " * 3
        + "examples { results { title } } "
        + "} } } " * 3
        + "}"
    )
    tokens = "{ me { " + "id " * 2000 + "} }"
    snapshot.assert_match(
        {
            "aliases": answer(alice.run(aliases)),
            "depth": answer(alice.run(depth)),
            "tokens": answer(alice.run(tokens)),
        }
    )


def test_masked_error_shape(alice, snapshot, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("secret")

    monkeypatch.setattr(api.services, "example_duplicate", boom)
    snapshot.assert_match(answer(alice.run('mutation { duplicateExample(id: "9000001") { __typename } }')))


def test_http_error_shapes(stable_data, snapshot):
    client = Client(enforce_csrf_checks=True)
    query = {"query": "{ me { id } }"}
    bad_token = client.post(
        "/graphql/", query, content_type="application/json", headers={"Authorization": "Token nope"}
    )
    get_mutation = client.get("/graphql/", {"query": 'mutation { deleteExample(id: "1") { __typename } }'})
    malformed = client.post("/graphql/", "{", content_type="application/json")
    too_large = client.post(
        "/graphql/", json.dumps({"query": "x" * (1024 * 1024)}), content_type="application/json"
    )
    client.force_login(stable_data["alice"])
    client.get("/graphql/", headers={"Accept": "text/html"})
    no_csrf = client.post("/graphql/", query, content_type="application/json")
    snapshot.assert_match(
        {
            "bad_token": http_answer(bad_token),
            "get_mutation": http_answer(get_mutation),
            "malformed_json": http_answer(malformed),
            "too_large": http_answer(too_large),
            "session_without_csrf": http_answer(no_csrf),
        }
    )

"""Generated bad input on every write route and every GraphQL root field.

tests/api/test_robustness.py sends generated query strings, ids and
title/content bodies to /api/v1/examples/. This module complements it: the
write routes are derived from the URL resolver (every POST, PUT and PATCH
outside the admin, /api/auth/ included), the GraphQL operations and their
variables from the served schema's argument types, and the input is hostile
(tests/bad_input/strategies.py): wrong types, huge strings, NUL, lone
surrogates as raw JSON escapes and as invalid UTF-8, RTL overrides,
combining marks, emoji, U+FFFF, nulls, nested junk, deep nesting.

Whatever is sent: never a 5xx, always a JSON body (GraphQL: never the masked
`Unexpected error.` either), and when the request is refused, every row of
every table is as it was. Each example builds its own data inside a
savepoint that is rolled back, as the owner of that data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from hypothesis import event, given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from api.models import ExampleModel
from graphql_api.errors import MASKED_MESSAGE
from graphql_api.schema import schema as served_schema

from ..factories import PASSWORD, ExampleFactory, UserFactory, token_for
from ..helpers import generated, rolled_back
from ..matrix.surface import changed_rows, database_dump, describe, routes
from .strategies import operation, raw_bodies, variables_for

pytestmark = pytest.mark.django_db

SCHEMA = served_schema._schema
CONTENT_TYPES = ("application/json", "application/json", "application/json; charset=utf-8", "text/plain")


@dataclass
class Owner:
    user: User
    example: ExampleModel
    client: APIClient


def owner_with_data() -> Owner:
    """A user with an example and a token, and another user with theirs (so "unchanged" means something)."""
    user = UserFactory()
    example = ExampleFactory(user=user)
    ExampleFactory(user=UserFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return Owner(user, example, client)


def write_routes() -> list:
    cases = []
    for route in routes():
        if route.is_admin or route.key == "graphql" or ".(?P<format>" in route.regex:
            continue  # the admin is not an API; GraphQL has its own test; suffixes repeat a view
        # Asking a function view for its write methods needs no database (GET would).
        cases += [
            pytest.param(route, method, id=f"{method} {route.regex}")
            for method in route.methods(among=("POST", "PUT", "PATCH"))
        ]
    return cases


def assert_json(response, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code, response.content[:300])
    if response.status_code != 204:
        assert response["Content-Type"].startswith("application/json"), (where, response["Content-Type"])
        json.loads(response.content)


@pytest.mark.parametrize(("route", "method"), write_routes())
@generated(max_examples=25)
@given(body=raw_bodies(PASSWORD), content_type=st.sampled_from(CONTENT_TYPES))
def test_no_rest_body_breaks_a_write_route_or_changes_data_when_refused(route, method, body, content_type):
    with rolled_back():
        owner = owner_with_data()
        cache.clear()  # throttle counts: each example is a first attempt
        url = route.url({"pk": owner.example.pk})
        before = database_dump()
        response = owner.client.generic(method, url, body, content_type=content_type)
        where = f"{method} {url} {body[:200]!r}"
        assert_json(response, where)
        event(f"status {response.status_code}")
        if response.status_code >= 400:
            changes = changed_rows(before, database_dump())
            assert not changes, f"{where} was refused but changed:\n{describe(changes)}"


def graphql_fields() -> list:
    return [
        pytest.param(root, name, id=f"{root}.{name}")
        for root, root_type in (("Query", SCHEMA.query_type), ("Mutation", SCHEMA.mutation_type))
        for name in root_type.fields
    ]


@st.composite
def graphql_requests(draw, root: str, name: str):
    variables = draw(variables_for(SCHEMA, root, name))
    # Raw JSON: ensure_ascii writes lone surrogates as \ud800 escapes, as a client could.
    return root == "Query" and draw(st.booleans()), variables


def refused_or_failed(answer: dict, name: str) -> bool:
    payload = (answer.get("data") or {}).get(name)
    return bool(answer.get("errors")) or (
        isinstance(payload, dict) and payload.get("__typename") == "OperationInfo"
    )


@pytest.mark.parametrize(("root", "name"), graphql_fields())
@generated(max_examples=60)
@given(data=st.data())
def test_no_graphql_variables_break_a_field_or_change_data_when_refused(root, name, data):
    query = operation(SCHEMA, root, name)
    use_get, variables = data.draw(graphql_requests(root, name))
    with rolled_back():
        owner = owner_with_data()
        # An id of the owner's now and then, so that updates and deletes get past "not found".
        if isinstance(variables, dict) and data.draw(st.booleans()):
            for holder in (variables, variables.get("data")):
                if isinstance(holder, dict) and "id" in holder:
                    holder["id"] = str(owner.example.pk)
        before = database_dump()
        encoded = json.dumps(variables)
        if use_get:
            response = owner.client.get("/graphql/", {"query": query, "variables": encoded})
        else:
            body = json.dumps({"query": query, "variables": variables})
            response = owner.client.generic("POST", "/graphql/", body, content_type="application/json")
        where = f"{root}.{name} {encoded[:300]}"
        assert_json(response, where)
        event(f"status {response.status_code}")
        answer = response.json()
        messages = [error.get("message") for error in answer.get("errors") or []]
        assert MASKED_MESSAGE not in messages, (where, answer)
        if response.status_code != 200 or refused_or_failed(answer, name):
            event("refused")
            changes = changed_rows(before, database_dump())
            assert not changes, f"{where} was refused but changed:\n{describe(changes)}"

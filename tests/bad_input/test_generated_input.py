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
from django.core.cache import cache
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from api import services
from api.models import ProjectMembership
from graphql_api.errors import MASKED_MESSAGE
from graphql_api.schema import schema as served_schema

from ..factories import PASSWORD
from ..helpers import generated, rolled_back
from ..matrix.engine import client_for, rest_url
from ..matrix.resources import (
    AUTHOR,
    DEFAULT,
    RESOURCES,
    Population,
    Resource,
    build_population,
    graphql_cases,
    graphql_resource,
    most_allowed_actor,
    rest_case_for,
    target_key,
)
from ..matrix.surface import changed_rows, database_dump, describe, routes
from .strategies import one_bad_value, operation, raw_bodies, variables_for

pytestmark = pytest.mark.django_db

SCHEMA = served_schema._schema
CONTENT_TYPES = ("application/json", "application/json", "application/json; charset=utf-8", "text/plain")


@dataclass
class Caller:
    """Who sends the input, and the real ids it is about (from the resource registry)."""

    population: Population
    actor: str
    client: APIClient


def caller(population: Population, resource: Resource | None) -> Caller:
    """The actor who may do everything to the resource's target (its author, its project's owner), so
    that a write gets past "not found" and "forbidden" to the input itself; else a user with data."""
    actor = most_allowed_actor(population, resource) if resource else AUTHOR
    return Caller(population, actor, client_for(population, actor))


def write_routes() -> list:
    cases = []
    for route in routes():
        if route.is_admin or route.key == "graphql" or ".(?P<format>" in route.regex:
            continue  # the admin is not an API; GraphQL has its own test; suffixes repeat a view
        if route.key.startswith("rest_framework:"):
            continue  # the browsable API's HTML login form: tests/auth/test_browsable_login.py
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


def resource_bodies(valid: dict) -> st.SearchStrategy[bytes]:
    """The registry's valid body for the route (real ids of the population) with one bad value."""
    bodies = one_bad_value(st.just(valid))
    return st.one_of(
        bodies.map(lambda value: json.dumps(value).encode()),
        bodies.map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    )


@pytest.fixture
def population(db) -> Population:
    """Built once per test: every generated example runs in a savepoint that is rolled back."""
    return build_population()


# The population fixture is shared by a test's examples on purpose (each is rolled back).
ONCE_PER_TEST = {"suppress_health_check": [HealthCheck.function_scoped_fixture]}


@pytest.mark.parametrize(("route", "method"), write_routes())
@generated(max_examples=25, **ONCE_PER_TEST)
@given(data=st.data(), content_type=st.sampled_from(CONTENT_TYPES))
def test_no_rest_body_breaks_a_write_route_or_changes_data_when_refused(
    population, route, method, data, content_type
):
    with rolled_back():
        found = rest_case_for(route, method, RESOURCES)
        resource, case = found if found else (None, None)
        sender = caller(population, resource)
        cache.clear()  # throttle counts: each example is a first attempt
        if resource is None:
            url, body = route.url({}), data.draw(raw_bodies(PASSWORD))
        else:
            url = rest_url(population, resource, case, target_key(resource, population.target(resource)))
            valid = resource.rest_body(population, case.op_name, DEFAULT)
            bodies = (
                raw_bodies(PASSWORD)
                if valid is None
                else st.one_of(raw_bodies(PASSWORD), resource_bodies(valid))
            )
            body = data.draw(bodies)
        before = database_dump()
        response = sender.client.generic(method, url, body, content_type=content_type)
        where = f"{method} {url} {body[:200]!r}"
        assert_json(response, where)
        event(f"status {response.status_code}")
        if response.status_code >= 400:
            changes = changed_rows(before, database_dump())
            assert not changes, f"{where} was refused but changed:\n{describe(changes)}"


# Each root field about a registered resource, with its operation (tests/matrix/resources.py).
GRAPHQL_RESOURCES = {
    case.id: (graphql_resource(case, RESOURCES), case.op_name) for case in graphql_cases(SCHEMA, RESOURCES)[0]
}


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
@generated(max_examples=60, **ONCE_PER_TEST)
@given(data=st.data())
def test_no_graphql_variables_break_a_field_or_change_data_when_refused(population, root, name, data):
    query = operation(SCHEMA, root, name)
    use_get, variables = data.draw(graphql_requests(root, name))
    with rolled_back():
        resource, op_name = GRAPHQL_RESOURCES.get(f"{root}.{name}", (None, None))
        sender = caller(population, resource)
        if resource is not None and isinstance(variables, dict) and data.draw(st.booleans()):
            # The registry's real values now and then (the target's id, its project's, a member's
            # username), so that writes get past "not found" to the bad value.
            real = resource.graphql_values(
                population, op_name, DEFAULT, target_key(resource, population.target(resource))
            )
            for holder in (variables, variables.get("data")):
                if isinstance(holder, dict):
                    for key in holder.keys() & real.keys():
                        if data.draw(st.booleans()):
                            holder[key] = real[key]
        before = database_dump()
        encoded = json.dumps(variables)
        if use_get:
            response = sender.client.get("/graphql/", {"query": query, "variables": encoded})
        else:
            body = json.dumps({"query": query, "variables": variables})
            response = sender.client.generic("POST", "/graphql/", body, content_type="application/json")
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


@pytest.mark.parametrize("username", ["x" * 100_001, "é" * 30_000, "a\x00b", "x" * 151])
def test_a_username_no_user_can_have_is_unknown_without_asking_the_database(population, username):
    """Found by the registry's real ids: removeProjectMember(projectId: <real>, username: <100,000
    x>) reached SQLite as a LIKE pattern it refuses ("pattern too complex"), a 503."""
    owner, project = population.users["owner"], population.project
    with pytest.raises(ProjectMembership.DoesNotExist):
        services.member_remove(user=owner, project_id=project.pk, username=username)
    with pytest.raises(ProjectMembership.DoesNotExist):
        services.member_update(user=owner, project_id=project.pk, username=username, role="viewer")
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(user=owner, project_id=project.pk, username=username, role="viewer")
    assert list(refused.value.message_dict) == ["username"]

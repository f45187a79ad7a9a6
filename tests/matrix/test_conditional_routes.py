"""Conditional requests on every detail route of the shared viewset base, found from the URL conf.

For each registered resource whose viewset is conditional (api.v1.base.PolicyModelViewSet) and
serves retrieve: an actor the policy table lets change and delete the target gets a strong ETag,
a 304 for it, and after a change a 412 for the stale tag on PUT, PATCH and DELETE with nothing
changed (the database dump around each call). The throwaway Note (tests/matrix/throwaway.py) has
no ``updated_at``: its ETag is a hash of its columns, and it gets the same answers with no work.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import override_settings

from graphql_api.schema import schema as served_schema

from .engine import client_for, graphql_document, rest_call, rest_url, run_graphql
from .resources import (
    ACTORS,
    DEFAULT,
    FORBIDDEN,
    NOT_FOUND,
    RESOURCES,
    SUCCESS,
    UNAUTHENTICATED,
    build_population,
    expected,
    graphql_cases,
    graphql_resource,
    resource_for_model,
    rest_cases,
    target_key,
)
from .surface import changed_rows, database_dump
from .throwaway import NOTE, NoteViewSet, _urls
from .throwaway_nested import throwaway_tables

# A URL conf of this module's own: DRF adds HEAD to a viewset route's action map on its first
# request, and tests/matrix/test_meta_resource.py counts the routes of tests.matrix.throwaway's.
urlpatterns = _urls(NoteViewSet)

STRONG_ETAG = re.compile(r'^"[0-9a-f]{32}"$')


def conditional_cases(resources):
    """(resource, {op name: case}) for every conditional viewset serving retrieve."""
    found = {}
    for case in rest_cases():
        resource = resource_for_model(case.model, resources)
        view_class = getattr(case.route.callback, "cls", None)
        if resource is None or not getattr(view_class, "conditional_requests", False):
            continue
        found.setdefault(resource.name, (resource, {}))[1][case.op_name] = case
    return [(resource, ops) for resource, ops in found.values() if "retrieve" in ops]


def writer(population, resource) -> str:
    """An actor who may both change and delete the target, by the policy table."""
    for actor in ACTORS:
        if all(
            expected(population, resource, resource.op(op), DEFAULT, actor) == SUCCESS
            for op in ("partial_update", "destroy")
        ):
            return actor
    raise AssertionError(f"no actor of the population may change and delete the {resource.name} target")


def conditional_call(client, method: str, url: str, body: dict | None, if_match: str):
    if body is None or method == "DELETE":
        return client.generic(method, url, headers={"If-Match": if_match})
    return client.generic(method, url, json.dumps(body), "application/json", headers={"If-Match": if_match})


def check_conditional_routes(resource, ops) -> None:
    population = build_population()
    actor = writer(population, resource)
    client = client_for(population, actor)
    key = target_key(resource, population.target(resource))
    url = rest_url(population, resource, ops["retrieve"], key)
    where = f"{resource.name} {url} as {actor}"

    first = client.get(url)
    assert first.status_code == 200, where
    etag = first["ETag"]
    assert STRONG_ETAG.match(etag), (where, etag)
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert (not_modified.status_code, not_modified.content, not_modified["ETag"]) == (304, b"", etag), where

    body = resource.rest_body(population, "partial_update", DEFAULT)
    changed = rest_call(client, "PATCH", url, body)
    assert changed.status_code == 200, (where, changed.content)
    assert changed["ETag"] != etag, where
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200, where

    for method, op in (("PUT", "update"), ("PATCH", "partial_update"), ("DELETE", "destroy")):
        if op not in ops:
            continue
        before = database_dump()
        stale = conditional_call(client, method, url, resource.rest_body(population, op, DEFAULT), etag)
        assert stale.status_code == 412, (where, method, stale.content)
        assert stale.json()["code"] == "precondition_failed", where
        assert not changed_rows(before, database_dump()), (where, method)

    current = client.generic("DELETE", url, headers={"If-Match": changed["ETag"]})
    assert current.status_code == 204, (where, current.content)


def _params():
    return [pytest.param(resource, ops, id=resource.name) for resource, ops in conditional_cases(RESOURCES)]


def test_the_examples_and_projects_detail_routes_are_found():
    assert {resource.name for resource, _ in conditional_cases(RESOURCES)} >= {"example", "project"}


@pytest.mark.django_db
@pytest.mark.parametrize(("resource", "ops"), _params())
def test_every_conditional_detail_route_sends_etags_and_refuses_stale_writes(resource, ops):
    check_conditional_routes(resource, ops)


@pytest.fixture
def note_table(transactional_db):
    with throwaway_tables():
        yield


@pytest.mark.django_db(transaction=True)
def test_a_new_resource_without_updated_at_gets_conditional_requests_from_a_column_hash(note_table):
    with override_settings(ROOT_URLCONF=__name__):
        found = conditional_cases([*RESOURCES, NOTE])
        note = [ops for resource, ops in found if resource is NOTE]
        assert note, "the Note viewset's detail routes were not found"
        check_conditional_routes(NOTE, note[0])


MALFORMED_IF_MATCH = "not-a-tag"
ANSWER_STATUS = {SUCCESS: 400, NOT_FOUND: 404, FORBIDDEN: 403, UNAUTHENTICATED: 401}


@pytest.mark.django_db
@pytest.mark.parametrize(("resource", "ops"), _params())
def test_a_malformed_if_match_gets_the_permission_answer_first(resource, ops):
    """PUT, PATCH and DELETE alike: 404/403 by the policy table, the 400 only to who may write."""
    population = build_population()
    key = target_key(resource, population.target(resource))
    url = rest_url(population, resource, ops["retrieve"], key)
    for actor in ACTORS:
        client = client_for(population, actor)
        for method, op in (("PUT", "update"), ("PATCH", "partial_update"), ("DELETE", "destroy")):
            if op not in ops:
                continue
            before = database_dump()
            answer = conditional_call(
                client, method, url, resource.rest_body(population, op, DEFAULT), MALFORMED_IF_MATCH
            )
            outcome = expected(population, resource, resource.op(op), DEFAULT, actor)
            assert answer.status_code == ANSWER_STATUS[outcome], (
                resource.name,
                actor,
                method,
                answer.content,
            )
            assert answer["Content-Type"] == "application/json"
            assert not changed_rows(before, database_dump()), (resource.name, actor, method)


SCHEMA = served_schema._schema
STALE = "2000-01-01T00:00:00+00:00"


def if_updated_at_cases():
    """Every mutation of a registered type that takes ``ifUpdatedAt``, found from the served schema."""
    cases, _ = graphql_cases(SCHEMA, RESOURCES)
    mutations = SCHEMA.mutation_type.fields
    return [
        pytest.param(graphql_resource(case, RESOURCES), case, id=case.id)
        for case in cases
        if case.root == "Mutation" and "ifUpdatedAt" in mutations[case.name].args
    ]


def test_the_if_updated_at_mutations_are_found():
    found = {case.name for _, case in (p.values for p in if_updated_at_cases())}
    assert {"updateExample", "deleteExample", "updateProject", "deleteProject"} <= found


@pytest.mark.django_db
@pytest.mark.parametrize(("resource", "case"), if_updated_at_cases())
def test_every_if_updated_at_mutation_refuses_a_stale_instant(resource, case):
    """A writer's stale ``ifUpdatedAt`` is an OperationInfo CONFLICT and changes nothing; the instant
    the row has is written."""
    population = build_population()
    client = client_for(population, writer(population, resource))
    target = population.target(resource)
    values = resource.graphql_values(
        population, resource.op(case.op_name).name, DEFAULT, target_key(resource, target)
    )
    before = database_dump()
    query, variables = graphql_document(SCHEMA, case, {**values, "ifUpdatedAt": STALE})
    payload = run_graphql(client, query, variables).json()["data"][case.name]
    assert [m["code"] for m in payload.get("messages", [])] == ["CONFLICT"], (case.id, payload)
    assert not changed_rows(before, database_dump()), case.id
    target.refresh_from_db()
    query, variables = graphql_document(
        SCHEMA, case, {**values, "ifUpdatedAt": target.updated_at.isoformat()}
    )
    payload = run_graphql(client, query, variables).json()["data"][case.name]
    assert payload["__typename"] == case.type_name, (case.id, payload)

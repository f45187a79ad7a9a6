"""The cross-user matrix of the resources, derived from the registry (tests/matrix/resources.py).

Every REST route served by a viewset of a registered model, and every GraphQL
root field answering a registered type, is called by every actor (author,
project owner, editor, viewer, removed member, stranger, anonymous) with the
ids of the object the route is about. The expected outcome comes from the
registry's policy table; the database dump around each call proves that only
the rows the action may change did (tests/matrix/engine.py). Nothing here is
hand-listed: a new route or field of a registered model is covered as soon as
it exists, and one of an unregistered model fails
``test_every_resource_route_and_field_has_a_registry_entry``.
"""

from __future__ import annotations

import pytest

from graphql_api.schema import schema as served_schema

from ..helpers import rolled_back
from .engine import client_for, rest_url, run_graphql, run_graphql_case, run_rest_case
from .resources import (
    ACTORS,
    ANONYMOUS,
    DEFAULT,
    GRAPHQL,
    OWNER,
    PROJECT,
    REMOVED,
    RESOURCES,
    REST,
    SUCCESS,
    build_population,
    expected,
    graphql_cases,
    graphql_resource,
    relations,
    resource_for_model,
    rest_cases,
    target_key,
    unregistered_rest_cases,
)
from .surface import changed_rows, database_dump, secret_leaks

pytestmark = pytest.mark.django_db

SCHEMA = served_schema._schema


def _rest_params():
    params = []
    for case in rest_cases():
        resource = resource_for_model(case.model, RESOURCES)
        if resource is None:
            continue  # reported by the coverage test below
        for variant in resource.variants_of(case.op_name, REST):
            params.append(pytest.param(resource, case, variant, id=f"{case.id} {variant.name}"))
    return params


def _graphql_params():
    cases, _ = graphql_cases(SCHEMA, RESOURCES)
    params = []
    for case in cases:
        resource = graphql_resource(case, RESOURCES)
        for variant in resource.variants_of(case.op_name, GRAPHQL):
            params.append(pytest.param(resource, case, variant, id=f"{case.id} {variant.name}"))
    return params


def test_every_resource_route_and_field_has_a_registry_entry():
    """A viewset of a model with no Resource entry, or a GraphQL type of a model with none, is reported."""
    unregistered = unregistered_rest_cases(RESOURCES)
    assert not unregistered, (
        f"Routes of models the matrix registry does not know: {unregistered}. Add a Resource for the "
        "model to RESOURCES in tests/matrix/resources.py (its policy table, target and values)."
    )
    _, unknown_fields = graphql_cases(SCHEMA, RESOURCES)
    assert not unknown_fields, (
        f"GraphQL root fields of types the matrix registry does not know: {unknown_fields}. Add a Resource "
        "(with graphql_type) to RESOURCES in tests/matrix/resources.py."
    )
    # Every registered resource's operations are known to the registry (else `op` raises, naming it).
    for case in rest_cases():
        if resource := resource_for_model(case.model, RESOURCES):
            resource.op(case.op_name)


def test_the_registry_finds_the_example_routes_and_fields():
    """The discovery is not vacuous: the routes and fields that exist today are found, by model and type."""
    found = {
        (case.route.key, case.method, case.op_name)
        for case in rest_cases()
        if case.model._meta.model_name == "examplemodel"
    }
    assert {
        ("example-list", "GET", "list"),
        ("example-list", "POST", "create"),
        ("example-detail", "GET", "retrieve"),
        ("example-detail", "PUT", "update"),
        ("example-detail", "PATCH", "partial_update"),
        ("example-detail", "DELETE", "destroy"),
        ("example-duplicate", "POST", "duplicate"),
    } <= found
    cases, _ = graphql_cases(SCHEMA, RESOURCES)
    assert {(c.id, c.op_name) for c in cases if c.type_name == "Example"} >= {
        ("Query.example", "retrieve"),
        ("Query.examples", "list"),
        ("Mutation.createExample", "create"),
        ("Mutation.updateExample", "update"),
        ("Mutation.deleteExample", "destroy"),
        ("Mutation.duplicateExample", "duplicate"),
    }


@pytest.mark.parametrize(("resource", "case", "variant"), _rest_params())
def test_every_actor_gets_what_the_policy_table_says_from_every_rest_route(resource, case, variant):
    run_rest_case(build_population(), resource, case, variant)


@pytest.mark.parametrize(("resource", "case", "variant"), _graphql_params())
def test_every_actor_gets_what_the_policy_table_says_from_every_graphql_field(resource, case, variant):
    run_graphql_case(build_population(), SCHEMA, resource, case, variant)


# Nested leaks: a related object is shown only to those who may see it.


def test_example_project_is_null_for_an_author_removed_from_the_project():
    population = build_population()
    query = "query($id: ID!) { example(id: $id) { id project { id name } } }"
    answer = run_graphql(
        client_for(population, REMOVED), query, {"id": str(population.removed_example.pk)}
    ).json()
    assert answer == {"data": {"example": {"id": str(population.removed_example.pk), "project": None}}}


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != ANONYMOUS])
def test_nested_project_and_members_are_shown_only_to_those_who_see_the_project(actor):
    population = build_population()
    sees = PROJECT.allowed("view", relations(PROJECT, population.project, population.user(actor)))
    client = client_for(population, actor)
    # Through every example the actor can reach: their own removed one included.
    query = (
        "{ examples(pagination: {limit: 10}) { results { id project { id "
        "members { results { user { id } role } } invitations { results { id } } } } } }"
    )
    answer = run_graphql(client, query, {}).json()
    assert "errors" not in answer, answer
    results = answer["data"]["examples"]["results"]
    projects = [row["project"] for row in results if row["project"] is not None]
    if sees:
        member_ids = {str(m.user_id) for m in population.project.memberships.all()}
        assert projects and all(p["id"] == str(population.project.pk) for p in projects)
        assert all({m["user"]["id"] for m in p["members"]["results"]} == member_ids for p in projects)
        # The project's pending invitations: its owner's business only.
        shown = {i["id"] for p in projects for i in p["invitations"]["results"]}
        assert shown == ({str(population.invitation.pk)} if actor == OWNER else set()), (actor, shown)
    else:
        assert projects == [], (actor, results)
    projects_page = run_graphql(
        client, "{ projects { results { id members { results { user { id } } } } } }", {}
    ).json()
    listed = [p["id"] for p in projects_page["data"]["projects"]["results"]]
    assert (str(population.project.pk) in listed) == sees


def _registry_routes():
    seen, params = set(), []
    for case in rest_cases():
        resource = resource_for_model(case.model, RESOURCES)
        if resource is not None and case.route.regex not in seen:
            seen.add(case.route.regex)
            params.append(pytest.param(resource, case, id=case.route.regex))
    return params


@pytest.mark.parametrize(("resource", "case"), _registry_routes())
def test_head_and_options_on_resource_routes_reveal_nothing_and_change_nothing(resource, case):
    """Django and DRF answer these by themselves: with the target's real ids, for every actor."""
    population = build_population()
    url = rest_url(population, resource, case, target_key(resource, population.target(resource)))
    for actor in ACTORS:
        for method in ("HEAD", "OPTIONS"):
            with rolled_back():
                before = database_dump()
                response = client_for(population, actor).generic(method, url)
                where = f"{actor} {method} {url}"
                assert response.status_code < 500, (where, response.status_code)
                assert secret_leaks(response.content, population.secrets) == [], (
                    where,
                    response.content[:500],
                )
                assert not changed_rows(before, database_dump()), where


def _put_routes():
    return [
        p for p in _registry_routes() if "put" in (getattr(p.values[1].route.callback, "actions", None) or {})
    ]


@pytest.mark.parametrize(("resource", "case"), _put_routes())
def test_options_shows_the_put_form_only_to_who_may_change_the_row(resource, case):
    """OPTIONS' ``actions.PUT`` (DRF's metadata) is asked of the policy as the PUT itself is."""
    routed = case.route.callback.actions
    population = build_population()
    url = rest_url(population, resource, case, target_key(resource, population.target(resource)))
    for actor in ACTORS:
        response = client_for(population, actor).options(url)
        shown = "PUT" in (response.json().get("actions") or {}) if response.status_code == 200 else False
        may_change = expected(population, resource, resource.op(routed["put"]), DEFAULT, actor) == SUCCESS
        assert shown == may_change, (actor, url, response.status_code, response.json())

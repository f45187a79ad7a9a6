"""Calling one resource's route or field as one actor, and checking the answer and the rows.

The expected outcome comes from the registry's policy table
(``resources.expected``); this module only turns it into what each surface
must answer and which rows may change:

| outcome | REST | GraphQL | rows |
|---|---|---|---|
| success | 2xx; a list holds the target iff the actor may see it | the object / the type's payload | only the target's row (update), the target and the rows pointing at it (delete), one new row by the actor (create, duplicate) |
| not_found | 404 `{"detail": "Not found."}`, the same as for an id that never existed | null / OperationInfo `not_found` | none |
| forbidden | 403 | OperationInfo kind PERMISSION | none |
| invalid | 400 naming `project` | OperationInfo kind VALIDATION on `projectId` | none |
| unauthenticated | 401 `WWW-Authenticate: Token` | error UNAUTHENTICATED, no data | none |

A transfer probe (an update whose body names the project to move the target
to: one the actor owns, none, or one nobody here sees) also checks where the
target's row is afterwards: in that project after a success, else where it was.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.regex_helper import normalize
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)
from rest_framework.test import APIClient

from api.models import Project

from ..factories import token_for
from ..helpers import rolled_back
from .audit_trail import check_audit, split_audit
from .resources import (
    ACTORS,
    FORBIDDEN,
    INTO_INVISIBLE,
    INVALID,
    NOT_FOUND,
    SUCCESS,
    TO_NONE,
    UNAUTHENTICATED,
    GraphQLCase,
    Op,
    Population,
    Resource,
    RestCase,
    Variant,
    expected,
    may_add_to_project,
    relations,
    target_key,
)
from .surface import changed_rows, database_dump, describe, secret_leaks

MISSING_KEY = 987_654_321
NOT_FOUND_BODY = {"detail": "Not found."}
IGNORED_URL_PARAMS = frozenset({"format"})


def transfer_destination(population: Population, variant: Variant, actor: str) -> Project | None:
    """Where a transfer probe moves the target: made here for TO_OTHER, so call it inside the rollback."""
    if variant.transfer == TO_NONE:
        return None
    if variant.transfer == INTO_INVISIBLE:
        return population.foreign_project
    user = population.user(actor)
    if user is None:
        return population.project  # anonymous: refused before any project is looked at
    return Project.objects.create(owner=user, name=f"{actor}'s other project", description="matrix")


def graphql_parent_argument(resource: Resource) -> str:
    """The input field naming a row's parent on GraphQL: ``project`` -> ``projectId``."""
    head, *rest = resource.parent_field.split("_")
    return head + "".join(word.title() for word in rest) + "Id"


def client_for(population: Population, actor: str) -> APIClient:
    client = APIClient()
    user = population.user(actor)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


# REST


def route_params(case: RestCase) -> set[str]:
    return {p for _, params in normalize(case.route.regex) for p in params} - IGNORED_URL_PARAMS


def rest_url(population: Population, resource: Resource, case: RestCase, key: object) -> str:
    values = resource.url_values(population, key)
    unknown = route_params(case) - set(values)
    assert not unknown, (
        f"{case.id}: the registry has no value for the URL parameter(s) {sorted(unknown)} of "
        f"{resource.name}: add them to its url_values (the id of the object the route is about)."
    )
    return case.route.url(values)


def rest_call(client: APIClient, method: str, url: str, body: dict | None):
    if body is None or method in ("GET", "DELETE"):
        return client.generic(method, url)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def run_rest_case(population: Population, resource: Resource, case: RestCase, variant: Variant) -> None:
    """Every actor calls the route; each call is rolled back."""
    op = resource.op(case.op_name)
    key = target_key(resource, population.target(resource))
    for actor in ACTORS:
        outcome = expected(population, resource, op, variant, actor)
        url = rest_url(population, resource, case, key)
        where = f"{actor} {case.method} {url} ({variant.name}): expected {outcome}"
        with rolled_back():
            body = (
                resource.rest_body(population, op.name, variant)
                if case.method in ("POST", "PUT", "PATCH")
                else None
            )
            destination = None
            if variant.transfer:
                destination = transfer_destination(population, variant, actor)
                body = {**(body or {}), resource.parent_field: _pk_or_none(destination)}
                where = f"{where}, body {body}"
            client = client_for(population, actor)
            before = database_dump()
            response = rest_call(client, case.method, url, body)
            after = database_dump()
            assert response.status_code < 500, (where, response.status_code, response.content[:300])
            assert secret_leaks(response.content, population.secrets) == [], (where, response.content[:500])
            check_rest_answer(population, resource, op, actor, outcome, key, response, where)
            check_rows(
                population, resource, op, variant, actor, outcome, before, after, where, destination, response
            )
            if outcome == NOT_FOUND and op.on_target:
                # The very same answer as for an id that never existed, and still nothing changed.
                missing = rest_call(
                    client, case.method, rest_url(population, resource, case, MISSING_KEY), body
                )
                assert (missing.status_code, missing.json()) == (404, NOT_FOUND_BODY), where
                assert not changed_rows(before, database_dump()), where


def check_rest_answer(population, resource, op: Op, actor, outcome, key, response, where) -> None:
    status = response.status_code
    if outcome == UNAUTHENTICATED:
        assert status == 401 and response["WWW-Authenticate"] == "Token", (where, status)
    elif outcome == NOT_FOUND:
        assert (status, response.json()) == (404, NOT_FOUND_BODY), (where, status, response.content[:300])
    elif outcome == FORBIDDEN:
        assert status == 403 and "detail" in response.json(), (where, status, response.content[:300])
    elif outcome == INVALID:
        assert status == 400 and resource.parent_field in response.json(), (
            where,
            status,
            response.content[:300],
        )
    else:
        assert 200 <= status < 300, (where, status, response.content[:300])
        if op.name == "list":
            data = response.json()
            items = data["results"] if isinstance(data, dict) else data
            listed = {str(resource.rest_item_id(item)) for item in items}
            assert (str(key) in listed) == sees_target(population, resource, actor), (where, listed)
        elif op.name == "retrieve":
            assert str(resource.rest_item_id(response.json())) == str(key), where


def sees_target(population: Population, resource: Resource, actor: str) -> bool:
    from api.policy import VIEW

    return resource.allowed(VIEW, relations(resource, population.target(resource), population.user(actor)))


# Rows


def _pk_or_none(row: models.Model | None) -> object:
    return None if row is None else row.pk


def check_rows(
    population,
    resource: Resource,
    op: Op,
    variant: Variant,
    actor,
    outcome,
    before,
    after,
    where,
    destination: Project | None = None,
    response=None,
    surface: str = "rest",
) -> None:
    changes, entries = split_audit(changed_rows(before, after))
    if response is not None:  # every write of a registered row is in the audit trail (audit_trail.py)
        user = population.user(actor)
        check_audit(
            changes,
            entries,
            actor_id=None if user is None else user.pk,
            surface=surface,
            request_id=response["X-Request-ID"],
            secrets=population.secrets,
            where=where,
        )
    if outcome == SUCCESS and op.adds:
        changes = _without_added_rows(op, changes, where)
    if outcome != SUCCESS or op.writes == "none":
        assert not changes, f"{where}: changed the database:\n{describe(changes)}"
        return
    table = resource.model._meta.db_table
    target = population.target(resource)
    own = [(how, dict(row)) for t, how, row in changes if t == table]
    others = [(t, how, row) for t, how, row in changes if t != table]
    if op.writes == "update":
        only_target = all(row["id"] == target.pk for _, row in own)
        assert only_target, f"{where}: changed other rows:\n{describe(changes)}"
        assert not others, f"{where}: changed rows of other tables:\n{describe(others)}"
        if variant.transfer:
            check_transfer(resource, target, destination, after, where)
    elif op.writes == "delete":
        only_removed = f"{where}: expected the target's row removed, and only it:\n{describe(changes)}"
        assert [(how, row["id"]) for how, row in own] == [("removed", target.pk)], only_removed
        cascades = {model._meta.db_table: column for model, column in resource.cascades}
        stray = [
            (t, how, row)
            for t, how, row in others
            if t not in cascades or not _points_at_target(t, how, row, before, target.pk, cascades[t])
        ]
        assert not stray, f"{where}: changed rows that do not point at the target:\n{describe(stray)}"
    elif op.writes == "add":
        assert [how for how, _ in own] == ["added"], f"{where}: expected one new row:\n{describe(changes)}"
        assert not others, f"{where}: changed rows of other tables:\n{describe(others)}"
        row = own[0][1]
        if resource.author_field:
            caller = population.user(actor).pk
            assert row[f"{resource.author_field}_id"] == caller, f"{where}: not the caller's: {row}"
        if resource.parent is not None:
            # In the parent the create named (a comment: on the population's example).
            parent = population.target(resource.parent)
            assert row[f"{resource.parent_field}_id"] == parent.pk, f"{where}: not on its parent {row}"
        elif resource.own_project and resource.author_field:
            # Into the project only where creating names it (an example), and the actor may add to it.
            in_project = (
                resource.create_needs is not None
                and not variant.no_project
                and may_add_to_project(population, actor)
            )
            project = population.project.pk if in_project else None
            assert row[f"{resource.project_field}_id"] == project, f"{where}: in project {row}"


def check_transfer(resource: Resource, target, destination: Project | None, after, where) -> None:
    """After a successful transfer probe the row is in ``destination``, or, where its project is not
    a parent it moves between (``Resource.moves``), still where it was."""
    table = resource.model._meta.db_table
    column = resource.parent_column
    rows = [dict(row) for row in after[table] if dict(row)["id"] == target.pk]
    assert len(rows) == 1, f"{where}: the target's row is gone"
    wanted = _pk_or_none(destination) if resource.moves else getattr(target, column)
    assert rows[0][column] == wanted, f"{where}: {column} is {rows[0][column]}, expected {wanted}"


def _without_added_rows(op: Op, changes: list, where: str) -> list:
    """``changes`` less the one row ``op`` adds to each of ``op.adds``'s tables (asserted)."""
    tables = {model._meta.db_table for model in op.adds}
    for table in tables:
        added = [row for t, how, row in changes if t == table and how == "added"]
        assert len(added) == 1, f"{where}: expected one new row in {table}:\n{describe(changes)}"
    return [(t, how, row) for t, how, row in changes if not (t in tables and how == "added")]


def _points_at_target(table: str, how: str, row: tuple, before: dict, target_pk: int, column: str) -> bool:
    """A row the delete may change: one that pointed at the target (removed by a cascade), or such a
    row with that column cleared (SET NULL shows as the old row removed and the new one added)."""
    values = dict(row)
    if how == "removed":
        return values[column] == target_pk
    return values[column] is None and any(
        dict(old)[column] == target_pk and {**dict(old), column: None} == values
        for old in before.get(table, ())
    )


# GraphQL


def _unwrap(type_):
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _leaves(object_type: GraphQLObjectType) -> str:
    parts = []
    for name, field_def in object_type.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field_def.args.values()):
            continue
        named = get_named_type(field_def.type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif (
            isinstance(named, GraphQLObjectType)
            and "id" in named.fields
            and not isinstance(_unwrap_non_null(field_def.type), GraphQLList)
        ):
            parts.append(f"{name} {{ id }}")
    return " ".join(parts)


def _unwrap_non_null(type_):
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def selection(schema: GraphQLSchema, case: GraphQLCase) -> str:
    object_type = schema.get_type(case.type_name)
    returned = _unwrap(schema.get_root_type(_operation_type(case)).fields[case.name].type)
    if isinstance(returned, GraphQLUnionType):
        return (
            "__typename ... on OperationInfo { messages { kind code field } } "
            f"... on {case.type_name} {{ {_leaves(object_type)} }}"
        )
    if returned is not object_type and "edges" in returned.fields:  # a connection
        return f"totalCount edges {{ cursor node {{ {_leaves(object_type)} }} }}"
    if returned is not object_type:  # a page
        return f"totalCount results {{ {_leaves(object_type)} }}"
    return _leaves(object_type)


def _operation_type(case: GraphQLCase):
    from graphql.language import OperationType

    return OperationType.QUERY if case.root == "Query" else OperationType.MUTATION


def graphql_document(schema: GraphQLSchema, case: GraphQLCase, values: dict[str, Any]) -> tuple[str, dict]:
    """The operation for ``case``: every argument from ``values`` by name (input objects field by
    field); a required one the registry has no value for fails loudly."""
    field_def = schema.get_root_type(_operation_type(case)).fields[case.name]
    declarations, arguments, variables = [], [], {}
    for name, arg in field_def.args.items():
        value = _value_for(arg.type, name, values, case)
        if value is _SKIP:
            continue
        declarations.append(f"${name}: {arg.type}")
        arguments.append(f"{name}: ${name}")
        variables[name] = value
    keyword = "query" if case.root == "Query" else "mutation"
    head = f"({', '.join(declarations)})" if declarations else ""
    args = f"({', '.join(arguments)})" if arguments else ""
    return f"{keyword}{head} {{ {case.name}{args} {{ {selection(schema, case)} }} }}", variables


_SKIP = object()


def _value_for(type_, name: str, values: dict[str, Any], case: GraphQLCase):
    required = isinstance(type_, GraphQLNonNull)
    named = _unwrap(type_)
    if isinstance(named, GraphQLInputObjectType):
        if (
            not required
            and name not in values
            and not any(isinstance(f.type, GraphQLNonNull) for f in named.fields.values())
        ):
            return _SKIP
        if not required and not (set(named.fields) & set(values)):
            return _SKIP
        built = {}
        for field_name, input_field in named.fields.items():
            value = _value_for(input_field.type, field_name, values, case)
            if value is not _SKIP:
                built[field_name] = value
        return built
    if name in values:
        return values[name]
    assert not required, (
        f"{case.id}: the registry has no value for the required argument {name!r}: add it to the "
        "resource's graphql_values in tests/matrix/resources.py."
    )
    return _SKIP


def run_graphql(client: APIClient, query: str, variables: dict):
    response = client.post("/graphql/", {"query": query, "variables": variables}, format="json")
    assert response.status_code == 200, response.content[:300]
    return response


def run_graphql_case(
    population: Population, schema: GraphQLSchema, resource: Resource, case: GraphQLCase, variant: Variant
) -> None:
    op = resource.op(case.op_name)
    key = target_key(resource, population.target(resource))

    def values(target: object, destination: Project | None) -> dict[str, Any]:
        given = resource.graphql_values(population, op.name, variant, target)
        if variant.transfer:
            destination_id = _pk_or_none(destination)
            given = {**given, graphql_parent_argument(resource): _str_or_none(destination_id)}
        return given

    for actor in ACTORS:
        outcome = expected(population, resource, op, variant, actor)
        with rolled_back():
            destination = transfer_destination(population, variant, actor) if variant.transfer else None
            query, variables = graphql_document(schema, case, values(key, destination))
            where = f"{actor} {case.id} ({variant.name}) {variables}: expected {outcome}"
            client = client_for(population, actor)
            before = database_dump()
            response = run_graphql(client, query, variables)
            after = database_dump()
            assert secret_leaks(response.content, population.secrets) == [], (where, response.content[:500])
            answer = response.json()
            check_graphql_answer(population, resource, case, op, actor, outcome, key, answer, where)
            check_rows(
                population,
                resource,
                op,
                variant,
                actor,
                outcome,
                before,
                after,
                where,
                destination,
                response,
                "graphql",
            )
            if outcome == NOT_FOUND and op.on_target:
                _, missing_variables = graphql_document(schema, case, values(MISSING_KEY, destination))
                assert run_graphql(client, query, missing_variables).json() == answer, where
                assert not changed_rows(before, database_dump()), where


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def check_graphql_answer(population, resource, case: GraphQLCase, op: Op, actor, outcome, key, answer, where):
    if outcome == UNAUTHENTICATED:
        assert answer.get("data") is None, (where, answer)
        assert answer["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}, (where, answer)
        return
    assert "errors" not in answer, (where, answer)
    payload = answer["data"][case.name]
    if case.root == "Query":
        if outcome == NOT_FOUND:
            assert payload is None, (where, payload)
        elif case.many:
            results = payload["results"] if isinstance(payload, dict) and "results" in payload else payload
            if isinstance(payload, dict) and "edges" in payload:
                results = [edge["node"] for edge in payload["edges"]]
            listed = {str(resource.rest_item_id(item)) for item in results}
            assert (str(key) in listed) == sees_target(population, resource, actor), (where, listed)
        else:
            assert str(resource.rest_item_id(payload)) == str(key), (where, payload)
        return
    messages = payload.get("messages") or []
    kinds = {message["kind"] for message in messages}
    if outcome == SUCCESS:
        assert payload["__typename"] == case.type_name, (where, payload)
    elif outcome == NOT_FOUND:
        assert payload["__typename"] == "OperationInfo" and {m["code"] for m in messages} == {"not_found"}, (
            where,
            payload,
        )
    elif outcome == FORBIDDEN:
        assert payload["__typename"] == "OperationInfo" and kinds == {"PERMISSION"}, (where, payload)
    elif outcome == INVALID:
        assert payload["__typename"] == "OperationInfo" and kinds == {"VALIDATION"}, (where, payload)
        assert {m["field"] for m in messages} == {graphql_parent_argument(resource)}, (where, payload)

"""The cross-user matrix: every route and every GraphQL root field, called by B with A's ids.

Nothing here is hand-listed except the expectations. The routes are walked
from the URL resolver with the methods their views take, the fields are read
from the served schema, and the tests check that both sets equal the keys of
ROUTES and FIELDS below: a route, a method or a field added without an entry
fails ``test_every_route_has_an_expectation`` (or the GraphQL one), with a
message saying what to add.

Each (route, method) is then called by three callers: anonymous, user B with
a token and user B with a session. They use user A's ids and A's identity
wherever the route takes an id or an identity. Whatever the rule, no answer
is a 5xx and no answer carries any of A's data (titles, contents, names,
email, token). The database is dumped (every row of every table) before and
after each call:

- ``missing``: B gets exactly what B gets for an id that does not exist
  (REST 404, GraphQL null or "Not found."); anonymous gets 401 /
  UNAUTHENTICATED; the dump is unchanged.
- ``caller-only`` (routes with no object id: the caller's account, profile,
  own list, create): B's call succeeds and acts on B: every row that changed
  belongs to B, so A's rows (and anyone else's) are untouched. Anonymous gets
  401 / UNAUTHENTICATED and the dump is unchanged.
- ``credentials`` (register, login, password reset): public, take an
  identity in the body; given A's, they change nothing and say nothing of A.
- ``public``: the same answer for everyone, nothing changed.
- ``session-end`` (the browsable API's log-out): every caller gets the same
  redirect; only the caller's own session row may go (anonymous and token
  callers change nothing).
- ``admin``: every admin route answers B (not staff) and anonymous callers
  with a redirect to the admin login (the login page itself with a form),
  and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from api.models import ExampleModel
from authentication.models import Profile
from graphql_api.mutations import Mutation
from graphql_api.queries import Query
from graphql_api.schema import schema as served_schema

from ..factories import PASSWORD, ExampleFactory, UserFactory, token_for
from ..helpers import rolled_back
from .resources import RESOURCES, graphql_cases, resource_for_model, rest_cases
from .surface import (
    ADMIN,
    Route,
    changed_rows,
    database_dump,
    describe,
    expectation_keys,
    graphql_fields,
    owner_of_row,
    routes,
    secret_leaks,
)

pytestmark = pytest.mark.django_db

CALLERS = ("anonymous", "token", "session")
NOT_FOUND_BODY = {"detail": "Not found."}


@dataclass
class World:
    """User A with data worth stealing, user B with a little of their own."""

    a: User
    b: User
    a_example: ExampleModel
    b_example: ExampleModel
    missing_id: int
    secrets: list[str]

    def values_for(self, route: Route, object_id: object) -> dict[str, Any]:
        """URL parameters pointing at A's things: ``object_id`` where an example's id goes, A's
        user id in the admin's user and token pages."""
        return {
            "pk": object_id,
            "object_id": object_id if "examplemodel" in route.regex else self.a.pk,
            "id": self.a.pk,
            "content_type_id": ContentType.objects.get_for_model(ExampleModel).pk,
        }

    def client(self, caller: str) -> APIClient:
        client = APIClient()
        if caller == "token":
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(self.b)}")
        elif caller == "session":
            client.force_login(self.b)
        return client


@pytest.fixture
def world(db) -> World:
    a = UserFactory(username="owner-a-secret", email="owner.a.secret@example.com", first_name="Ada-secret")
    Profile.objects.filter(user=a).update(display_name="a-secret-display-Ω", bio="a-secret-bio-Ω")
    b = UserFactory(username="bee", email="bee@example.com")
    a_example = ExampleFactory(user=a, title="a-secret-title-Ω", content="a-secret-content-Ω")
    b_example = ExampleFactory(user=b, title="b's own", content="b's text")
    token_for(b)  # B's token exists before any call, as a client's would
    return World(
        a=a,
        b=b,
        a_example=a_example,
        b_example=b_example,
        missing_id=a_example.pk + 10_000,
        secrets=[
            "owner-a-secret",
            "owner.a.secret@example.com",
            "Ada-secret",
            "a-secret-display-Ω",
            "a-secret-bio-Ω",
            "a-secret-title-Ω",
            "a-secret-content-Ω",
            token_for(a),
        ],
    )


# REST expectations, keyed by (route name, method)


@dataclass(frozen=True)
class Expect:
    rule: str  # missing | caller-only | credentials | public | session-end | admin | graphql
    why: str
    body: Callable[[World], dict] | None = None
    status: int | None = None  # B's status (every caller's, for public and credentials)
    check: Callable[[World, Any], None] | None = None  # more about B's answer
    json: bool = True  # the answer is JSON (a few public pages are HTML or YAML)


def is_b(world: World, response) -> None:
    assert response.json()["id"] == world.b.pk


def b_display_name(world: World, response) -> None:
    assert response.json()["display_name"] == "Mallory"


def reset_mail_goes_to_a_only(world: World, response) -> None:
    assert [message.to for message in mail.outbox] == [[world.a.email]]


ROUTES: dict[tuple[str, str], Expect] = {
    ("index", "GET"): Expect("public", "the entry points' addresses, no data", status=200),
    ("api-index", "GET"): Expect("public", "the entry points' addresses, no data", status=200),
    ("api-root", "GET"): Expect("public", "links only", status=200),
    ("auth:register", "POST"): Expect(
        "credentials",
        "A's email is taken; nothing is created",
        body=lambda w: {"email": w.a.email, "password": "Unguessable-Passw0rd-42", "username": "newcomer"},
        status=400,
    ),
    ("auth:login", "POST"): Expect(
        "credentials",
        "A's username with a wrong password logs nobody in",
        body=lambda w: {"username": w.a.username, "password": "not-the-password"},
        status=400,
    ),
    ("auth:logout", "POST"): Expect("caller-only", "ends B's token or session only", status=204),
    ("auth:user", "GET"): Expect("caller-only", "B's account", status=200, check=is_b),
    ("auth:user", "PATCH"): Expect(
        "caller-only",
        "changes B's account; an `id` in the body is ignored",
        body=lambda w: {"first_name": "Mallory", "id": w.a.pk},
        status=200,
        check=is_b,
    ),
    ("auth:profile", "GET"): Expect("caller-only", "B's profile", status=200),
    ("auth:profile", "PATCH"): Expect(
        "caller-only",
        "changes B's profile; a `user` in the body is ignored",
        body=lambda w: {"display_name": "Mallory", "user": w.a.pk},
        status=200,
        check=b_display_name,
    ),
    ("auth:password-change", "POST"): Expect(
        "caller-only",
        "changes B's password and rotates B's token",
        body=lambda w: {"old_password": PASSWORD, "new_password": "A-new-Passw0rd-for-bee"},
        status=200,
    ),
    ("auth:password-reset", "POST"): Expect(
        "credentials",
        "mails A (and only A) a link; changes nothing",
        body=lambda w: {"email": w.a.email},
        status=202,
        check=reset_mail_goes_to_a_only,
    ),
    ("auth:password-reset-confirm", "POST"): Expect(
        "credentials",
        "A's uid with a forged token changes no password",
        body=lambda w: {
            "uid": urlsafe_base64_encode(force_bytes(w.a.pk)),
            "token": "forged-token",
            "new_password": "Unguessable-Passw0rd-42",
        },
        status=400,
    ),
    ("auth:csrf", "GET"): Expect("public", "a CSRF token, no data", status=200),
    ("rest_framework:login", "GET"): Expect(
        "public", "the browsable API's login form", status=200, json=False
    ),
    ("rest_framework:login", "POST"): Expect(
        "credentials",
        "a form post (a JSON body is no form): the form again, nobody logged in",
        body=lambda w: {"username": w.a.username, "password": "not-the-password"},
        status=200,
        json=False,
    ),
    ("rest_framework:logout", "POST"): Expect(
        "session-end", "ends the caller's own session, if any; a redirect", status=302, json=False
    ),
    ("schema", "GET"): Expect("public", "the OpenAPI document", status=200, json=False),
    ("swagger-ui", "GET"): Expect("public", "the Swagger UI page", status=200, json=False),
    ("graphql", "GET"): Expect("graphql", "each field has its own row in FIELDS"),
    ("graphql", "POST"): Expect("graphql", "each field has its own row in FIELDS"),
    # A's writes are in A's history, holding A's titles: the secret check proves B reads none of it.
    ("history", "GET"): Expect("caller-only", "B's own history; none of A's", status=200),
    ("health", "GET"): Expect("public", "liveness, no data", status=200),
    ("ready", "GET"): Expect("public", "readiness, no data", status=200),
    (f"{ADMIN}:*", "GET"): Expect("admin", "staff only: a redirect to the admin login", json=False),
    (f"{ADMIN}:*", "POST"): Expect("admin", "staff only: a redirect to the admin login", json=False),
}


def table_key(route: Route, method: str) -> tuple[str, str]:
    return (f"{ADMIN}:*" if route.is_admin else route.key, method)


def registry_route_keys() -> set[tuple[str, str]]:
    """The (route, method) pairs the resource registry covers (tests/matrix/test_resource_matrix.py)."""
    return {
        (case.route.key, case.method) for case in rest_cases() if resource_for_model(case.model, RESOURCES)
    }


def hand_listed_keys() -> set[tuple[str, str]]:
    return expectation_keys() - registry_route_keys()


def test_every_route_has_an_expectation():
    enumerated = hand_listed_keys()
    missing = sorted(enumerated - ROUTES.keys())
    stale = sorted(ROUTES.keys() - enumerated)
    assert not missing, (
        "Routes with no cross-user expectation: "
        + ", ".join(f"{key} {method}" for key, method in missing)
        + ". Add an entry to ROUTES in tests/matrix/test_cross_user.py saying what user B, calling "
        "it with user A's ids, and an anonymous caller must get (missing, caller-only, credentials, public)."
    )
    assert not stale, f"ROUTES has entries for routes that no longer exist: {stale}; remove them."


def test_a_new_route_without_an_expectation_is_reported():
    with override_settings(ROOT_URLCONF="tests.matrix.extra_urls"):
        enumerated = hand_listed_keys()
    assert enumerated - ROUTES.keys() == {("new-thing", "GET"), ("new-thing", "DELETE")}


def call(client: APIClient, method: str, url: str, body: dict | None):
    if body is None:
        return client.generic(method, url)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def assert_harmless(world: World, response, expect: Expect, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code, response.content[:300])
    assert secret_leaks(response.content, world.secrets) == [], (where, response.content[:500])
    if expect.json and response.status_code != 204 and response.get("Content-Type"):
        assert response["Content-Type"].startswith("application/json"), (where, response["Content-Type"])


def assert_unchanged(before, after, where: str) -> None:
    changes = changed_rows(before, after)
    assert not changes, f"{where} changed the database:\n{describe(changes)}"


def assert_only_callers_rows_changed(world: World, before, after, where: str) -> None:
    foreign = [
        (table, how, row)
        for table, how, row in changed_rows(before, after)
        if owner_of_row(table, row) != world.b.pk
    ]
    assert not foreign, f"{where} changed rows that are not B's:\n{describe(foreign)}"


# One test per route (its methods are found inside: finding a function view's
# methods means asking it, and collection has no database).
# Routes of registered resources are the registry's (tests/matrix/test_resource_matrix.py).
_REGISTRY_REGEXES = {case.route.regex for case in rest_cases() if resource_for_model(case.model, RESOURCES)}
ROUTE_CASES = [
    pytest.param(route, id=route.regex) for route in routes() if route.regex not in _REGISTRY_REGEXES
]


@pytest.mark.parametrize("route", ROUTE_CASES)
def test_b_and_anonymous_get_nothing_of_a_from_any_route(world, route):
    for method in route.methods():
        expect = ROUTES[table_key(route, method)]
        url = route.url(world.values_for(route, world.a_example.pk))
        body = expect.body(world) if expect.body else None
        for caller in CALLERS:
            where = f"{caller} {method} {url}"
            with rolled_back():
                mail.outbox.clear()
                client = world.client(caller)
                before = database_dump()
                if expect.rule == "graphql":
                    response = graphql_me(client, method, url)
                else:
                    response = call(client, method, url, body)
                after = database_dump()
                assert_harmless(world, response, expect, where)
                check_rule(world, expect, caller, route, method, body, client, response, before, after, where)


def check_rule(world, expect, caller, route, method, body, client, response, before, after, where) -> None:
    anonymous = caller == "anonymous"
    if expect.rule == "missing":
        assert_unchanged(before, after, where)
        if anonymous:
            assert response.status_code == 401 and response["WWW-Authenticate"] == "Token", where
            return
        assert (response.status_code, response.json()) == (404, NOT_FOUND_BODY), where
        # The very same answer as for an id that never existed.
        missing = call(client, method, route.url(world.values_for(route, world.missing_id)), body)
        assert (missing.status_code, missing.json()) == (404, NOT_FOUND_BODY), where
        assert_unchanged(before, database_dump(), where)
    elif expect.rule == "caller-only":
        if anonymous:
            assert response.status_code == 401 and response["WWW-Authenticate"] == "Token", where
            assert_unchanged(before, after, where)
            return
        assert response.status_code == (expect.status or 200), (where, response.content[:300])
        assert_only_callers_rows_changed(world, before, after, where)
        if expect.check:
            expect.check(world, response)
    elif expect.rule in ("credentials", "public"):
        assert response.status_code == expect.status, (where, response.content[:300])
        assert_unchanged(before, after, where)
        if expect.check:
            expect.check(world, response)
    elif expect.rule == "session-end":
        assert response.status_code == expect.status, (where, response.content[:300])
        assert_only_callers_rows_changed(world, before, after, where)
        if caller != "session":
            assert_unchanged(before, after, where)
    elif expect.rule == "admin":
        assert_unchanged(before, after, where)
        if route.key == f"{ADMIN}:login":
            assert response.status_code == 200, where
        else:
            assert response.status_code == 302 and response["Location"].startswith("/admin/"), where
    elif expect.rule == "graphql":
        assert_unchanged(before, after, where)
        me = response.json()["data"]["me"]
        assert me == (None if anonymous else {"username": world.b.username}), where
    else:
        raise AssertionError(f"unknown rule {expect.rule!r}")


def graphql_me(client: APIClient, method: str, url: str):
    query = "{ me { username } }"
    if method == "GET":
        return client.get(url, {"query": query})
    return client.post(url, {"query": query}, format="json")


@pytest.mark.parametrize("route", [case for case in ROUTE_CASES if not case.values[0].is_admin])
def test_head_and_options_reveal_nothing_and_change_nothing(world, route):
    """Django and DRF answer these by themselves (from GET, or as 405): they must leak nothing either."""
    url = route.url(world.values_for(route, world.a_example.pk))
    for method in ("HEAD", "OPTIONS"):
        for caller in CALLERS:
            with rolled_back():
                client = world.client(caller)
                before = database_dump()
                response = client.generic(method, url)
                assert response.status_code < 500
                assert secret_leaks(response.content, world.secrets) == [], (caller, response.content[:500])
                assert_unchanged(before, database_dump(), f"{caller} {method} {url}")


# GraphQL expectations, keyed by root field


@dataclass(frozen=True)
class Field:
    rule: str  # missing | caller-only | websocket-only
    why: str
    query: str
    variables: Callable[[World, object], dict] = field(default=lambda w, target: {})
    b_answer: Callable[[World], Any] | None = None  # B's `data`, exactly


FIELDS: dict[str, Field] = {
    "Query.me": Field(
        "caller-only",
        "the caller",
        "{ me { id username } }",
        b_answer=lambda w: {"me": {"id": str(w.b.pk), "username": w.b.username}},
    ),
    "Mutation.updateProfile": Field(
        "caller-only",
        "changes B's profile",
        'mutation { updateProfile(data: {displayName: "Mallory"}) { __typename ... on Profile { displayName } } }',
        b_answer=lambda w: {"updateProfile": {"__typename": "Profile", "displayName": "Mallory"}},
    ),
    "Query.history": Field(
        "caller-only",
        "B's own history; none of A's (the secret check: A's titles are in A's history)",
        "{ history(first: 100) { edges { node { id resource objectId changes } } } }",
    ),
    # Over HTTP a subscription only gets an error; what B receives over WebSocket
    # (nothing of A's) is proved by tests/live/test_subscriptions.py
    # (test_a_stranger_receives_nothing_of_others_examples and the rest) and
    # tests/production/test_live_across_processes.py.
    "Subscription.exampleEvents": Field(
        "websocket-only",
        "runs over WebSocket only",
        "subscription { exampleEvents { kind id example { id title content } } }",
    ),
}


def hand_listed_fields(schema) -> set[str]:
    """Root fields the registry does not cover: those about the caller's own account."""
    covered, _ = graphql_cases(schema, RESOURCES)
    return graphql_fields(schema) - {case.id for case in covered}


def test_every_graphql_field_has_an_expectation():
    enumerated = hand_listed_fields(served_schema._schema)
    missing = sorted(enumerated - FIELDS.keys())
    stale = sorted(FIELDS.keys() - enumerated)
    assert not missing, (
        f"GraphQL root fields with no cross-user expectation: {missing}. Add an entry to FIELDS in "
        "tests/matrix/test_cross_user.py saying what user B, passing user A's ids, and an anonymous "
        "caller must get (missing or caller-only)."
    )
    assert not stale, f"FIELDS has entries for fields that no longer exist: {stale}; remove them."


def test_a_new_graphql_field_without_an_expectation_is_reported():
    @strawberry.type(name="Query")
    class BiggerQuery(Query):
        @strawberry.field
        def everyones_titles(self) -> list[str]:
            return []

    bigger = strawberry.Schema(query=BiggerQuery, mutation=Mutation)
    assert hand_listed_fields(bigger._schema) - FIELDS.keys() == {"Query.everyonesTitles"}


def run_graphql(client: APIClient, query: str, variables: dict):
    response = client.post("/graphql/", {"query": query, "variables": variables}, format="json")
    assert response.status_code == 200, response.content[:300]
    return response


@pytest.mark.parametrize("name", sorted(FIELDS))
@pytest.mark.parametrize("caller", CALLERS)
def test_b_and_anonymous_get_nothing_of_a_from_any_graphql_field(world, name, caller):
    expect = FIELDS[name]
    where = f"{caller} {name}"
    with rolled_back():
        client = world.client(caller)
        before = database_dump()
        response = run_graphql(client, expect.query, expect.variables(world, world.a_example.pk))
        after = database_dump()
        assert secret_leaks(response.content, world.secrets) == [], (where, response.content[:500])
        answer = response.json()
        if caller == "anonymous":
            assert_unchanged(before, after, where)
            if name == "Query.me":
                assert answer == {"data": {"me": None}}
            else:
                assert answer["data"] is None
                assert answer["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
            return
        if expect.rule == "websocket-only":
            assert_unchanged(before, after, where)
            assert answer["data"] is None, where
            assert answer["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}, where
            return
        assert "errors" not in answer, (where, answer)
        if expect.rule == "missing":
            assert_unchanged(before, after, where)
            assert answer["data"] == expect.b_answer(world), where
            missing = run_graphql(client, expect.query, expect.variables(world, world.missing_id)).json()
            assert missing == answer, where
            assert_unchanged(before, database_dump(), where)
        else:
            assert_only_callers_rows_changed(world, before, after, where)
            if expect.b_answer is not None:
                assert answer["data"] == expect.b_answer(world), where

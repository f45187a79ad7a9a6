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

from api.models import ExampleModel, Project, ProjectMembership, ProjectRole
from authentication.models import Profile
from graphql_api.mutations import Mutation
from graphql_api.queries import Query
from graphql_api.schema import schema as served_schema

from ..factories import PASSWORD, ExampleFactory, UserFactory, token_for
from ..helpers import rolled_back
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
    a_project: Project
    b_project: Project
    a_member: User  # a member of A's project (not B)
    missing_id: int
    secrets: list[str]

    def values_for(self, route: Route, object_id: object) -> dict[str, Any]:
        """URL parameters pointing at A's things: ``object_id`` where an example's id goes (A's
        project's id on project routes, a missing id for a missing one), A's user id in the
        admin's user and token pages, the member of A's project on member routes."""
        project_id = self.a_project.pk if object_id == self.a_example.pk else self.missing_id
        on_projects = "api/v1/projects" in route.regex
        return {
            "pk": project_id if on_projects else object_id,
            "project_id": project_id,
            "user_id": self.a_member.pk,
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
    a_project = Project.objects.create(owner=a, name="a-secret-project-Ω", description="a-secret-plan-Ω")
    b_project = Project.objects.create(owner=b, name="b's project")
    a_member = UserFactory(username="carol-secret", email="carol.secret@example.com")
    ProjectMembership.objects.create(project=a_project, user=a_member, role=ProjectRole.EDITOR)
    token_for(b)  # B's token exists before any call, as a client's would
    return World(
        a=a,
        b=b,
        a_example=a_example,
        b_example=b_example,
        a_project=a_project,
        b_project=b_project,
        a_member=a_member,
        missing_id=max(a_example.pk, a_project.pk, a_member.pk) + 10_000,
        secrets=[
            "owner-a-secret",
            "owner.a.secret@example.com",
            "Ada-secret",
            "a-secret-display-Ω",
            "a-secret-bio-Ω",
            "a-secret-title-Ω",
            "a-secret-content-Ω",
            "a-secret-project-Ω",
            "a-secret-plan-Ω",
            "carol-secret",
            "carol.secret@example.com",
            token_for(a),
        ],
    )


# REST expectations, keyed by (route name, method)


@dataclass(frozen=True)
class Expect:
    rule: str  # missing | caller-only | credentials | public | admin | graphql
    why: str
    body: Callable[[World], dict] | None = None
    status: int | None = None  # B's status (every caller's, for public and credentials)
    check: Callable[[World, Any], None] | None = None  # more about B's answer
    json: bool = True  # the answer is JSON (a few public pages are HTML or YAML)


def only_bs_examples(world: World, response) -> None:
    assert [row["id"] for row in response.json()["results"]] == [world.b_example.pk]


def is_b(world: World, response) -> None:
    assert response.json()["id"] == world.b.pk


def b_display_name(world: World, response) -> None:
    assert response.json()["display_name"] == "Mallory"


def created_for_b(world: World, response) -> None:
    assert response.json()["id"] != world.a_example.pk
    assert ExampleModel.objects.get(pk=response.json()["id"]).user_id == world.b.pk


def only_bs_projects(world: World, response) -> None:
    assert [row["id"] for row in response.json()["results"]] == [world.b_project.pk]


def project_created_for_b(world: World, response) -> None:
    assert response.json()["id"] != world.a_project.pk
    assert Project.objects.get(pk=response.json()["id"]).owner_id == world.b.pk


def reset_mail_goes_to_a_only(world: World, response) -> None:
    assert [message.to for message in mail.outbox] == [[world.a.email]]


STOLEN = {"title": "stolen", "content": "stolen"}
MISSING = "an id of A's answers as a missing id; nothing changes"

ROUTES: dict[tuple[str, str], Expect] = {
    ("example-list", "GET"): Expect("caller-only", "B's own list, none of A's rows", check=only_bs_examples),
    ("example-list", "POST"): Expect(
        "caller-only",
        "creates B's row; a `user` or `id` in the body is ignored",
        body=lambda w: {"title": "made by B", "content": "x", "user": w.a.pk, "id": w.a_example.pk},
        status=201,
        check=created_for_b,
    ),
    ("example-detail", "GET"): Expect("missing", MISSING),
    ("example-detail", "PUT"): Expect("missing", MISSING, body=lambda w: STOLEN),
    ("example-detail", "PATCH"): Expect("missing", MISSING, body=lambda w: STOLEN),
    ("example-detail", "DELETE"): Expect("missing", MISSING),
    ("example-duplicate", "POST"): Expect("missing", MISSING),
    ("project-list", "GET"): Expect("caller-only", "B's own projects, none of A's", check=only_bs_projects),
    ("project-list", "POST"): Expect(
        "caller-only",
        "creates B's project; an `owner` or `id` in the body is ignored",
        body=lambda w: {"name": "made by B", "owner": w.a.pk, "id": w.a_project.pk},
        status=201,
        check=project_created_for_b,
    ),
    ("project-detail", "GET"): Expect("missing", MISSING),
    ("project-detail", "PUT"): Expect("missing", MISSING, body=lambda w: {"name": "stolen"}),
    ("project-detail", "PATCH"): Expect("missing", MISSING, body=lambda w: {"name": "stolen"}),
    ("project-detail", "DELETE"): Expect("missing", MISSING),
    ("project-member-list", "GET"): Expect("missing", "A's project's members answer as a missing project's"),
    ("project-member-list", "POST"): Expect(
        "missing",
        "B cannot join A's project; it answers as a missing one",
        body=lambda w: {"username": w.b.username, "role": "editor"},
    ),
    ("project-member-detail", "PATCH"): Expect("missing", MISSING, body=lambda w: {"role": "viewer"}),
    ("project-member-detail", "DELETE"): Expect("missing", MISSING),
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
    ("schema", "GET"): Expect("public", "the OpenAPI document", status=200, json=False),
    ("swagger-ui", "GET"): Expect("public", "the Swagger UI page", status=200, json=False),
    ("graphql", "GET"): Expect("graphql", "each field has its own row in FIELDS"),
    ("graphql", "POST"): Expect("graphql", "each field has its own row in FIELDS"),
    ("health", "GET"): Expect("public", "liveness, no data", status=200),
    ("ready", "GET"): Expect("public", "readiness, no data", status=200),
    (f"{ADMIN}:*", "GET"): Expect("admin", "staff only: a redirect to the admin login", json=False),
    (f"{ADMIN}:*", "POST"): Expect("admin", "staff only: a redirect to the admin login", json=False),
}


def table_key(route: Route, method: str) -> tuple[str, str]:
    return (f"{ADMIN}:*" if route.is_admin else route.key, method)


def test_every_route_has_an_expectation():
    enumerated = expectation_keys()
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
        enumerated = expectation_keys()
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
ROUTE_CASES = [pytest.param(route, id=route.regex) for route in routes()]


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
    rule: str  # missing | caller-only
    why: str
    query: str
    variables: Callable[[World, object], dict] = field(default=lambda w, target: {})
    b_answer: Callable[[World], Any] | None = None  # B's `data`, exactly


PAYLOAD = "__typename ... on Example { id owner { id } } ... on OperationInfo { messages { code } }"
NOT_FOUND_PAYLOAD = {"__typename": "OperationInfo", "messages": [{"code": "not_found"}]}

FIELDS: dict[str, Field] = {
    "Query.me": Field(
        "caller-only",
        "the caller",
        "{ me { id username } }",
        b_answer=lambda w: {"me": {"id": str(w.b.pk), "username": w.b.username}},
    ),
    "Query.example": Field(
        "missing",
        "null, as for a missing id",
        "query($id: ID!) { example(id: $id) { id title } }",
        lambda w, target: {"id": str(target)},
        b_answer=lambda w: {"example": None},
    ),
    "Query.examples": Field(
        "caller-only",
        "B's rows only",
        "{ examples { totalCount results { id } } }",
        b_answer=lambda w: {"examples": {"totalCount": 1, "results": [{"id": str(w.b_example.pk)}]}},
    ),
    "Mutation.createExample": Field(
        "caller-only",
        "creates B's row",
        f'mutation {{ createExample(data: {{title: "made by B"}}) {{ {PAYLOAD} }} }}',
    ),
    "Mutation.updateExample": Field(
        "missing",
        "Not found., as for a missing id",
        f'mutation($id: ID!) {{ updateExample(data: {{id: $id, title: "stolen"}}) {{ {PAYLOAD} }} }}',
        lambda w, target: {"id": str(target)},
        b_answer=lambda w: {"updateExample": NOT_FOUND_PAYLOAD},
    ),
    "Mutation.deleteExample": Field(
        "missing",
        "Not found., as for a missing id",
        f"mutation($id: ID!) {{ deleteExample(id: $id) {{ {PAYLOAD} }} }}",
        lambda w, target: {"id": str(target)},
        b_answer=lambda w: {"deleteExample": NOT_FOUND_PAYLOAD},
    ),
    "Mutation.duplicateExample": Field(
        "missing",
        "Not found., as for a missing id",
        f"mutation($id: ID!) {{ duplicateExample(id: $id) {{ {PAYLOAD} }} }}",
        lambda w, target: {"id": str(target)},
        b_answer=lambda w: {"duplicateExample": NOT_FOUND_PAYLOAD},
    ),
    "Mutation.updateProfile": Field(
        "caller-only",
        "changes B's profile",
        'mutation { updateProfile(data: {displayName: "Mallory"}) { __typename ... on Profile { displayName } } }',
        b_answer=lambda w: {"updateProfile": {"__typename": "Profile", "displayName": "Mallory"}},
    ),
}


def test_every_graphql_field_has_an_expectation():
    enumerated = graphql_fields(served_schema._schema)
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
    assert graphql_fields(bigger._schema) - FIELDS.keys() == {"Query.everyonesTitles"}


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
            if name == "Mutation.createExample":
                assert answer["data"]["createExample"]["owner"] == {"id": str(world.b.pk)}

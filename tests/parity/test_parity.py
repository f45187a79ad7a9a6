"""REST, the Strawberry schema and the graphene reference give the same answers.

For generated populations (tests/parity/population.py: users, projects with
owners, editors, viewers and removed members, examples in projects and in
none) and for every user in them, the same question is asked of all three
surfaces: the examples list with generated search, date range, title lookup,
ordering and page; each example by id (the caller's, a project member's,
another user's, missing, junk); the projects list, each project by id with
its members and its paged examples; and ``me``. They must agree on ids,
order, totals, field values (times as instants), and on which questions are
errors. Independently of the surfaces, every answer must be the one the
contract's policy table gives (``Population.role``, ``sees_row``,
``visible_team``): the rows served are exactly those the caller may see,
``Example.project`` is null for a project they cannot see, another user is
only a ``PublicUser``.

Parts not built yet (tests/parity/pending.py) are compared once they land
(tests/parity/pending.py).

The graphene reference is a server process of its own over the same
database (tests/parity/reference.py), so each example commits its population
and deletes it afterwards (``committed``), so no example sees another's rows;
the tests take no function-scoped fixture, only the session's reference server.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import Resolver404, resolve
from hypothesis import event, example, given
from hypothesis import strategies as st

from api.paging import parse_page

from ..helpers import generated
from .pending import KNOWN, PENDING, arrived
from .population import EVERY_ACTOR, OFFSETS, Built, ListQuery, list_queries, populations
from .surfaces import (
    EXAMPLE_QUERY,
    EXAMPLES_QUERY,
    ME_QUERY,
    PROJECT_QUERY,
    PROJECTS_QUERY,
    Surfaces,
    committed,
    instant,
)

# Committed data: the reference server is another process.
pytestmark = pytest.mark.django_db(transaction=True)

LIST_URL = "/api/v1/examples/"
PROJECTS_URL = "/api/v1/projects/"


@st.composite
def scenarios(draw, queries: int = 4):
    population = draw(populations(min_rows=6))
    return population, draw(st.lists(list_queries(population), min_size=1, max_size=queries))


def assert_same_example(rest: dict, graphql: dict) -> None:
    assert rest["id"] == int(graphql["id"])
    assert (rest["title"], rest["content"]) == (graphql["title"], graphql["content"])
    assert instant(rest["created_at"]) == instant(graphql["createdAt"])
    assert instant(rest["updated_at"]) == instant(graphql["updatedAt"])


def expected_project(built: Built, user, team: int) -> dict:
    """A project as ``user`` sees it in GraphQL (PROJECT_FIELDS), from the population."""
    population, person = built.population, built.person(user)
    stored = population.teams[team]
    return {
        "id": str(built.project_ids[team]),
        "name": stored.name,
        "description": stored.description,
        "role": population.role(person, team).upper(),
        "owner": built.public_user(stored.owner),
        "createdAt": stored.created,
        "updatedAt": stored.updated,
    }


def as_instants(value: dict) -> dict:
    return {
        key: instant(item) if key in ("createdAt", "updatedAt", "addedAt") else item
        for key, item in value.items()
    }


def assert_visible_to_caller(built: Built, user, examples: list[dict]) -> None:
    """Each row one the policy lets ``user`` see, its author a PublicUser, its project as ``user`` sees it."""
    visible = set(built.visible_ids(user))
    for row in examples:
        pk = int(row["id"])
        assert pk in visible, "a row the caller may not see was served"
        assert row["owner"] == built.public_user(built.rows[pk].owner)
        team = built.population.visible_team(built.person(user), built.rows[pk])
        if "project" in row:
            if team is None:
                assert row["project"] is None, (pk, row["project"])
                continue
            expected = expected_project(built, user, team)
            # The fields the query selected.
            assert as_instants(row["project"]) == {key: expected[key] for key in row["project"]}, pk


def assert_same_rest_owner_and_project(built: Built, user, rest: dict, graphql: dict) -> None:
    if arrived("rest-example-fields"):
        owner = graphql["owner"]
        assert rest["owner"] == {"id": int(owner["id"]), "username": owner["username"], "name": owner["name"]}
        assert rest["project"] == built.project_id_seen(user, rest["id"]), rest


def check_list(built: Built, user, surfaces: Surfaces, query: ListQuery) -> None:
    variables = query.variables()
    strawberry = surfaces.both(EXAMPLES_QUERY, variables)

    params = query.rest_params()
    rest = surfaces.rest(LIST_URL, params) if params is not None else None
    # `pytest --hypothesis-show-statistics` shows how often each kind of answer came up.
    event("asked REST too" if rest is not None else "GraphQL only (a title lookup)")
    if strawberry.errors:
        event(f"refused: {strawberry.errors[0]['message'][:40]}")
    else:
        served = len(strawberry.data["examples"]["results"])
        event("no rows" if not served else "1 or 2 rows" if served < 3 else "3 rows or more")
    if strawberry.errors:
        assert strawberry.data is None
        if rest is not None:
            # Refused on every surface, for the same reason in the same words.
            assert rest.status_code == 400, (params, rest.content[:300])
            messages = [m for field_messages in rest.json().values() for m in field_messages]
            assert strawberry.errors[0]["message"] in messages, (messages, strawberry.errors)
        return

    page = strawberry.data["examples"]
    results = page["results"]
    assert_visible_to_caller(built, user, results)
    expected_page = parse_page(query.limit, query.offset)
    assert page["pageInfo"] == {"limit": expected_page.limit, "offset": expected_page.offset}
    if not query.filtered:
        visible = built.visible_ids(user)
        assert page["totalCount"] == len(visible)
        if not query.ordering:
            newest_first = sorted(visible, key=lambda pk: (built.rows[pk].created, pk), reverse=True)
            start = expected_page.offset
            assert [int(r["id"]) for r in results] == newest_first[start : start + expected_page.limit]

    if rest is not None:
        assert rest.status_code == 200, (params, rest.content[:300])
        body = rest.json()
        assert body["count"] == page["totalCount"]
        assert [row["id"] for row in body["results"]] == [int(row["id"]) for row in results]
        for rest_row, graphql_row in zip(body["results"], results, strict=True):
            assert_same_example(rest_row, graphql_row)
            assert_same_rest_owner_and_project(built, user, rest_row, graphql_row)


@generated(max_examples=25)
@given(scenario=scenarios())
@example(scenario=(EVERY_ACTOR, [ListQuery(), ListQuery(search="plan", limit=2, offset=1)]))
def test_lists_agree_on_every_surface(reference_server, scenario):
    population, queries = scenario
    with committed(population) as built:
        for user in built.users:
            surfaces = Surfaces(user, reference_server)
            for query in queries:
                check_list(built, user, surfaces, query)


JUNK_IDS = ("0", "-1", "abc", " 1", "\u0661", "1.0", "99999999999999999999")


@generated(max_examples=10)
@given(population=populations(max_rows=8))
@example(population=EVERY_ACTOR)
def test_each_example_by_id_agrees_on_every_surface(reference_server, population):
    with committed(population) as built:
        missing = max(built.owner_of, default=0) + 1000
        for user in built.users:
            surfaces = Surfaces(user, reference_server)
            visible_ids = set(built.visible_ids(user))
            for target in [*map(str, built.owner_of), str(missing), *JUNK_IDS]:
                answer = surfaces.both(EXAMPLE_QUERY, {"id": target})
                assert answer.errors is None
                found = answer.data["example"]
                rest = surfaces.rest(f"{LIST_URL}{quote(target, safe='')}/")
                visible = target.isascii() and target.isdigit() and int(target) in visible_ids
                event("visible" if visible else "missing")
                if not visible:
                    assert found is None, target
                    assert rest.status_code == 404, (target, rest.status_code)
                    assert rest.json() == {"detail": "Not found."}
                    continue
                assert_visible_to_caller(built, user, [found])
                assert rest.status_code == 200
                assert_same_example(rest.json(), found)
                assert_same_rest_owner_and_project(built, user, rest.json(), found)


# Projects


def expected_projects(built: Built, user) -> list[int]:
    """The teams ``user`` sees, newest first (ties by id), by the policy table."""
    person = built.person(user)
    teams = [t for t in range(len(built.population.teams)) if built.population.role(person, t) is not None]
    return sorted(
        teams, key=lambda t: (built.population.teams[t].created, built.project_ids[t]), reverse=True
    )


def expected_members(built: Built, team: int) -> list[dict]:
    return [
        {"user": built.public_user(m.person), "role": m.role.upper(), "addedAt": m.added}
        for m in built.population.members_of(team)
    ]


def expected_project_examples(built: Built, user, team: int, pagination: dict | None) -> dict:
    """``Project.examples``: every example of a project its viewer sees, newest first, paged."""
    rows = [pk for pk, row in built.rows.items() if row.project == team]
    assert set(rows) <= set(built.visible_ids(user))
    newest_first = sorted(rows, key=lambda pk: (built.rows[pk].created, pk), reverse=True)
    page = parse_page(*(pagination.get(key) for key in ("limit", "offset")))
    return {
        "totalCount": len(rows),
        "pageInfo": {"limit": page.limit, "offset": page.offset},
        "ids": newest_first[page.offset : page.offset + page.limit],
    }


def assert_project_as_expected(built: Built, user, found: dict, team: int, examples: dict | None) -> None:
    kept = {key: value for key, value in found.items() if key not in ("members", "examples")}
    assert as_instants(kept) == expected_project(built, user, team)
    assert [as_instants(member) for member in found["members"]["results"]] == expected_members(built, team)
    expected = expected_project_examples(built, user, team, examples)
    page = found["examples"]
    assert (page["totalCount"], page["pageInfo"]) == (expected["totalCount"], expected["pageInfo"])
    assert [int(row["id"]) for row in page["results"]] == expected["ids"]
    for row in page["results"]:
        assert row["project"] == {"id": found["id"], "role": found["role"]}
    assert_visible_to_caller(built, user, page["results"])


def require_rest_project_routes() -> None:
    """Fail clearly (never skip) when REST lacks the contract's project routes."""
    for path in (PROJECTS_URL, f"{PROJECTS_URL}1/", f"{PROJECTS_URL}1/members/"):
        try:
            resolve(path)
        except Resolver404:
            pytest.fail(f"REST has no route for {path}: the contract's /api/v1/projects/ routes are missing")


def assert_same_rest_project(rest: dict, graphql: dict) -> None:
    owner = graphql["owner"]
    assert rest["id"] == int(graphql["id"])
    assert (rest["name"], rest["description"], rest["role"]) == (
        graphql["name"],
        graphql["description"],
        graphql["role"].lower(),
    )
    assert rest["owner"] == {"id": int(owner["id"]), "username": owner["username"], "name": owner["name"]}
    assert instant(rest["created_at"]) == instant(graphql["createdAt"])
    assert instant(rest["updated_at"]) == instant(graphql["updatedAt"])


def assert_same_rest_members(rest_body, graphql: list[dict]) -> None:
    members = rest_body["results"] if isinstance(rest_body, dict) else rest_body
    assert [(m["user"]["id"], m["role"]) for m in members] == [
        (int(m["user"]["id"]), m["role"].lower()) for m in graphql
    ]
    for rest_member, graphql_member in zip(members, graphql, strict=True):
        assert rest_member["user"]["name"] == graphql_member["user"]["name"]
        assert instant(rest_member["added_at"]) == instant(graphql_member["addedAt"])


# Pages of projects and of each project's examples. Small ones: the served
# schema's cost limit counts every nested row a page could hold.
SMALL_LIMITS = (1, 2, 3, 5)
pages = st.fixed_dictionaries(
    {"limit": st.sampled_from(SMALL_LIMITS)}, optional={"offset": st.sampled_from(OFFSETS[3:])}
)


@generated(max_examples=10)
@given(
    population=populations(max_rows=10, min_teams=1, max_teams=3), projects_page=pages, examples_page=pages
)
@example(population=EVERY_ACTOR, projects_page={"limit": 5}, examples_page={"limit": 2})
def test_projects_agree_on_every_surface(reference_server, population, projects_page, examples_page):
    """``projects``, ``project(id)`` with members and paged examples: the policy's answer, everywhere."""
    with committed(population) as built:
        missing = max(built.project_ids, default=0) + 1000
        for user in built.users:
            surfaces = Surfaces(user, reference_server)
            seen = expected_projects(built, user)
            event(f"sees {len(seen)} of {len(built.project_ids)} projects")
            answer = surfaces.graphene(
                PROJECTS_QUERY, {"pagination": projects_page, "examples": examples_page}
            )
            assert answer.errors is None, answer.errors
            if arrived("strawberry"):
                strawberry = surfaces.strawberry(
                    PROJECTS_QUERY, {"pagination": projects_page, "examples": examples_page}
                )
                assert strawberry == answer
            page = answer.data["projects"]
            expected_page = parse_page(*(projects_page.get(key) for key in ("limit", "offset")))
            assert page["totalCount"] == len(seen)
            assert page["pageInfo"] == {"limit": expected_page.limit, "offset": expected_page.offset}
            on_page = seen[expected_page.offset : expected_page.offset + expected_page.limit]
            assert [int(found["id"]) for found in page["results"]] == [built.project_ids[t] for t in on_page]
            for found, team in zip(page["results"], on_page, strict=True):
                assert_project_as_expected(built, user, found, team, examples_page)
            if arrived("rest-projects"):
                require_rest_project_routes()
                rest = surfaces.rest(PROJECTS_URL, {key: str(value) for key, value in projects_page.items()})
                assert rest.status_code == 200, rest.content[:300]
                assert rest.json()["count"] == page["totalCount"]
                for rest_project, found in zip(rest.json()["results"], page["results"], strict=True):
                    assert_same_rest_project(rest_project, found)

            for target in [*map(str, built.project_ids), str(missing), *JUNK_IDS]:
                variables = {"id": target, "examples": examples_page}
                found = surfaces.graphene(PROJECT_QUERY, variables)
                assert found.errors is None, found.errors
                if arrived("strawberry"):
                    assert surfaces.strawberry(PROJECT_QUERY, variables) == found
                project = found.data["project"]
                pk = int(target) if target.isascii() and target.isdigit() else None
                team = built.team_of(pk) if pk is not None else None
                visible = team is not None and team in seen
                if visible:
                    assert_project_as_expected(built, user, project, team, examples_page)
                else:
                    assert project is None, target
                if arrived("rest-projects"):
                    detail = f"{PROJECTS_URL}{quote(target, safe='')}/"
                    rest = surfaces.rest(detail)
                    members = surfaces.rest(f"{detail}members/")
                    if not visible:
                        not_found = (404, {"detail": "Not found."})
                        assert (rest.status_code, rest.json()) == not_found, target
                        assert (members.status_code, members.json()) == not_found, target
                        continue
                    assert (rest.status_code, members.status_code) == (200, 200)
                    assert_same_rest_project(rest.json(), project)
                    assert_same_rest_members(members.json(), project["members"]["results"])


@generated(max_examples=10)
@given(population=populations(max_rows=0))
def test_me_agrees_on_every_surface(reference_server, population):
    with committed(population) as built:
        for user in built.users:
            surfaces = Surfaces(user, reference_server)
            strawberry = surfaces.strawberry(ME_QUERY)
            assert strawberry == surfaces.graphene(ME_QUERY)
            me = strawberry.data["me"]
            account = surfaces.rest("/api/auth/user/").json()
            profile = surfaces.rest("/api/auth/profile/").json()
            assert me["id"] == str(account["id"]) == str(user.pk)
            assert (me["username"], me["email"], me["name"]) == (
                account["username"],
                account["email"],
                account["name"],
            )
            assert instant(me["dateJoined"]) == instant(account["date_joined"])
            assert (me["profile"]["displayName"], me["profile"]["bio"], me["profile"]["timezone"]) == (
                profile["display_name"],
                profile["bio"],
                profile["timezone"],
            )
            assert instant(me["profile"]["updatedAt"]) == instant(profile["updated_at"])


def test_anonymous_callers_get_no_rows_anywhere(reference_server, user, example_factory):
    example_factory(user=user)
    anonymous = Surfaces(None, reference_server)
    assert anonymous.rest(LIST_URL).status_code == 401
    refused = anonymous.strawberry(EXAMPLES_QUERY)
    assert refused.data is None and refused.errors[0]["extensions"] == {"code": "UNAUTHENTICATED"}
    # The reference has no gate of its own: visible_to of an anonymous user is empty.
    assert anonymous.graphene(EXAMPLES_QUERY).data["examples"]["totalCount"] == 0
    assert anonymous.graphene(ME_QUERY).data == {"me": None} == anonymous.strawberry(ME_QUERY).data


@pytest.mark.django_db(transaction=False)
def test_pending_parts_are_still_missing(user, example_factory):
    """A part of PENDING that has landed fails here, naming the entry to delete (tests/parity/pending.py)."""
    from graphql_api.schema import schema

    served = schema._schema
    present = {
        "strawberry": "projects" in served.query_type.fields
        and served.type_map["Example"].fields["owner"].type.of_type.name == "PublicUser",
        "rest-projects": _resolves(PROJECTS_URL),
        "rest-example-fields": _rest_example_has_owner_and_project(user, example_factory),
    }
    assert set(present) == set(KNOWN)
    landed = sorted(part for part in PENDING if present[part])
    assert landed == [], (
        f"{landed} now served: delete them from PENDING in tests/parity/pending.py, "
        "so that the parity tests compare them in full"
    )


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _rest_example_has_owner_and_project(user, example_factory) -> bool:
    from ..helpers import client_with_token

    example = example_factory(user=user)
    body = client_with_token(user).get(f"{LIST_URL}{example.pk}/").json()
    return {"owner", "project"} <= set(body)


CONNECTION_QUERY = """
query Walk($first: Int, $after: String, $last: Int, $before: String, $ordering: [ExampleOrder!]) {
  examplesConnection(first: $first, after: $after, last: $last, before: $before, ordering: $ordering) {
    totalCount
    edges { node { id title owner { username } } }
    pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
  }
}
"""


def _connection_walk(ask, ordering) -> list[tuple[list[str], bool, bool]]:
    """Every page forward by 3 (then the last page backward), as (ids, hasNext, hasPrevious)."""
    pages, after = [], None
    while True:
        answer = ask(CONNECTION_QUERY, {"first": 3, "after": after, "ordering": ordering})
        assert answer.errors is None, answer.errors
        found = answer.data["examplesConnection"]
        info = found["pageInfo"]
        pages.append(
            ([edge["node"]["id"] for edge in found["edges"]], info["hasNextPage"], info["hasPreviousPage"])
        )
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    last = ask(CONNECTION_QUERY, {"last": 4, "ordering": ordering}).data["examplesConnection"]
    pages.append(([edge["node"]["id"] for edge in last["edges"]], last["pageInfo"]["hasNextPage"], None))
    return pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ordering", [None, [{"updatedAt": "ASC"}]])
def test_cursor_pages_agree_on_every_surface(reference_server, user, other_user, example_factory, ordering):
    """``examplesConnection`` (both schemas) and REST ``?cursor=``: the same rows, page by page."""
    from api.models import ExampleModel

    for _ in range(8):
        example_factory(user=user)
    example_factory(user=other_user)
    tie = ExampleModel.objects.filter(user=user).order_by("id")[:4].values_list("id", flat=True)
    ExampleModel.objects.filter(pk__in=list(tie)).update(
        created_at=ExampleModel.objects.get(pk=tie[0]).created_at,
        updated_at=ExampleModel.objects.get(pk=tie[0]).updated_at,
    )
    surfaces = Surfaces(user, reference_server)

    served = _connection_walk(surfaces.strawberry, ordering)
    reference = _connection_walk(surfaces.graphene, ordering)

    assert served == reference
    for refused in ({"after": "not a cursor"}, {"first": 0}, {"ordering": [{"title": "ASC"}]}):
        variables = {"ordering": ordering, **refused}
        assert (
            surfaces.strawberry(CONNECTION_QUERY, variables).errors
            == surfaces.graphene(CONNECTION_QUERY, variables).errors
        )
    assert sorted(int(pk) for ids, *_ in served[:-1] for pk in ids) == sorted(
        ExampleModel.objects.filter(user=user).values_list("id", flat=True)
    )
    rest_ordering = "-created_at" if ordering is None else "updated_at"
    body = surfaces.rest(LIST_URL, {"cursor": "", "limit": "3", "ordering": rest_ordering}).json()
    rest_pages = [[str(row["id"]) for row in body["results"]]]
    while body["next"]:
        body = surfaces.rest_client.get(body["next"]).json()
        rest_pages.append([str(row["id"]) for row in body["results"]])
    assert rest_pages == [ids for ids, *_ in served[:-1]]

"""REST, the Strawberry schema and the graphene reference give the same answers.

For generated populations (tests/parity/population.py) and for every user in
them, the same question is asked of all three surfaces: the list with
generated search, date range, title lookup, ordering and page; each example
by id (the caller's, another user's, missing, junk); and ``me``. They must
agree on ids, order, totals, field values (times as instants), and on which
questions are errors. Independently of the surfaces, every row returned must
belong to the caller, and an unfiltered list must hold all of the caller's rows.

The graphene reference is a server process of its own over the same
database (tests/parity/reference.py), so each example commits its population
and deletes it afterwards (``committed``), so no example sees another's rows;
the tests take no function-scoped fixture, only the session's reference server.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from api.paging import parse_page

from ..helpers import generated
from .population import Built, ListQuery, list_queries, populations
from .surfaces import EXAMPLE_QUERY, EXAMPLES_QUERY, ME_QUERY, Surfaces, committed, instant

# Committed data: the reference server is another process.
pytestmark = pytest.mark.django_db(transaction=True)

LIST_URL = "/api/v1/examples/"


@st.composite
def scenarios(draw, queries: int = 4):
    population = draw(populations(min_rows=6))
    return population, draw(st.lists(list_queries(population), min_size=1, max_size=queries))


def assert_same_example(rest: dict, graphql: dict) -> None:
    assert rest["id"] == int(graphql["id"])
    assert (rest["title"], rest["content"]) == (graphql["title"], graphql["content"])
    assert instant(rest["created_at"]) == instant(graphql["createdAt"])
    assert instant(rest["updated_at"]) == instant(graphql["updatedAt"])


def assert_owned_by_caller(built: Built, user, examples: list[dict]) -> None:
    for example in examples:
        assert built.owner_of[int(example["id"])] == user.pk, "a row of another user was served"
        assert example["owner"]["id"] == str(user.pk)


def check_list(built: Built, user, surfaces: Surfaces, query: ListQuery) -> None:
    variables = query.variables()
    strawberry = surfaces.strawberry(EXAMPLES_QUERY, variables)
    graphene = surfaces.graphene(EXAMPLES_QUERY, variables)
    assert strawberry == graphene, (variables, strawberry, graphene)

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
    assert_owned_by_caller(built, user, results)
    expected_page = parse_page(query.limit, query.offset)
    assert page["pageInfo"] == {"limit": expected_page.limit, "offset": expected_page.offset}
    if not query.filtered:
        mine = built.ids_of(user)
        assert page["totalCount"] == len(mine)
        if not query.ordering:
            newest_first = sorted(mine, key=lambda pk: (built.rows[pk].created, pk), reverse=True)
            start = expected_page.offset
            assert [int(r["id"]) for r in results] == newest_first[start : start + expected_page.limit]

    if rest is not None:
        assert rest.status_code == 200, (params, rest.content[:300])
        body = rest.json()
        assert body["count"] == page["totalCount"]
        assert [row["id"] for row in body["results"]] == [int(row["id"]) for row in results]
        for rest_row, graphql_row in zip(body["results"], results, strict=True):
            assert_same_example(rest_row, graphql_row)


@generated(max_examples=25)
@given(scenario=scenarios())
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
def test_each_example_by_id_agrees_on_every_surface(reference_server, population):
    with committed(population) as built:
        missing = max(built.owner_of, default=0) + 1000
        for user in built.users:
            surfaces = Surfaces(user, reference_server)
            for target in [*map(str, built.owner_of), str(missing), *JUNK_IDS]:
                strawberry = surfaces.strawberry(EXAMPLE_QUERY, {"id": target})
                assert strawberry == surfaces.graphene(EXAMPLE_QUERY, {"id": target}), target
                assert strawberry.errors is None
                found = strawberry.data["example"]
                rest = surfaces.rest(f"{LIST_URL}{quote(target, safe='')}/")
                visible = target.isascii() and target.isdigit() and built.owner_of.get(int(target)) == user.pk
                if not visible:
                    assert found is None, target
                    assert rest.status_code == 404, (target, rest.status_code)
                    continue
                assert found["owner"]["id"] == str(user.pk)
                assert rest.status_code == 200
                assert_same_example(rest.json(), found)


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

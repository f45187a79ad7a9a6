"""One input rule on every surface: JSON decoding, the search cap, date-time messages.

Each case is sent to REST and to GraphQL (POST body, and GET ``?variables=``
where the rule applies there too); both must answer a 400 (or a GraphQL
error) with the same readable words and change nothing.
"""

from __future__ import annotations

import json

import pytest

from api.datetimes import INVALID_MESSAGE
from api.models import ExampleModel
from api.querysets import SEARCH_MAX_LENGTH
from backend.parsers import MAX_INTEGER_DIGITS, JSONRefused, decode_json
from tests.factories import ExampleFactory
from tests.helpers import database_state

pytestmark = pytest.mark.django_db

GRAPHQL = "/graphql/"
EXAMPLES = "/api/v1/examples/"
HUGE = "9" * (MAX_INTEGER_DIGITS + 1)

# (raw JSON value, the words both surfaces must answer with)
BAD_VALUES = [
    pytest.param(HUGE, f"integers may have at most {MAX_INTEGER_DIGITS} digits", id="huge-integer"),
    pytest.param("-" + HUGE, f"integers may have at most {MAX_INTEGER_DIGITS} digits", id="huge-negative"),
    pytest.param("1e400", "is too large", id="float-overflow"),
    pytest.param("NaN", "NaN is not a JSON value", id="nan"),
    pytest.param("-Infinity", "-Infinity is not a JSON value", id="infinity"),
    pytest.param('"\\ud800"', "strings must be valid Unicode", id="lone-surrogate"),
]


INT_QUERY = "query($v: Int) { examples(pagination: {limit: $v}) { totalCount } }"


def with_value(template: str, raw: str) -> str:
    """``template`` with RAW replaced by a JSON value written as is (not re-encoded)."""
    return template.replace("RAW", raw)


def rest_post(client, raw: str):
    body = with_value('{"title": "t", "content": RAW}', raw)
    return client.generic("POST", EXAMPLES, body, content_type="application/json")


def graphql_post(client, raw: str):
    body = with_value('{"query": "' + INT_QUERY + '", "variables": {"v": RAW}}', raw)
    return client.generic("POST", GRAPHQL, body, content_type="application/json")


def graphql_get(client, raw: str):
    return client.get(GRAPHQL, {"query": INT_QUERY, "variables": with_value('{"v": RAW}', raw)})


def graphql_message(response) -> tuple[str, str]:
    (error,) = response.json()["errors"]
    return error["message"], error["extensions"]["code"]


@pytest.mark.parametrize(("raw", "words"), BAD_VALUES)
def test_rest_refuses_the_value_with_a_400(auth_client, raw, words):
    before = database_state()
    response = rest_post(auth_client, raw)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")
    assert words in response.json()["detail"]
    assert database_state() == before


@pytest.mark.parametrize("send", [graphql_post, graphql_get], ids=["post", "get-variables"])
@pytest.mark.parametrize(("raw", "words"), BAD_VALUES)
def test_graphql_refuses_the_value_with_the_same_words(auth_client, raw, words, send):
    rest = rest_post(auth_client, raw).json()["detail"]
    response = send(auth_client, raw)
    assert response.status_code == 400
    message, code = graphql_message(response)
    assert code == "BAD_REQUEST"
    assert message == rest  # one rule, one message


def test_the_integer_limit_does_not_follow_the_interpreter():
    """Lifting Python's own limit (PYTHONINTMAXSTRDIGITS=0) does not lift the rule."""
    import sys

    sys.set_int_max_str_digits(0)
    try:
        with pytest.raises(JSONRefused):
            decode_json(HUGE)
        assert decode_json("9" * MAX_INTEGER_DIGITS) == int("9" * MAX_INTEGER_DIGITS)
    finally:
        sys.set_int_max_str_digits(sys.int_info.default_max_str_digits)


def test_the_largest_allowed_integer_reaches_validation(auth_client, user):
    # 4,300 digits decode; the serializer then refuses a number as text.
    response = auth_client.generic(
        "POST",
        EXAMPLES,
        with_value('{"title": RAW}', "9" * MAX_INTEGER_DIGITS),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "title" in response.json()
    assert not ExampleModel.objects.exists()


def test_graphql_integer_variable_in_range_still_runs(auth_client):
    response = graphql_post(auth_client, "7")
    assert response.status_code == 200
    assert "errors" not in response.json()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"a": ', "Expecting value: line 1 column 7 (char 6)"),
        (b'{"a": "\xff"}', "the body is not valid UTF-8."),
        (b"[" * 100_000 + b"]" * 100_000, "the document is nested too deeply."),
    ],
    ids=["syntax", "utf-8", "nesting"],
)
def test_malformed_bodies_read_the_same_on_both_surfaces(auth_client, body, words):
    rest = auth_client.generic("POST", EXAMPLES, body, content_type="application/json")
    graphql = auth_client.generic("POST", GRAPHQL, body, content_type="application/json")
    assert rest.status_code == graphql.status_code == 400
    assert rest.json()["detail"] == "JSON parse error - " + words
    assert graphql_message(graphql) == (rest.json()["detail"], "BAD_REQUEST")


# The search cap


def examples_with(client, filters: str, variables: dict) -> dict:
    query = with_value("query($s: String!) { examples(filters: RAW) { totalCount } }", filters)
    response = client.post(GRAPHQL, {"query": query, "variables": variables}, format="json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("length", [SEARCH_MAX_LENGTH + 1, 50_000])
def test_rest_search_over_the_cap_is_400_not_503(auth_client, user, length):
    ExampleFactory(user=user, title="x")
    response = auth_client.get(EXAMPLES, {"search": "x" * length})
    assert response.status_code == 400
    assert response.json() == {
        "search": [f"Ensure this value has at most {SEARCH_MAX_LENGTH} characters (it has {length})."]
    }


def test_rest_search_at_the_cap_runs(auth_client, user):
    ExampleFactory(user=user, title="x" * SEARCH_MAX_LENGTH)
    response = auth_client.get(EXAMPLES, {"search": "x" * SEARCH_MAX_LENGTH})
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ("{search: $s}", "filters.search"),
        ("{title: {iContains: $s}}", "filters.title.iContains"),
        ("{title: {exact: $s}}", "filters.title.exact"),
        ("{AND: {OR: {title: {startsWith: $s}}}}", "filters.AND.OR.title.startsWith"),
    ],
)
@pytest.mark.parametrize("length", [SEARCH_MAX_LENGTH + 1, 50_000])
def test_graphql_text_over_the_cap_is_bad_user_input(auth_client, user, filters, field, length):
    ExampleFactory(user=user, title="x")
    body = examples_with(auth_client, filters, {"s": "x" * length})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert (
        error["message"] == f"Ensure this value has at most {SEARCH_MAX_LENGTH} characters (it has {length})."
    )
    assert body["data"] is None


def test_graphql_search_at_the_cap_runs_and_matches_rest(auth_client, user):
    ExampleFactory(user=user, title="x" * SEARCH_MAX_LENGTH)
    ExampleFactory(user=user, title="other")
    body = examples_with(auth_client, "{search: $s}", {"s": "x" * SEARCH_MAX_LENGTH})
    assert body == {"data": {"examples": {"totalCount": 1}}}


def test_graphql_search_literal_over_the_cap_is_refused(auth_client, user):
    query = with_value('{ examples(filters: {search: "RAW"}) { totalCount } }', "x" * (SEARCH_MAX_LENGTH + 1))
    response = auth_client.post(GRAPHQL, {"query": query}, format="json")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


# Date-times


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00", "20x4-01-01"])
def test_rest_date_time_errors_name_the_iso_form(auth_client, value):
    response = auth_client.get(EXAMPLES, {"created_after": value})
    assert response.status_code == 400
    assert response.json() == {"created_after": [INVALID_MESSAGE]}


@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00", "20x4-01-01"])
def test_graphql_date_time_errors_name_the_iso_form(auth_client, value):
    literal = auth_client.post(
        GRAPHQL,
        {
            "query": with_value(
                "{ examples(filters: {createdAt: {gte: RAW}}) { totalCount } }", json.dumps(value)
            )
        },
        format="json",
    ).json()
    variable = auth_client.post(
        GRAPHQL,
        {
            "query": "query($d: DateTime) { examples(filters: {createdAt: {gte: $d}}) { totalCount } }",
            "variables": {"d": value},
        },
        format="json",
    ).json()
    for body in (literal, variable):
        (error,) = body["errors"]
        assert INVALID_MESSAGE in error["message"], error
        assert "int()" not in error["message"] and "digits" not in error["message"]


@pytest.mark.parametrize(
    "value", ["2024-01-31T12:00:00Z", "2024-01-31T12:00:00+02:00", "2024-01-31T12:00:00", "2024-01-31"]
)
def test_both_surfaces_accept_the_same_iso_forms(auth_client, user, value):
    ExampleFactory(user=user)
    rest = auth_client.get(EXAMPLES, {"created_after": value})
    graphql = auth_client.post(
        GRAPHQL,
        {
            "query": "query($d: DateTime) { examples(filters: {createdAt: {gte: $d}}) { totalCount } }",
            "variables": {"d": value},
        },
        format="json",
    ).json()
    assert rest.status_code == 200
    assert graphql == {"data": {"examples": {"totalCount": rest.json()["count"]}}}

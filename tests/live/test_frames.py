"""Every frame a socket sends obeys the HTTP surface's JSON rule (backend.parsers), and every error is coded.

A ``subscribe`` frame the rule refuses gets an ``error`` message for its
operation with the words REST answers and ``extensions.code``; the socket
stays open (the next ``ping`` is answered). A frame that is not a message
closes the socket with 4400. Nothing is logged as an error.
"""

from __future__ import annotations

import json
import logging

import pytest
from asgiref.sync import async_to_sync
from django.test import override_settings

from tests.factories import UserFactory, token_for
from tests.test_json_rule import BAD_VALUES, with_value

from .sockets import Socket

pytestmark = pytest.mark.django_db

QUERY = "subscription { exampleEvents { id } }"
SUBSCRIBE = (
    '{"id": "op", "type": "subscribe", "payload": {"query": "' + QUERY + '", "variables": {"v": RAW}}}'
)


@pytest.fixture
def token(db):
    return token_for(UserFactory())


@pytest.fixture
def no_error_logged(caplog):
    with caplog.at_level(logging.WARNING):
        yield
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR], caplog.text


def run(coroutine_function):
    async_to_sync(coroutine_function)()


async def refused(token: str, frame: str) -> dict:
    """The answer to ``frame`` on an acknowledged socket, after which the socket must still answer a ping."""
    socket = await Socket.ready(token)
    await socket.send_text(frame)
    answer = await socket.receive()
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}
    await socket.close()
    return answer


def operation_error(answer: dict) -> tuple[str, str]:
    assert answer["type"] == "error" and answer["id"] == "op", answer
    (error,) = answer["payload"]
    return error["message"], error["extensions"]["code"]


@pytest.mark.parametrize(("raw", "words"), BAD_VALUES)
def test_a_value_the_json_rule_refuses_is_the_operations_coded_error(
    token, auth_client, no_error_logged, raw, words
):
    rest = auth_client.generic(
        "POST",
        "/api/v1/examples/",
        with_value('{"title": "t", "content": RAW}', raw),
        content_type="application/json",
    ).json()["detail"]

    async def scenario():
        message, code = operation_error(await refused(token, with_value(SUBSCRIBE, raw)))
        assert (message, code) == (rest, "BAD_REQUEST")
        assert words in message

    run(scenario)


def test_nesting_too_deep_to_parse_is_the_operations_coded_error(token, no_error_logged):
    # 20,000 levels fit in LIVE_MAX_MESSAGE_BYTES; the id comes after the refused value.
    deep = "[" * 20_000 + "]" * 20_000
    frame = (
        '{"type": "subscribe", "payload": {"query": "'
        + QUERY
        + '", "variables": {"v": '
        + deep
        + '}}, "id": "op"}'
    )

    async def scenario():
        message, code = operation_error(await refused(token, frame))
        assert (message, code) == ("JSON parse error - the document is nested too deeply.", "BAD_REQUEST")

    run(scenario)


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"query": QUERY, "operationName": 5}, "`operationName` must be a string or null"),
        ({"query": QUERY, "operationName": ["A"]}, "`operationName` must be a string or null"),
        ({"query": 5}, "`query` must be a string or null"),
        ({"query": QUERY, "variables": [1]}, "`variables` must be an object or null"),
        ({"query": QUERY, "extensions": "x"}, "`extensions` must be an object or null"),
        ({}, "No GraphQL query found in the request."),
        ("x", "`payload` must be an object"),
    ],
)
def test_a_malformed_subscribe_payload_is_the_operations_coded_error(token, no_error_logged, payload, words):
    frame = json.dumps({"id": "op", "type": "subscribe", "payload": payload})

    async def scenario():
        message, code = operation_error(await refused(token, frame))
        assert words in message and code == "BAD_REQUEST"

    run(scenario)


@pytest.mark.parametrize(
    "frame",
    [
        "[1]",
        '"connection_init"',
        '{"type": 5}',
        '{"id": ["op"], "type": "subscribe", "payload": {"query": "' + QUERY + '"}}',
        '{"id": 1, "type": "complete"}',
        '{"type": "ping", "payload": {"n": NaN}}',
        "not json",
    ],
)
def test_a_frame_that_is_not_a_message_closes_the_socket_with_4400(token, no_error_logged, frame):
    async def scenario():
        socket = await Socket.ready(token)
        await socket.send_text(frame)
        assert await socket.closed_with() == 4400

    run(scenario)


def test_a_refused_connection_init_closes_with_4400(db, no_error_logged):
    async def scenario():
        socket, connected, _ = await Socket.open()
        assert connected
        await socket.send_text('{"type": "connection_init", "payload": {"Authorization": "\\ud800"}}')
        assert await socket.closed_with() == 4400

    run(scenario)


def test_a_refused_subscribe_before_connection_ack_closes_with_4401(db, no_error_logged):
    async def scenario():
        socket, connected, _ = await Socket.open()
        assert connected
        await socket.send_text(with_value(SUBSCRIBE, "NaN"))
        assert await socket.closed_with() == 4401

    run(scenario)


# (the subscription, its operationName, the same mistake in a query, as HTTP is sent it)
DOCUMENTS = [
    pytest.param("subscription { exampleEvents { nope } }", None, "query { nope }", id="validation"),
    pytest.param("subscription { exampleEvents( { id } }", None, "query { examples( { id } }", id="syntax"),
    pytest.param(
        "subscription A { exampleEvents { id } }", "B", "query A { __typename }", id="unknown-operation"
    ),
    pytest.param(
        "subscription($p: ID!) { exampleEvents(projectId: $p) { id } }",
        None,
        "query($p: ID!) { project(id: $p) { id } }",
        id="missing-variable",
    ),
]


def codes(errors: list[dict]) -> list[str]:
    return [error["extensions"]["code"] for error in errors]


@pytest.mark.parametrize(("query", "operation_name", "over_http"), DOCUMENTS)
def test_an_invalid_document_gets_the_code_http_gives_it_and_ends_only_its_operation(
    token, auth_client, no_error_logged, query, operation_name, over_http
):
    http = auth_client.post("/graphql/", {"query": over_http, "operationName": operation_name}, format="json")
    expected = codes(http.json()["errors"])
    assert expected and "INTERNAL_SERVER_ERROR" not in expected

    async def scenario():
        socket = await Socket.ready(token)
        await socket.subscribe("other")
        await socket.send(
            {"id": "op", "type": "subscribe", "payload": {"query": query, "operationName": operation_name}}
        )
        answer = await socket.receive()
        assert answer["type"] == "error" and answer["id"] == "op", answer
        assert codes(answer["payload"]) == expected, answer
        # The socket and its other operation go on: "other" is still running (its id is taken).
        await socket.subscribe("other")
        assert await socket.closed_with() == 4409

    run(scenario)


@override_settings(GRAPHQL_INTROSPECTION=False)
def test_suggestions_are_hidden_over_websocket_too(token):
    async def scenario():
        socket = await Socket.ready(token)
        await socket.subscribe("op", query="subscription { exampleEvents { idd } }")
        message, code = operation_error(await socket.receive())
        assert "Did you mean" not in message and code == "GRAPHQL_VALIDATION_FAILED", message
        await socket.close()

    run(scenario)

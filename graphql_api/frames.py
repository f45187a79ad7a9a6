"""The graphql-transport-ws frames a socket may send, read by the JSON rule every surface uses.

A text frame is decoded by ``backend.parsers.decode_json`` (what REST and
GraphQL over HTTP use: no integer of more than 4,300 digits, no nesting
deep enough to exhaust the parser, no ``NaN``/``Infinity``, no lone
surrogates), then its shape is checked: an object with a string ``type``;
``subscribe`` and ``complete`` with a string ``id``; a ``subscribe``
payload that is an object whose ``query`` is a string, ``variables`` and
``extensions`` objects and ``operationName`` a string (each may be null).

A refused frame is a ``FrameRefused``. When it is a ``subscribe`` whose
``id`` can still be read, the refusal is that operation's ``error``
message (``BAD_REQUEST``); otherwise the frame is not a message and the
socket is closed with 4400.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from backend.parsers import JSONRefused, decode_json


@dataclass(frozen=True)
class FrameRefused:
    reason: str
    # The subscribe message's id, when there is one to answer.
    operation_id: str | None = None


NOT_A_MESSAGE = "A message must be a JSON object with a string `type`."
NO_ID = "A `{type}` message needs a string `id`."
BAD_PAYLOAD = "A `subscribe` message's `payload` must be an object."
# The same words as over HTTP (graphql_api.views.GraphQLView.parse_http_body).
BAD_OPERATION_NAME = "The GraphQL operation's `operationName` must be a string or null."
BAD_MEMBER = "The GraphQL operation's `{name}` must be {kind} or null."
PAYLOAD_MEMBERS = (
    ("query", str, "a string"),
    ("variables", dict, "an object"),
    ("extensions", dict, "an object"),
)


def decode_frame(text: str) -> dict[str, Any] | FrameRefused:
    """The message in ``text``, or why it is refused."""
    try:
        message = decode_json(text)
    except JSONRefused as exc:
        return FrameRefused(str(exc), _subscribe_id(text))
    return check_frame(message)


def check_frame(message: object) -> dict[str, Any] | FrameRefused:
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return FrameRefused(NOT_A_MESSAGE)
    kind = message["type"]
    if kind in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return FrameRefused(NO_ID.format(type=kind))
    if kind != "subscribe":
        return message
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return FrameRefused(BAD_PAYLOAD, message["id"])
    if not isinstance(payload.get("operationName"), str | None):
        return FrameRefused(BAD_OPERATION_NAME, message["id"])
    for name, kind_of_value, words in PAYLOAD_MEMBERS:
        if not isinstance(payload.get(name), kind_of_value | None):
            return FrameRefused(BAD_MEMBER.format(name=name, kind=words), message["id"])
    return message


_TOKEN = re.compile(r'["{}\[\]:,]')
_STRINGS = json.JSONDecoder()


def _subscribe_id(text: str) -> str | None:
    """The ``id`` of a frame the JSON rule refused, if it is a ``subscribe`` one."""
    members = _top_level_strings(text)
    return members.get("id") if members.get("type") == "subscribe" else None


def _top_level_strings(text: str) -> dict[str, str]:
    """The string-valued members of the top-level object in ``text``, without decoding any other value.

    A scan, not a parse: nested values are skipped by counting brackets, so
    a refused frame (too deep to parse, a huge number) still shows its
    ``type`` and ``id``. Strings are read by the standard decoder one at a time.
    """
    found: dict[str, str] = {}
    depth, key, position = 0, None, 0
    value_next = False
    while match := _TOKEN.search(text, position):
        char, position = match.group(), match.end()
        if char == '"':
            try:
                string, position = _STRINGS.raw_decode(text, match.start())
            except ValueError:
                return found
            if depth == 1 and value_next and key is not None:
                found[key] = string
            elif depth == 1:
                key = string
            value_next = False
        elif char in "{[":
            depth += 1
            value_next = False
        elif char in "}]":
            depth -= 1
        elif char == ":":
            value_next = depth == 1
        else:  # ","
            if depth == 1:
                key, value_next = None, False
    return found

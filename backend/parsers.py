"""The one JSON decoding rule of every surface, and DRF's parser built on it.

REST bodies (``StrictJSONParser``), GraphQL bodies and GraphQL's GET
``?variables=`` (``graphql_api.views.GraphQLView.decode_json``) are all decoded
by ``decode_json``. What it refuses, with the same message on both surfaces
(``JSON parse error - ...``), each a 400 and never a 500:

- bytes that are not UTF-8 (RFC 8259 8.1: JSON between systems is UTF-8; a
  ``charset`` parameter does not change that);
- syntax errors (the standard library's message, with line and column);
- nesting deep enough to exhaust the parser's recursion;
- integers of more than ``MAX_INTEGER_DIGITS`` digits. Python's own
  int-string limit raises a bare ``ValueError`` past 4,300 digits (which
  GraphQL answered with a 500) and can be changed by the interpreter's
  configuration; this rule checks the length before converting;
- ``NaN``, ``Infinity`` and numbers that overflow to infinity (not JSON, and
  no field of this API can store them);
- strings holding lone UTF-16 surrogates (``"\\ud800"``): Python decodes them
  into strings that no database, hasher or encoder accepts.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Python's default int-string limit (sys.int_info.default_max_str_digits),
# fixed here so that the rule does not depend on PYTHONINTMAXSTRDIGITS. No
# field of this API holds a number anywhere near it (ids have 19 digits).
MAX_INTEGER_DIGITS = 4300
PREFIX = "JSON parse error - "


class JSONRefused(ValueError):
    """A body or parameter that is not JSON this API accepts; the message is for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(PREFIX + reason)


def find_unencodable_string(data: Any) -> str | None:
    """The first string in ``data`` that cannot be stored as UTF-8, or None.

    Walked without recursion so a deeply nested body cannot exhaust the stack.
    """
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _parse_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INTEGER_DIGITS:
        raise JSONRefused(f"integers may have at most {MAX_INTEGER_DIGITS} digits (this one has {digits}).")
    try:
        return int(text)
    except ValueError:  # an interpreter configured with a lower limit than the rule's
        raise JSONRefused(f"integers may have at most {sys.get_int_max_str_digits()} digits.") from None


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused(f"the number {text[:20]}{'...' if len(text) > 20 else ''} is too large.")
    return value


def _parse_constant(name: str) -> float:
    raise JSONRefused(f"{name} is not a JSON value.")


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)


def decode_utf8(raw: bytes) -> str:
    """``raw`` as text, or ``JSONRefused`` when it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JSONRefused("the body is not valid UTF-8.") from None


def decode_json(data: str | bytes) -> Any:
    """Decode one JSON document by the rule above; ``JSONRefused`` says why not."""
    text = decode_utf8(data) if isinstance(data, bytes) else data
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JSONRefused(str(exc)) from None
    except RecursionError:
        raise JSONRefused("the document is nested too deeply.") from None
    if find_unencodable_string(value) is not None:
        raise JSONRefused("strings must be valid Unicode (no lone surrogates).")
    return value


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, decoding by ``decode_json``: every refusal is a 400 ``ParseError``."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return decode_json(raw)
        except JSONRefused as exc:
            raise ParseError(str(exc)) from None

"""Request parsers."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def find_unencodable_string(data: Any) -> str | None:
    """The first string in ``data`` that cannot be stored as UTF-8, or None.

    JSON allows escaped lone surrogates (``"\\ud800"``); Python decodes them
    into strings that no database, hasher or encoder accepts. Walked without
    recursion so a deeply nested body cannot exhaust the stack.
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


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, plus refusal of bodies no model could store.

    Adds two 400s that would otherwise be 500s: nesting deep enough to exhaust
    the parser's recursion, and strings holding lone UTF-16 surrogates.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        if find_unencodable_string(data) is not None:
            raise ParseError("JSON parse error - strings must be valid Unicode (no lone surrogates).")
        return data

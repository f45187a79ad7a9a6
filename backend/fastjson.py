"""JSON encoding with orjson, byte for byte what the standard library writes here.

Responses are encoded with orjson (several times faster than ``json.dumps``)
only where its output is provably the same bytes; anything else falls back to
the encoder the surface used before, so a client can never tell.

Where the two agree (checked by tests/test_fastjson.py): compact separators,
strings (the same escapes: ``"``, ``\\``, control characters as ``\\n`` or
``\\u00XX``; other characters written as UTF-8), integers within 64 bits,
``true``/``false``/``null``, dicts in insertion order, lists and tuples, and
str/int/dict/list subclasses. Date-times, dates, times and dataclasses are
passed to the fallback encoder's ``default`` (orjson's own formats differ:
microseconds), and so is every type orjson does not know.

Where they differ, and what is done about it:

- ``ensure_ascii=True``: orjson cannot escape non-ASCII, so any output with a
  byte above 0x7F is thrown away and the fallback encodes it instead. No
  surface asks for it any more: REST (DRF's ``UNICODE_JSON``) and GraphQL
  (``dumps_utf8``) both write UTF-8, because ``\u00e9`` is six bytes for
  one two-byte character and made a page of non-ASCII text up to six times
  larger;
- U+2028 and U+2029, which DRF escapes: replaced afterwards, as DRF does (on
  both surfaces, so a response can also be embedded in a script);
- integers past 64 bits, non-UTF-8 strings (lone surrogates), recursion
  deeper than 254: orjson refuses, the fallback answers as before;
- floats: orjson writes some small ones differently (``1e-7`` for Python's
  ``1e-07``), and NaN as ``null``. No response of this API carries a float;
  tests/test_fastjson.py fails if the OpenAPI document or the GraphQL schema
  ever declares one, pointing here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
LINE_SEPARATORS = (b"\xe2\x80\xa8", b"\xe2\x80\xa9")


def dumps(data: Any, *, default: Callable[[Any], Any], ensure_ascii: bool) -> bytes | None:
    """Compact JSON of ``data`` as ``json.dumps`` with ``default`` would write it, or None.

    None means "use the standard library": orjson refused the data, or (with
    ``ensure_ascii``) its output holds non-ASCII characters that
    ``json.dumps`` would have escaped.
    """
    try:
        encoded = orjson.dumps(data, default=default, option=OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        return None
    if ensure_ascii and not encoded.isascii():
        return None
    return encoded


def escape_line_separators(encoded: bytes) -> bytes:
    """U+2028 and U+2029 as ``\\u2028``/``\\u2029``, as DRF's JSONRenderer writes them."""
    if LINE_SEPARATORS[0] in encoded or LINE_SEPARATORS[1] in encoded:
        encoded = encoded.replace(LINE_SEPARATORS[0], b"\\u2028").replace(LINE_SEPARATORS[1], b"\\u2029")
    return encoded


def dumps_utf8(data: Any, *, default: Callable[[Any], Any]) -> bytes:
    """Compact UTF-8 JSON, as ``json.dumps(..., ensure_ascii=False)`` writes it, encoded.

    orjson when it can; otherwise the standard library. A string that is not
    valid Unicode (a lone surrogate) cannot be written as UTF-8: the output
    then escapes it as ``\\udXXX`` (``ensure_ascii``), which is still valid JSON.
    """
    encoded = dumps(data, default=default, ensure_ascii=False)
    if encoded is None:
        try:
            encoded = json.dumps(data, default=default, separators=(",", ":"), ensure_ascii=False).encode()
        except UnicodeEncodeError:
            encoded = json.dumps(data, default=default, separators=(",", ":")).encode()
    return escape_line_separators(encoded)

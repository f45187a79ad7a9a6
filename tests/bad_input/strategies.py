"""Hostile input: strings, JSON values, raw bodies and GraphQL variables.

``hostile_text`` mixes plain generated text with strings that have broken
something somewhere: NUL, lone surrogates, noncharacters, byte-order marks,
bidirectional overrides, stacked combining marks, emoji sequences, line and
paragraph separators, case-folding oddities, wildcards, and strings just
past, and far past, the length limits (up to over the 1 MiB body limit).
Bodies and variables start plausible (REST: every field the API takes, with
working values; GraphQL: values of each argument's declared type) and get at
most one bad value, or an unknown key, in one place.
"""

from __future__ import annotations

import json

from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
)
from hypothesis import strategies as st

EDGE_STRINGS = (
    "",
    " ",
    "   \t\n",
    "\x00",
    "nul\x00inside",
    "\ud800",  # lone surrogates: no UTF-8 for them
    "\udfff",
    "pair broken \udbff here",
    "\uffff",
    "\ufffe",
    "\ufeffbom",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "e\u0301\u0308\u0327\u0301",
    "🎉",
    "👩\u200d👩\u200d👧\u200d👦",
    "\U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522",  # mathematical letters
    "\u2028\u2029",
    "\r\n",
    "\u01c5 \u00df \u0130 \u0131 \ufb01",  # title case, sharp s, dotted and dotless i, ligature
    "١٢٣",
    "' OR '1'='1",
    '"; DROP TABLE x; --',
    "%_\\",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "UTC\x00",
    "Europe/Paris ",
    "0",
    "-1",
    "9223372036854775808",
    "1e309",
    "2024-02-30T25:61:61Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
)
HUGE_STRINGS = (
    "x" * 151,
    "x" * 201,
    "x" * 2001,
    "x" * 100_001,
    "é" * 100_001,
    "🎉" * 60_000,
    "x" * (1024 * 1024 + 1),
)
surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
hostile_text = st.one_of(
    st.sampled_from(EDGE_STRINGS),
    st.sampled_from(HUGE_STRINGS),
    st.text(max_size=40),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), surrogates, st.text(max_size=5)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)
json_junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)


def _paths(value, path=()):
    """Every place in a JSON value (the root included), as a tuple of keys and indexes."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


bad_values = st.one_of(hostile_text, hostile_text, json_junk, st.none())


@st.composite
def one_bad_value(draw, valid: st.SearchStrategy):
    """A plausible value with at most one thing wrong in it: a hostile or ill-typed value in
    one place, or an unknown key, so that one bad value is not hidden behind another."""
    value = draw(valid)
    how = draw(st.sampled_from(("replace", "replace", "replace", "extra key", "none")))
    if how == "none":
        return value
    if how == "extra key" and isinstance(value, dict):
        return {**value, draw(hostile_text): draw(bad_values)}
    # Not the whole value, unless it is empty: a body or variables that are
    # not an object at all are refused before anything else is looked at.
    places = list(_paths(value))[1:] or [()]
    return _replace(value, draw(st.sampled_from(places)), draw(bad_values))


# REST: every field a body on this API takes, each with a plausible value
# (the real password, a real uid), so that a body often gets past the other
# fields to the one that is wrong.
def plausible_rest_bodies(password: str) -> st.SearchStrategy[dict]:
    text = st.text(max_size=30)
    return st.fixed_dictionaries(
        {},
        optional={
            "title": st.text(min_size=1, max_size=30).filter(str.strip),
            "content": text,
            "email": st.emails(),
            "username": st.from_regex(r"[A-Za-z0-9_.+-]{1,20}", fullmatch=True),
            "password": st.just("Unguessable-Passw0rd-42"),
            "name": text,
            "first_name": text,
            "last_name": text,
            "display_name": text,
            "bio": text,
            "timezone": st.sampled_from(("UTC", "Europe/Paris", "America/St_Johns")),
            "old_password": st.just(password),
            "new_password": st.just("Another-Passw0rd-43"),
            # uids of users that may exist: the suite's ids are small numbers.
            "uid": st.integers(1, 60).map(lambda pk: urlsafe_base64_encode(force_bytes(pk))),
            "token": st.text(max_size=40),
            "id": st.integers(1, 50),
            "user": st.integers(1, 50),
        },
    )


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def raw_bodies(password: str) -> st.SearchStrategy[bytes]:
    """Request bodies: JSON with one bad value (lone surrogates written as \\ud800 escapes, as
    ensure_ascii writes them, or as raw surrogate bytes, invalid UTF-8), or no JSON at all:
    bytes, nesting past the parser's recursion, truncated JSON, NaN."""
    bodies = one_bad_value(plausible_rest_bodies(password))
    return st.one_of(
        bodies.map(lambda value: json.dumps(value).encode()),
        bodies.map(lambda value: json.dumps(value).encode()),
        bodies.map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")),
        json_junk.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=64),
        st.integers(min_value=1, max_value=100_000).map(_deep),
        st.sampled_from((b'{"title": "unterminated', b'{"title": NaN}', b'{"a": Infinity}', b"\xff\xfe{}")),
    )


# GraphQL


DATETIME_TEXT = st.sampled_from(
    (
        "2024-01-31T12:00:00Z",
        "2024-01-31T12:00:00+05:30",
        "2024-01-31T12:00:00",
        "2024-01-31",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "2024-02-30T00:00:00Z",
        "2024-01-31T24:00:00Z",
        "20240131T120000Z",
    )
)


def plain_value(type_, depth: int = 0) -> st.SearchStrategy:
    """A value of a GraphQL input type that a careful client might send (null where it may be null)."""
    if isinstance(type_, GraphQLNonNull):
        return _plain(type_.of_type, depth)
    inner = _plain(type_, depth)
    return st.one_of(inner, inner, st.none())


def _plain(type_, depth: int) -> st.SearchStrategy:
    if isinstance(type_, GraphQLList):
        return st.lists(plain_value(type_.of_type, depth + 1), max_size=3)
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(sorted(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        if depth > 2:
            return st.just({})
        return _object_of(type_.fields, depth + 1)
    assert isinstance(type_, GraphQLScalarType), type_
    return {
        "String": st.text(max_size=20),
        "ID": st.integers(1, 50).map(str),
        "Int": st.integers(0, 50),
        "Boolean": st.booleans(),
        "DateTime": DATETIME_TEXT,
    }[type_.name]


def _object_of(fields, depth: int) -> st.SearchStrategy[dict]:
    """Input fields or arguments: the required ones always, the others now and then."""
    required = {
        name: plain_value(field.type, depth)
        for name, field in fields.items()
        if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
    }
    optional = {
        name: plain_value(field.type, depth) for name, field in fields.items() if name not in required
    }
    return st.fixed_dictionaries(required, optional=optional)


def selection(type_, depth: int = 0) -> str:
    """Every scalar field of an output type, and its object fields a level or two down."""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if isinstance(type_, GraphQLUnionType):
        return "__typename " + " ".join(
            f"... on {member.name} {{ {selection(member, depth)} }}" for member in type_.types
        )
    assert isinstance(type_, GraphQLObjectType), type_
    parts = []
    for name, field in type_.fields.items():
        inner = field.type
        while isinstance(inner, GraphQLNonNull | GraphQLList):
            inner = inner.of_type
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif depth < 2:
            parts.append(f"{name} {{ {selection(inner, depth + 1)} }}")
    return " ".join(parts)


def operation(schema, root: str, name: str) -> str:
    """An operation calling one root field with every argument as a variable of its declared type."""
    root_type = schema.query_type if root == "Query" else schema.mutation_type
    field = root_type.fields[name]
    declared = ", ".join(f"${arg}: {a.type}" for arg, a in field.args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    keyword = "query" if root == "Query" else "mutation"
    head = f"{keyword} Generated({declared})" if declared else f"{keyword} Generated"
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {{ {selection(field.type)} }} }}"


def variables_for(schema, root: str, name: str) -> st.SearchStrategy[dict]:
    """Variables of the field's declared types, with at most one bad value somewhere in them."""
    root_type = schema.query_type if root == "Query" else schema.mutation_type
    return one_bad_value(_object_of(root_type.fields[name].args, 0))

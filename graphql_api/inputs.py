"""Argument checks that must run before any query is built from client input."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions.field_extension import FieldExtension
from strawberry.utils.str_converters import to_camel_case

from api.datetimes import DateTimeOutOfRange, as_utc
from api.querysets import SearchTermTooLong, check_search_term
from api.search import TooManySearchTerms, check_term_count

from .errors import BAD_USER_INPUT
from .filter_work import filter_work, given
from .limits import FILTER_BRANCH_LIMIT_EXCEEDED, SEARCH_TERM_LIMIT_EXCEEDED, limit_error

NUL_MESSAGE = "Text may not contain NUL (\\u0000) characters."
# The same words as REST's created_after/created_before (api.v1.filters).


def _path_of_nul(value: Any, path: str) -> str | None:
    """The dotted path of the first string holding NUL inside an argument, or None."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where
        elif isinstance(item, list | tuple):
            stack.extend((element, where) for element in item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            # Strawberry input objects are dataclasses (enums and scalars are
            # not walked). Paths use the schema's camelCase names, as
            # VALIDATION errors do.
            stack.extend(
                (getattr(item, field.name), f"{where}.{to_camel_case(field.name)}")
                for field in dataclasses.fields(item)
            )
    return None


class RejectNulCharacters(FieldExtension):
    """A BAD_USER_INPUT error for NUL inside filter arguments.

    PostgreSQL cannot take NUL in a text parameter; without this a filter such
    as ``search: "a\\u0000"`` would fail inside the database and reach the
    client as a masked server error. Written values need no such guard: the
    model's validators refuse NUL as a VALIDATION error of the field.
    """

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        for name, value in kwargs.items():
            path = _path_of_nul(value, name)
            if path is not None:
                raise GraphQLError(NUL_MESSAGE, extensions={"code": BAD_USER_INPUT, "field": path})
        return kwargs


def _strings(value: Any, path: str):
    """Each string inside an argument, with its dotted camelCase path."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield item, where
        elif isinstance(item, list | tuple):
            stack.extend((element, where) for element in item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(
                (getattr(item, field.name), f"{where}.{to_camel_case(field.name)}")
                for field in dataclasses.fields(item)
            )


class BoundedSearchText(FieldExtension):
    """A BAD_USER_INPUT error for any text in filter arguments past the core's search cap.

    Every string a filter takes (``search``, ``title: {iContains: ...}`` and
    the other text lookups, and those of filters added later) becomes a
    database pattern or comparison; REST's ``search`` has the same cap
    (``api.querysets.SEARCH_MAX_LENGTH``) and the same message.
    """

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        for name, value in kwargs.items():
            for text, where in _strings(value, name):
                try:
                    check_search_term(text)
                except SearchTermTooLong as error:
                    raise GraphQLError(
                        str(error), extensions={"code": BAD_USER_INPUT, "field": where}
                    ) from None
        return kwargs


def _input_objects(value: Any, path: str):
    """Each Strawberry input object inside an argument, with its dotted camelCase path."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend((element, where) for element in item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            yield item, where
            stack.extend(
                (getattr(item, field.name), f"{where}.{to_camel_case(field.name)}")
                for field in dataclasses.fields(item)
            )


class DateTimesInUTC(FieldExtension):
    """Date-times in filter arguments as REST reads them: no offset means UTC.

    A naive value would otherwise reach the ORM as "local time" with a
    RuntimeWarning, and a value outside years 1 to 9999 once converted to UTC
    (``0001-01-01T00:00:00+01:00``) would overflow while the query is built,
    a masked server error. The latter is a BAD_USER_INPUT error naming the field.
    """

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        for name, value in kwargs.items():
            for item, where in _input_objects(value, name):
                for field in dataclasses.fields(item):
                    moment = getattr(item, field.name)
                    if isinstance(moment, dt.datetime):
                        setattr(item, field.name, _as_utc(moment, f"{where}.{to_camel_case(field.name)}"))
        return kwargs


def _as_utc(moment: dt.datetime, path: str) -> dt.datetime:
    try:
        return as_utc(moment)
    except DateTimeOutOfRange as error:
        raise GraphQLError(str(error), extensions={"code": BAD_USER_INPUT, "field": path}) from None


class BoundedFilter(FieldExtension):
    """Limit errors for a ``filters`` argument past ``GRAPHQL_MAX_FILTER_BRANCHES`` or ``SEARCH_MAX_TERMS``.

    Each ``AND``/``OR``/``NOT`` is another condition over every row the
    caller may see, and each search word another index lookup: one filter may
    hold only so many, whatever the document's depth and size let through
    (variables are not part of the document).
    """

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        value = kwargs.get("filters")
        if not given(value):
            return kwargs
        work = filter_work(value)
        limit = settings.GRAPHQL_MAX_FILTER_BRANCHES
        if work.branches > limit:
            raise limit_error(
                FILTER_BRANCH_LIMIT_EXCEEDED,
                f"The filter has {work.branches} AND/OR/NOT branches; at most {limit} are allowed "
                "(GRAPHQL_MAX_FILTER_BRANCHES).",
                limit,
                found=work.branches,
            )
        try:
            check_term_count(work.terms)
        except TooManySearchTerms as error:
            raise limit_error(
                SEARCH_TERM_LIMIT_EXCEEDED, str(error), error.limit, found=error.found
            ) from None
        return kwargs

"""Error codes and the line between expected errors and unexpected ones.

Expected errors reach the client as they are: GraphQL syntax and validation
errors (limits included), variable coercion errors, and errors this package
raises on purpose as ``GraphQLError`` with an ``extensions.code``. Anything else
a resolver or extension raises is a bug or an outage: it is logged with its
traceback and masked as ``Unexpected error.``.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError

logger = logging.getLogger("graphql_api")

UNAUTHENTICATED = "UNAUTHENTICATED"
BAD_USER_INPUT = "BAD_USER_INPUT"
# HTTP-level refusals (the request never reached GraphQL execution).
BAD_REQUEST = "BAD_REQUEST"
CSRF_FAILED = "CSRF_FAILED"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"

MASKED_MESSAGE = "Unexpected error."
NOT_FOUND_MESSAGE = "Not found."


def is_unexpected(error: GraphQLError) -> bool:
    """True when ``error`` wraps an exception nobody meant to show a client.

    graphql-core builds syntax, validation and variable errors itself: they
    have no original error, or one tied to a document node (a scalar that
    refused a literal or a variable). A resolver's exception carries a
    ``path``; an extension's crash carries neither path nor nodes.
    """
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return error.path is not None or not error.nodes


def log_errors(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_unexpected(error):
            logger.error(
                "Unexpected error in GraphQL operation (path %s): %s",
                error.path,
                error.message,
                exc_info=error.original_error,
            )
        else:
            logger.debug("GraphQL request refused: %s", error.message)


SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
_UNAVAILABLE_FLAG = "_graphql_database_unavailable"


def mark_database_unavailable(request: object) -> None:
    """Remember that this request's operation lost the database (the view answers 503)."""
    setattr(request, _UNAVAILABLE_FLAG, True)


def database_was_unavailable(request: object) -> bool:
    return getattr(request, _UNAVAILABLE_FLAG, False)

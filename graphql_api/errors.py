"""Error codes and the line between expected errors and unexpected ones.

Expected errors reach the client as they are: GraphQL syntax and validation
errors (limits included), variable coercion errors, and errors this package
raises on purpose as ``GraphQLError`` with an ``extensions.code``. An outage
(the database unreachable, a statement stopped by ``statement_timeout``, the
shared cache unreachable: ``outage_of``) is a coded error on every transport
(``SERVICE_UNAVAILABLE`` or ``TIMEOUT``, with ``retryAfter``), logged as a
warning. Anything else a resolver or extension raises is a bug: it is logged
with its traceback and masked as ``Unexpected error.``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types.execution import StreamExecutionResult

from backend.errors import (
    CACHE_UNAVAILABLE,
    DATABASE_UNAVAILABLE,
    RETRY_AFTER,
    STATEMENT_TIMEOUT,
    is_cache_unavailable,
)
from backend.middleware import is_connection_error, is_statement_timeout

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

# graphql-core's own refusals, named as Apollo Server names them.
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

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
    if original is None or isinstance(original, GraphQLError | CannotGetOperationTypeError):
        # CannotGetOperationTypeError: an operationName the document does not define.
        return False
    return error.path is not None or not error.nodes


def log_errors(errors: list[GraphQLError]) -> None:
    for error in errors:
        outage = outage_of(error.original_error)
        if outage is not None and is_unexpected(error):
            # An outage, not a bug: one line, no traceback (as REST logs it).
            logger.warning("GraphQL operation failed by an outage (path %s): %s", error.path, error.message)
        elif is_unexpected(error):
            logger.error(
                "Unexpected error in GraphQL operation (path %s): %s",
                error.path,
                error.message,
                exc_info=error.original_error,
            )
        else:
            logger.debug("GraphQL request refused: %s", error.message)


SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
# statement_timeout stopped one of the operation's statements (HTTP 503, Retry-After).
TIMEOUT = "TIMEOUT"
# Over WebSocket there is no Retry-After header: an outage's error says it in its extensions.
RETRY_AFTER_SECONDS = int(RETRY_AFTER)
_OUTAGE_FLAG = "_graphql_outage"


@dataclass(frozen=True)
class Outage:
    """A service the operation needed failed it: not a bug, a coded error to retry (REST: a 503)."""

    rank: int  # the one a response names when several happened: the lowest
    code: str
    message: str


DATABASE_DOWN = Outage(0, SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE)
STATEMENT_STOPPED = Outage(1, TIMEOUT, STATEMENT_TIMEOUT)
CACHE_DOWN = Outage(2, SERVICE_UNAVAILABLE, CACHE_UNAVAILABLE)


def outage_of(exc: BaseException | None) -> Outage | None:
    """The outage ``exc`` means, by the rules REST's handler uses; None for anything else (a bug)."""
    if is_connection_error(exc):
        return DATABASE_DOWN
    if is_statement_timeout(exc):
        return STATEMENT_STOPPED
    if is_cache_unavailable(exc):
        return CACHE_DOWN
    return None


def outage_error(error: GraphQLError, outage: Outage) -> GraphQLError:
    """``error`` as the client sees an outage: its message and code, and when to retry."""
    return GraphQLError(
        outage.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": outage.code, "retryAfter": RETRY_AFTER_SECONDS},
    )


def mark_outage(request: object, outage: Outage) -> None:
    """Remember that this request's operation hit ``outage`` (the HTTP view answers a coded 503)."""
    seen = getattr(request, _OUTAGE_FLAG, None)
    if seen is None or outage.rank < seen.rank:
        setattr(request, _OUTAGE_FLAG, outage)


def request_outage(request: object) -> Outage | None:
    return getattr(request, _OUTAGE_FLAG, None)


class ErrorCodes(SchemaExtension):
    """Every error of a result gets an ``extensions.code``; codes already given are kept.

    graphql-core's own errors carry none: a syntax error is
    ``GRAPHQL_PARSE_FAILED``, a validation error (unknown field, wrong
    argument or literal type) ``GRAPHQL_VALIDATION_FAILED``, a variable that
    does not coerce (wrong type, a missing required one) ``BAD_USER_INPUT``,
    and a masked server error ``INTERNAL_SERVER_ERROR``. Listed first, so its
    exit runs after every other extension's (they exit in reverse order) and
    sees the errors as the client will, masked and coded. The errors are
    copied, never edited: a validation cache may hold them.
    """

    refused_by_validation = False

    def on_validate(self) -> Iterator[None]:
        yield
        # Here (and only here) pre_execution_errors are the validation errors: Strawberry
        # later stores execution errors there too.
        self.refused_by_validation = bool(self.execution_context.pre_execution_errors)

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [with_code(error, self.refused_by_validation) for error in result.errors]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        # Over WebSocket each result is sent as it is yielded, long before
        # on_operation's exit: coded here, before it is sent. The errors the
        # mask replaces come to it uncoded and leave it coded (limits.error_mask).
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [
                error if is_unexpected(error) else with_code(error, self.refused_by_validation)
                for error in errors
            ]
        yield


def with_code(error: GraphQLError, validating: bool) -> GraphQLError:
    """``error`` with a default ``extensions.code`` when it has none (see ``ErrorCodes``)."""
    extensions = error.extensions or {}
    if extensions.get("code"):
        return error
    if isinstance(error.original_error, CannotGetOperationTypeError):
        # As the HTTP view answers it (400): no operation of that name, or none to choose.
        return GraphQLError(error.original_error.as_http_error_reason(), extensions={"code": BAD_REQUEST})
    if isinstance(error, GraphQLSyntaxError):
        code = GRAPHQL_PARSE_FAILED
    elif error.message == MASKED_MESSAGE and error.original_error is None:
        code = INTERNAL_SERVER_ERROR
    elif error.path is not None:
        return error  # raised by a resolver on purpose, as it is
    elif validating:
        code = GRAPHQL_VALIDATION_FAILED
    else:
        code = BAD_USER_INPUT
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**extensions, "code": code},
    )

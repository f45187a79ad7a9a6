"""Project middleware."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.middleware.common import CommonMiddleware

from .errors import DATABASE_UNAVAILABLE, json_error

logger = logging.getLogger(__name__)


class SafeCommonMiddleware(CommonMiddleware):
    """CommonMiddleware that only adds a missing slash to safe requests.

    Django cannot redirect a POST without losing its body, so with DEBUG on
    it raises (a 500) and with DEBUG off it redirects to a URL that drops the
    body. An unsafe request to a slash-less URL gets a plain 404 instead.
    """

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if request.method not in ("GET", "HEAD"):
            return False
        return super().should_redirect_with_slash(request)


def _answered_errors() -> tuple[type[BaseException], ...]:
    """Driver errors raised by a database that answered (so not an outage)."""
    try:
        import psycopg2.errors
        import psycopg2.extensions
    except ImportError:  # pragma: no cover - psycopg2 is a pinned dependency
        return ()
    return (
        psycopg2.extensions.QueryCanceledError,  # statement_timeout (57014)
        psycopg2.extensions.TransactionRollbackError,  # deadlock, serialization (class 40)
        psycopg2.errors.LockNotAvailable,  # lock_timeout (55P03)
    )


_ANSWERED = _answered_errors()


def is_connection_error(exc: BaseException | None) -> bool:
    """True for errors that mean "the database is not reachable", not bad SQL.

    Timeouts, deadlocks and lock waits are OperationalErrors too, but the
    database answered them: they are bugs or load to log, not an outage.
    """
    if not isinstance(exc, DatabaseError):
        return False
    if isinstance(exc, InterfaceError):
        return True
    return isinstance(exc, OperationalError) and not isinstance(exc.__cause__, _ANSWERED)


class DatabaseUnavailableMiddleware:
    """Answers 503 JSON when the database cannot be reached.

    Views are thin and every surface reaches the database, so an outage would
    otherwise surface as an HTML 500 with a traceback in the log. The
    connection is retried on the next request (CONN_HEALTH_CHECKS).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_connection_error(exception):
            logger.warning("database unavailable: %s", exception)
            return json_error(DATABASE_UNAVAILABLE, 503, Retry_After="5")
        return None

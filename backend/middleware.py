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


def is_connection_error(exc: BaseException) -> bool:
    """True for errors that mean "the database is not reachable", not bad SQL."""
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        # Lock timeouts and statement timeouts are OperationalErrors too; they
        # mean the database answered, so they are not an outage. Their
        # SQLSTATE classes are 40 (transaction rollback) and 57014 (canceled).
        pgcode = getattr(exc.__cause__, "pgcode", None) or ""
        answered = pgcode.startswith("40") or pgcode == "57014"
        return not answered
    return False


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
        if isinstance(exception, DatabaseError) and is_connection_error(exception):
            logger.warning("database unavailable: %s", exception)
            return json_error(DATABASE_UNAVAILABLE, 503, Retry_After="5")
        return None

"""Project middleware."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http import HTTPStatus

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.http import HttpRequest, HttpResponse
from django.middleware.common import CommonMiddleware
from rest_framework.response import Response as DRFResponse

from .errors import (
    CACHE_UNAVAILABLE,
    DATABASE_UNAVAILABLE,
    RETRY_AFTER,
    STATEMENT_TIMEOUT,
    STATEMENT_TIMEOUT_CODE,
    is_cache_unavailable,
    json_error,
)

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


def _query_canceled() -> tuple[type[BaseException], ...]:
    try:
        import psycopg2.extensions
    except ImportError:  # pragma: no cover - psycopg2 is a pinned dependency
        return ()
    return (psycopg2.extensions.QueryCanceledError,)


_CANCELED = _query_canceled()


def is_statement_timeout(exc: BaseException | None) -> bool:
    """True for PostgreSQL's ``query_canceled`` (57014): ``statement_timeout`` stopped the statement.

    The database is fine; this request asked too much of it. Answered 503
    with ``Retry-After`` (REST ``code: statement_timeout``, GraphQL ``TIMEOUT``).
    """
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, _CANCELED)


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
            return json_error(DATABASE_UNAVAILABLE, 503, Retry_After=RETRY_AFTER)
        if is_statement_timeout(exception):
            logger.warning("statement timeout: %s %s", request.method, request.path)
            return json_error(STATEMENT_TIMEOUT, 503, STATEMENT_TIMEOUT_CODE, Retry_After=RETRY_AFTER)
        if is_cache_unavailable(exception):
            # The admin's and the browsable API's throttled login forms, outside DRF's handler.
            logger.warning("cache unavailable: %s", exception)
            return json_error(CACHE_UNAVAILABLE, 503, Retry_After=RETRY_AFTER)
        return None


class OutageLoggedOnce:
    """A coded outage answer (503 with ``Retry-After``) is logged once, by us, as a warning.

    Django's ``django.request`` logger reports every 5xx response at ERROR.
    A 503 with ``Retry-After`` is one this product chose to give for a known
    outage (database or Redis unreachable, statement timeout, draining) and
    already logged as one warning where it was decided; an ERROR for it as
    well would page for something already handled. Django skips logging a
    response marked ``_has_been_logged`` (``django.utils.log.log_response``);
    ``tests/test_errors.py`` checks that no ``django.request`` record follows.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == HTTPStatus.SERVICE_UNAVAILABLE and response.has_header("Retry-After"):
            response._has_been_logged = True  # type: ignore[attr-defined]
        return response


class RequestStatementTimeout:
    """Every request's SQL runs under ``API_STATEMENT_TIMEOUT_MS`` (PostgreSQL), not the connection's.

    The connection's own ``statement_timeout`` (``DB_STATEMENT_TIMEOUT_MS``)
    is what migrations and management commands get; a request gets the
    shorter one. Set through an execute wrapper, so whichever layer sends the
    SQL is covered.

    Connected directly (no ``DB_POOLER``), just before the request's first
    statement, on a cursor of its own (so a server-side cursor is never asked
    to run it, and query counts see only the request's own SQL):

    - outside a transaction, ``SET statement_timeout`` once per database
      connection (a persistent connection pays it once, not per request);
    - inside one (a request that starts in ``transaction.atomic``, or a
      test), ``SET LOCAL``, which the transaction's end undoes, for this
      request only.

    Through a transaction pooler (``DB_POOLER=pgbouncer``) a session-level
    SET would stay on a server connection that PgBouncer then lends to other
    clients (a task worker, another node), and each of the request's
    transactions may run on another server connection. So there every
    statement carries its own ``SET LOCAL statement_timeout = N;`` in the
    same query string: one round trip, and PostgreSQL runs a multi-statement
    string as one transaction (implicit in autocommit, or the open one inside
    ``atomic``), whose end undoes it. Nothing is left on the server
    connection; statements outside requests keep the database's default
    (``manage.py set_statement_timeout``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with api_statement_timeout():
            return self.get_response(request)


@contextmanager
def api_statement_timeout() -> Iterator[None]:
    """This thread's SQL, on every alias, runs under ``API_STATEMENT_TIMEOUT_MS`` until the block ends.

    What a request gets (``RequestStatementTimeout``) and what a WebSocket's
    database call gets (graphql_api.live_work): one rule for every surface.
    Every alias: a request's reads may go to the replica (backend/replica.py).
    """
    milliseconds = settings.API_STATEMENT_TIMEOUT_MS
    if not milliseconds or connection.vendor != "postgresql":
        yield
        return
    wrapper = _PerStatementTimeout if settings.DATABASE_POOLER else _TimeoutWrapper
    with ExitStack() as stack:
        for alias in settings.DATABASES:
            stack.enter_context(connections[alias].execute_wrapper(wrapper(milliseconds)))
        yield


# The raw connection and the timeout a session-level SET gave it.
_APPLIED = "_api_statement_timeout"


class _TimeoutWrapper:
    def __init__(self, milliseconds: int) -> None:
        self.milliseconds = milliseconds
        self.done = False

    def __call__(self, execute, sql, params, many, context):
        if not self.done:
            self.done = True
            self.apply(context["connection"])
        return execute(sql, params, many, context)

    def apply(self, wrapper) -> None:
        raw = wrapper.connection
        if getattr(wrapper, _APPLIED, None) == (raw, self.milliseconds):
            return
        local = wrapper.in_atomic_block
        with raw.cursor() as cursor:
            # An integer from settings, not client input.
            cursor.execute(f"SET {'LOCAL ' if local else ''}statement_timeout = {int(self.milliseconds)}")
        if not local:
            setattr(wrapper, _APPLIED, (raw, self.milliseconds))


class _PerStatementTimeout:
    """Prefixes each statement with ``SET LOCAL statement_timeout`` (transaction pooling)."""

    def __init__(self, milliseconds: int) -> None:
        # An integer from settings, not client input; no "%", so parameter interpolation is unchanged.
        self.prefix = f"SET LOCAL statement_timeout = {int(milliseconds)}; "

    def __call__(self, execute, sql, params, many, context):
        if isinstance(sql, str):
            sql = self.prefix + sql
        return execute(sql, params, many, context)


# Paths whose clients read JSON: REST (`/api/...`, the docs page included) and
# GraphQL (`/graphql`, with or without the slash).
API_PREFIXES = ("/api/", "/graphql")


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith(API_PREFIXES)


def is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().lower() == "text/html"


def _error_detail(request: HttpRequest, status: int) -> str:
    if status == 404:
        return "Not found."
    if status == 405:
        return f'Method "{request.method}" not allowed.'  # DRF's words
    if status == 500:
        return "Server error."  # handler500's words
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "Error."


class APIErrorsAsJSONMiddleware:
    """Error answers on API paths are JSON in every mode, DEBUG included.

    With DEBUG on, Django answers an unknown URL with its HTML debug page
    (``technical_404_response`` never calls ``handler404``), a method a plain
    view does not take with an empty HTML 405, and a crash with the HTML
    traceback page. A JSON client (Apollo, a generated client) then sees only
    "status 404". On ``/api/...`` and ``/graphql...`` such a response becomes
    ``{"detail": ...}`` with the same status and headers (``Allow`` kept); the
    traceback stays in the log. DRF's own responses are left alone: they
    follow content negotiation (the browsable API renders its errors as
    HTML for a browser on purpose). The admin and other pages keep their HTML.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_path(request.path)
            and not isinstance(response, DRFResponse)
            and not is_json(response)
        ):
            replacement = json_error(_error_detail(request, response.status_code), response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
                if header in response:
                    replacement[header] = response[header]
            replacement.cookies = response.cookies
            return replacement
        return response


# Content-Security-Policy. Django 5.2 has none built in. django-csp would
# bring per-view decorators and nonces that no page here needs (every script
# of the pages served is a static file of this backend), and it has no notion
# of "by content type", which is the rule needed: data responses get the
# policy that allows nothing, the HTML pages of the API their own.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The HTML pages served on API paths (Swagger UI, GraphiQL, DRF's browsable
# API): scripts, styles, fonts and images from this origin only, requests to
# this origin only, never framed. No 'unsafe-eval', no inline script.
# Images and fonts may be data: URLs (GraphiQL's and Swagger UI's CSS embed them).
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# DRF's browsable API templates carry an inline <style> block and style
# attributes; its scripts are files. Inline styles only, never scripts.
BROWSABLE_API_POLICY = PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
CSP_HEADER = "Content-Security-Policy"


def set_policy(response: HttpResponse, policy: str) -> HttpResponse:
    """Give ``response`` its own policy; ``ContentSecurityPolicyMiddleware`` then leaves it."""
    response[CSP_HEADER] = policy
    return response


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every response that has none of its own.

    - Anything that is not HTML (JSON on every surface, static files, errors)
      gets ``DATA_POLICY``: a JSON answer opened as a page, or an SVG, can run
      nothing, load nothing and be framed by no one.
    - HTML on API paths (DRF's browsable API) gets ``BROWSABLE_API_POLICY``.
      The Swagger UI and GraphiQL pages set ``PAGE_POLICY`` in their views.
    - Other HTML (the admin, Django's debug pages) is left as Django sends it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP_HEADER in response:
            return response
        if not is_html(response):
            response[CSP_HEADER] = DATA_POLICY
        elif is_api_path(request.path):
            response[CSP_HEADER] = BROWSABLE_API_POLICY
        return response

"""The JSON error shape shared by Django-level handlers and middleware.

DRF views answer through ``backend.exceptions``; everything that happens
outside a DRF view (unknown URL, CSRF failure, body too large, database down)
answers through here with the same ``{"detail": ...}`` shape.
"""

from __future__ import annotations

from django.http import JsonResponse

DATABASE_UNAVAILABLE = "The database is unavailable. Try again shortly."
STATEMENT_TIMEOUT = (
    "The request took the database longer than allowed and was stopped. "
    "Try again shortly, or ask for less (a smaller page, fewer or simpler filters)."
)
# The `code` of a statement timeout's REST body (GraphQL: extensions.code TIMEOUT).
STATEMENT_TIMEOUT_CODE = "statement_timeout"
# Seconds a client should wait before retrying a 503.
RETRY_AFTER = "5"

CACHE_UNAVAILABLE = "A shared service is unavailable. Try again shortly."


def is_cache_unavailable(exc: BaseException | None) -> bool:
    """True when the shared cache (Redis: throttle counts) could not be reached, timed out or refused.

    Only the endpoints that count in the cache (the throttled ones) need it;
    they answer 503 instead of a 500, and everything else keeps working. A
    Redis that answers with an error (``DENIED`` in protected mode, ``READONLY``
    on a replica, ``OOM``, ``NOREPLICAS``, ``NOPERM``) is as unavailable as one
    that does not answer; only ``DataError`` (a value the client could not
    send: a bug here, not the server) is left to be a 500.
    """
    try:
        from redis.exceptions import DataError, RedisError
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(exc, RedisError) and not isinstance(exc, DataError)


def json_error(detail: str, status: int, code: str | None = None, **headers: str) -> JsonResponse:
    body = {"detail": detail} if code is None else {"detail": detail, "code": code}
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response

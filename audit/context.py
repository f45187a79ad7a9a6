"""Who is writing, from which surface and request: read by the recorder at the moment of the write.

The request middleware sets the surface from the URL and keeps the request
(its ``user`` is read lazily: DRF and the GraphQL view authenticate after the
middleware ran); the services name the acting user explicitly
(``api.services`` calls ``acting_as``); outside any request (management
commands, tasks) the surface is ``command``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

from .models import Surface

_surface: ContextVar[str] = ContextVar("audit_surface", default=Surface.COMMAND)
_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_actor: ContextVar[Any] = ContextVar("audit_actor", default=None)

# URL prefixes of the surfaces; everything else under /api/ is REST.
PREFIXES = (("/graphql/", Surface.GRAPHQL), ("/admin/", Surface.ADMIN))


def surface_of(path: str) -> str:
    return next((surface for prefix, surface in PREFIXES if path.startswith(prefix)), Surface.REST)


def set_surface(surface: str) -> None:
    _surface.set(surface)


def acting_as(user: Any) -> None:
    """The user a service writes for (every service names it first)."""
    _actor.set(user)


def current_surface() -> str:
    return _surface.get()


def current_actor_id() -> int | None:
    user = _actor.get()
    if user is None:
        request = _request.get()
        user = getattr(request, "user", None) if request is not None else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def current_request() -> str:
    """The id of the HTTP request being answered (backend.request_id); "" outside one."""
    request = _request.get()
    return getattr(request, "request_id", "") if request is not None else ""


class AuditContextMiddleware:
    """Sets the audit context for one HTTP request (after RequestIDMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tokens = (_surface.set(surface_of(request.path)), _request.set(request), _actor.set(None))
        try:
            return self.get_response(request)
        finally:
            # Reset on the way out: a command or task run later on this thread is no request's.
            _surface.reset(tokens[0])
            _request.reset(tokens[1])
            _actor.reset(tokens[2])

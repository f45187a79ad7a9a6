"""The JSON error shape shared by Django-level handlers and middleware.

DRF views answer through ``backend.exceptions``; everything that happens
outside a DRF view (unknown URL, CSRF failure, body too large, database down)
answers through here with the same ``{"detail": ...}`` shape.
"""

from __future__ import annotations

from django.http import JsonResponse

DATABASE_UNAVAILABLE = "The database is unavailable. Try again shortly."


def json_error(detail: str, status: int, **headers: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response

"""Views mounted only by ``benchmarks.settings``.

``raw_examples`` is the floor for a Django request that answers what
``GET /api/v1/examples/`` answers: the same token lookup (DRF's
``TokenAuthentication``, one query with the user joined), the same
``visible_to`` rows, the same page rule, the same fields, and a count, as
``JsonResponse`` over ``.values()``. No DRF view, serializer or renderer.

The graphene reference is not served from the product's environment (it
needs graphql-core 3.2, the product runs 3.3): it runs as a process of its own.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from api.models import ExampleModel
from api.paging import PageError, parse_page

FIELDS = ("id", "title", "content", "created_at", "updated_at")


def _token_user(request: HttpRequest):
    """The token's user, or None (no header, or a bad token)."""
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def raw_examples(request: HttpRequest) -> HttpResponse:
    user = _token_user(request)
    if user is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    try:
        page = parse_page(request.GET.get("limit"), request.GET.get("offset"))
    except PageError as error:
        return JsonResponse({error.field: [error.message]}, status=400)
    rows = ExampleModel.objects.visible_to(user)
    return JsonResponse(
        {
            "count": rows.count(),
            "results": list(rows.values(*FIELDS)[page.offset : page.offset + page.limit]),
        }
    )

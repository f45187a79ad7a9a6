"""Views mounted only by ``benchmarks.settings``.

``raw_examples`` is the floor for a Django request that answers what
``GET /api/v1/examples/`` answers: the same token lookup (DRF's
``TokenAuthentication``, one query with the user joined), the same
``visible_to`` rows, the same page rule, the same fields, and a count, as
``JsonResponse`` over ``.values()``. No DRF view, serializer or renderer.

``GrapheneView`` serves ``tests.parity.graphene_schema.schema`` with
graphene-django's own view, after the same token authentication the product
uses. It depends only on that module exposing ``schema``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import classonlymethod
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView
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


class GrapheneView(GraphQLView):
    @classonlymethod
    def as_view(cls, **initkwargs):
        from tests.parity.graphene_schema import schema

        initkwargs.setdefault("schema", schema)
        return csrf_exempt(super().as_view(**initkwargs))

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            found = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as error:
            return JsonResponse({"errors": [{"message": str(error.detail)}]}, status=401)
        if found is not None:
            request.user, request.auth = found
        return super().dispatch(request, *args, **kwargs)

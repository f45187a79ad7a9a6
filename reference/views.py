"""graphene-django's own GraphQLView, after the token authentication the product uses.

The same as the benchmarks' GrapheneView before the reference moved out of the
product's environment: DRF's ``TokenAuthentication`` (one query, the user
joined) sets ``request.user``; a bad token is a 401. Without a token the caller
is whoever Django's middleware says (anonymous, for the tests and wrk).
"""

from __future__ import annotations

import base64
import json

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test.utils import CaptureQueriesContext
from django.utils.decorators import classonlymethod
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .schema import schema

SQL_HEADER = "X-Reference-SQL"


class ReferenceView(GraphQLView):
    @classonlymethod
    def as_view(cls, **initkwargs):
        initkwargs.setdefault("schema", schema)
        return csrf_exempt(super().as_view(**initkwargs))

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.REFERENCE_SQL_HEADER:
            return self._answer(request, *args, **kwargs)
        with CaptureQueriesContext(connection) as queries:
            response = self._answer(request, *args, **kwargs)
        # Base64 of a JSON list: SQL carries any text a test stored, headers only latin-1.
        statements = [query["sql"] for query in queries.captured_queries]
        response[SQL_HEADER] = base64.b64encode(json.dumps(statements).encode()).decode("ascii")
        return response

    def _answer(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            found = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as error:
            return JsonResponse({"errors": [{"message": str(error.detail)}]}, status=401)
        if found is not None:
            request.user, request.auth = found
        return super().dispatch(request, *args, **kwargs)

"""``/graphql/``: Strawberry's Django view, with the project's authentication and HTTP rules.

Authentication, in DRF's order:

1. ``Authorization: Token <key>`` is checked with DRF's ``TokenAuthentication``.
   A bad, unknown or inactive user's token is a 401 with ``WWW-Authenticate: Token``;
   a good one needs no CSRF token (a browser never adds the header by itself).
2. Otherwise the Django session (``AuthenticationMiddleware``) decides. A
   session-authenticated POST must pass Django's CSRF check, exactly as DRF's
   ``SessionAuthentication.enforce_csrf`` does it: 403 without ``X-CSRFToken``.
3. Otherwise the caller is anonymous: no CSRF needed, and the schema lets them
   ask for ``me`` only (``graphql_api.access``).

HTTP rules: GET runs queries only (a mutation over GET is a 405); POST takes
one JSON object ``{query, variables, operationName}`` (no batching); bodies
over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are a 413; malformed JSON, invalid UTF-8, huge numbers,
lone surrogates and other junk are a 400. Every refusal is JSON in GraphQL's
error shape: ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}``.

A browser's GET (``Accept: text/html``, no ``query``) gets GraphiQL when
``GRAPHIQL_ENABLED``; the page sets the ``csrftoken`` cookie and sends it back
as ``X-CSRFToken``, so a logged-in user's queries and mutations just work. Its
files are this backend's static files (graphql_api/static, vendored at pinned
versions by ``make graphiql-assets``), under a Content-Security-Policy.
"""

from __future__ import annotations

from typing import Any

from cross_web import DjangoHTTPRequestAdapter, HTTPException
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.decorators import classonlymethod
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import CSRFCheck, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from strawberry.django.views import GraphQLView as StrawberryGraphQLView
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError

from backend import fastjson
from backend.errors import DATABASE_UNAVAILABLE, RETRY_AFTER, STATEMENT_TIMEOUT
from backend.middleware import PAGE_POLICY, is_connection_error, is_statement_timeout, set_policy
from backend.parsers import JSONRefused, decode_json, decode_utf8

from .errors import (
    BAD_REQUEST,
    CSRF_FAILED,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    SERVICE_UNAVAILABLE,
    TIMEOUT,
    UNAUTHENTICATED,
    UNSUPPORTED_MEDIA_TYPE,
    request_outage,
)
from .limits import RESPONSE_TOO_LARGE
from .persisted import has_document_id, resolve_request
from .schema import schema as default_schema

CODES_BY_STATUS = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    403: CSRF_FAILED,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: PAYLOAD_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    503: SERVICE_UNAVAILABLE,
}
ALLOWED_METHODS = "GET, POST"


def error_response(message: str, status: int, code: str | None = None, **headers: str) -> JsonResponse:
    """An HTTP-level refusal, in the shape GraphQL clients read errors from."""
    code = code or CODES_BY_STATUS.get(status, BAD_REQUEST)
    response = JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def response_too_large(size: int, limit: int) -> dict[str, object]:
    message = f"The response would be {size} bytes, over the limit of {limit} (GRAPHQL_MAX_RESPONSE_BYTES)."
    return {
        "data": None,
        "errors": [
            {"message": message, "extensions": {"code": RESPONSE_TOO_LARGE, "limit": limit, "size": size}}
        ],
    }


def database_unavailable_response() -> JsonResponse:
    return error_response(DATABASE_UNAVAILABLE, 503, Retry_After=RETRY_AFTER)


def statement_timeout_response() -> JsonResponse:
    return error_response(STATEMENT_TIMEOUT, 503, code=TIMEOUT, Retry_After=RETRY_AFTER)


def csrf_refusal(request: HttpRequest) -> str | None:
    """Why Django's CSRF check refuses ``request``, or None if it passes (DRF's enforce_csrf)."""
    check = CSRFCheck(lambda _request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


class RequestAdapter(DjangoHTTPRequestAdapter):
    @property
    def body(self) -> str:
        # Strawberry decodes the body with .decode(), which raises on invalid
        # UTF-8: a client's mistake, not a server error.
        try:
            return decode_utf8(self.request.body)
        except JSONRefused as exc:
            raise HTTPException(400, str(exc)) from None


class GraphQLView(StrawberryGraphQLView):
    schema = default_schema
    request_adapter_class = RequestAdapter
    # Set per request in dispatch() from settings.GRAPHIQL_ENABLED.
    graphql_ide = None
    _body_must_be_object = False
    # The POST body as decoded, for the fields Strawberry does not keep (documentId).
    _decoded_body: object = None

    @classonlymethod
    def as_view(cls, **initkwargs: Any):
        # Django's CSRF middleware would refuse token-authenticated POSTs; the
        # check is made in dispatch() instead, for session-authenticated ones.
        initkwargs.setdefault("schema", default_schema)
        return csrf_exempt(super().as_view(**initkwargs))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.graphql_ide = "graphiql" if settings.GRAPHIQL_ENABLED else None
        try:
            refusal = self.authenticate(request)
            if refusal is not None:
                return refusal
            response = self.run(request=request)
        except HTTPException as exc:
            return self.http_error(exc)
        except RequestDataTooBig:
            return error_response(
                f"Request body too large (limit {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes).", 413
            )
        except DatabaseError as exc:
            # Authentication (token or session) could not reach the database.
            if is_statement_timeout(exc):
                return statement_timeout_response()
            if not is_connection_error(exc):
                raise
            return database_unavailable_response()
        outage = request_outage(request)
        if outage is not None:
            # The operation lost the database or the shared cache midway, or one statement ran
            # past API_STATEMENT_TIMEOUT_MS: an outage, not a bug; the whole answer is a coded 503.
            return error_response(outage.message, 503, code=outage.code, Retry_After=RETRY_AFTER)
        return response

    def authenticate(self, request: HttpRequest) -> HttpResponse | None:
        """Set ``request.user`` from the token, else keep the session's; a refusal is returned."""
        try:
            token_auth = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as exc:
            return error_response(str(exc.detail), 401, WWW_Authenticate="Token")
        if token_auth is not None:
            request.user, request.auth = token_auth
            return None
        if request.method == "POST" and request.user.is_authenticated:
            reason = csrf_refusal(request)
            if reason:
                return error_response(f"CSRF Failed: {reason}", 403)
        return None

    def http_error(self, exc: HTTPException) -> JsonResponse:
        if isinstance(exc.__cause__, InvalidOperationTypeError):
            # GraphQL over HTTP: a mutation over GET is 405 Method Not Allowed.
            return error_response(exc.reason, 405, Allow="POST")
        if exc.status_code == 405:
            return error_response(exc.reason, 405, Allow=ALLOWED_METHODS)
        if exc.status_code == 404:
            # Strawberry's only 404: a browser asked for GraphiQL while it is off.
            return error_response(
                "GraphiQL is not enabled here; send a query (GET ?query=... or POST JSON).", 404
            )
        return error_response(exc.reason, exc.status_code, code=getattr(exc, "code", None))

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        """Strawberry's GraphiQL page, with its files served by this backend (no CDN) under ``PAGE_POLICY``."""
        # The page reads the csrftoken cookie and sends it as X-CSRFToken;
        # make sure the cookie exists (what @ensure_csrf_cookie does).
        get_token(request)
        response = render(request, "graphql_api/graphiql.html")
        return set_policy(response, PAGE_POLICY)

    def parse_http_body(self, request: DjangoHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method == "POST":
            content_type, _params = parse_content_type(request.content_type or "")
            if content_type != "application/json":
                raise HTTPException(415, "Send the operation as JSON (Content-Type: application/json).")
        # On POST the only JSON decoded is the body itself (see decode_json).
        self._body_must_be_object = request.method == "POST"
        data = super().parse_http_body(request)
        if not isinstance(data.operation_name, str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null.")
        # Trusted documents (graphql_api.persisted): an id becomes its document;
        # with GRAPHQL_TRUSTED_DOCUMENTS_ONLY other queries are refused.
        raw = request.query_params if request.method == "GET" else self._decoded_body
        return resolve_request(data, raw if isinstance(raw, dict) else {}, request.request.user)

    def parse_json(self, data: str | bytes) -> Any:
        value = super().parse_json(data)
        if self._body_must_be_object and self._decoded_body is None:
            self._decoded_body = value
        return value

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET naming a persisted document is an operation, not a page load.
        return super().should_render_graphql_ide(request) and not has_document_id(request.query_params)

    def encode_json(self, data: object) -> bytes:
        # UTF-8, not ASCII escapes (a non-ASCII character is 2-4 bytes, not 6),
        # written by orjson when it can (see backend.fastjson).
        encoded = fastjson.dumps_utf8(data, default=DjangoJSONEncoder().default)
        limit = settings.GRAPHQL_MAX_RESPONSE_BYTES
        if len(encoded) > limit:
            # The backstop behind the cost limit (graphql_api.cost), which
            # already bounds what an operation can produce before it runs.
            return fastjson.dumps_utf8(response_too_large(len(encoded), limit), default=str)
        return encoded

    def decode_json(self, data: str | bytes) -> object:
        # The body and GET's ?variables= and ?extensions=: the project's one
        # JSON rule (backend.parsers), REST's exactly.
        try:
            value = decode_json(data)
        except JSONRefused as exc:
            raise HTTPException(400, str(exc)) from None
        if self._body_must_be_object and not isinstance(value, dict | list):
            raise HTTPException(
                400, "The request body must be a JSON object: {query, variables, operationName}."
            )
        return value

"""Error responses as the OpenAPI document describes them, shared by every view."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# DRF's field errors: {"field": ["message", ...], "non_field_errors": [...]}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def detail(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=DETAIL_SCHEMA, description=description)


VALIDATION_ERROR = OpenApiResponse(
    response={"oneOf": [FIELD_ERRORS_SCHEMA, DETAIL_SCHEMA]},
    description="Invalid input: field errors, or a detail for malformed bodies.",
)
# A refusal with a machine-readable code: a cursor that was altered or made for
# other filters (api.v1.pagination.cursor_error).
CODED_DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
}
QUERY_ERROR = OpenApiResponse(
    response={"oneOf": [FIELD_ERRORS_SCHEMA, CODED_DETAIL_SCHEMA]},
    description=(
        "A query parameter is invalid: `{parameter: [messages]}`; or a cursor that cannot be "
        "used: `{detail, code}` (`invalid_cursor`, `cursor_mismatch`, `unsupported_ordering`)."
    ),
)
UNAUTHENTICATED = detail("No or invalid credentials (`WWW-Authenticate: Token`).")
FORBIDDEN = detail("CSRF check failed for a session-authenticated request.")
NOT_FOUND = detail("No such object, or not the caller's (the same answer).")
PAYLOAD_TOO_LARGE = detail("Body larger than 1 MiB.")
UNSUPPORTED_MEDIA_TYPE = detail("Body is not JSON (`Content-Type: application/json`).")
THROTTLED = detail("Too many requests; see `Retry-After`.")

# What any authenticated endpoint may answer besides its own success.
AUTHENTICATED_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN}
# Safe methods (GET) skip the CSRF check, so they cannot answer 403.
READ_ERRORS = {401: UNAUTHENTICATED}
BODY_ERRORS = {400: VALIDATION_ERROR, 413: PAYLOAD_TOO_LARGE, 415: UNSUPPORTED_MEDIA_TYPE}

# Headers that always accompany some statuses; OpenApiResponse cannot carry
# headers, so a postprocessing hook (SPECTACULAR_SETTINGS) adds them.
STATUS_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "schema": {"type": "string", "example": "Token"},
            "description": "The scheme to authenticate with: `Token`.",
        }
    },
    "429": {
        "Retry-After": {
            "schema": {"type": "integer"},
            "description": "Seconds to wait before trying again.",
        }
    },
}


def add_status_headers(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: document ``STATUS_HEADERS``."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for code, response in operation.get("responses", {}).items():
                if code in STATUS_HEADERS:
                    response.setdefault("headers", {}).update(STATUS_HEADERS[code])
    return result


# Error responses declared once for every viewset built on api.v1.base


POLICY_FORBIDDEN = detail(
    "Not allowed: the caller can see the object but the policy does not let them do this "
    "(or a session-authenticated request came without `X-CSRFToken`)."
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _as_response(response: OpenApiResponse) -> dict:
    """An ``OpenApiResponse`` whose ``response`` is a plain schema, as the document spells it."""
    return {
        "content": {"application/json": {"schema": response.response}},
        "description": str(response.description),
    }


def error_responses(method: str, operation: dict, *, has_path_parameters: bool) -> dict[str, OpenApiResponse]:
    """What an operation of a policy viewset may answer besides its own success.

    401 always (every viewset needs a token or a session); 403 on unsafe
    methods (the policy, or CSRF); 404 when the path names an object; 400,
    413 and 415 when it takes a body; 400 for a bad query parameter when it
    takes query parameters.
    """
    errors: dict[str, OpenApiResponse] = {"401": UNAUTHENTICATED}
    if method not in SAFE_METHODS:
        errors["403"] = POLICY_FORBIDDEN
    if has_path_parameters:
        errors["404"] = NOT_FOUND
    if "requestBody" in operation:
        errors.update({str(code): response for code, response in BODY_ERRORS.items()})
    elif any(parameter.get("in") == "query" for parameter in operation.get("parameters", ())):
        errors["400"] = QUERY_ERROR
    return errors


class PolicyAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, adding the error responses of ``error_responses``.

    Set on api.v1.base.PolicyViewSet, so every action of every viewset built
    on it documents them with no per-view list; a view's own ``responses``
    for a code (``extend_schema``) win over the default.
    """

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        has_path_parameters = any(p.get("in") == "path" for p in operation.get("parameters", ()))
        for code, response in error_responses(
            method.upper(), operation, has_path_parameters=has_path_parameters
        ).items():
            responses.setdefault(code, _as_response(response))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

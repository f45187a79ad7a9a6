"""Error responses as the OpenAPI document describes them, shared by every view."""

from __future__ import annotations

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
QUERY_ERROR = OpenApiResponse(
    response=FIELD_ERRORS_SCHEMA,
    description="A query parameter is invalid: `{parameter: [messages]}`.",
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

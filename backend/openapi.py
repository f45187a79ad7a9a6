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
UNAUTHENTICATED = detail("No or invalid credentials (`WWW-Authenticate: Token`).")
FORBIDDEN = detail("CSRF check failed for a session-authenticated request.")
NOT_FOUND = detail("No such object, or not the caller's (the same answer).")
PAYLOAD_TOO_LARGE = detail("Body larger than 1 MiB.")
UNSUPPORTED_MEDIA_TYPE = detail("Body is not JSON, form or multipart.")
THROTTLED = detail("Too many requests; see `Retry-After`.")

# What any authenticated endpoint may answer besides its own success.
AUTHENTICATED_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN}
BODY_ERRORS = {400: VALIDATION_ERROR, 413: PAYLOAD_TOO_LARGE, 415: UNSUPPORTED_MEDIA_TYPE}

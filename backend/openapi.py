"""Error responses as the OpenAPI document describes them: declared once, referenced by every operation.

Views and ``PolicyAutoSchema`` name their error answers with the
``OpenApiResponse`` objects below (drf-spectacular writes them inline); the
postprocessing hook ``share_error_responses`` then turns every 4xx answer into
a ``$ref`` to one of ``components/responses``, each of whose bodies is one of
two ``components/schemas``: ``Error`` (``{detail}``) and ``ValidationError``
(``{field: [messages]}``, or ``{detail}`` for a body that is not JSON). A
client generator (openapi-python-client, openapi-typescript) then makes two
error models for the whole API instead of one per operation and status.
"""

from __future__ import annotations

import http
import inspect
import re
from dataclasses import dataclass, field

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

ERROR_SCHEMA = "Error"
VALIDATION_ERROR_SCHEMA = "ValidationError"

DETAIL_SCHEMA = {
    "type": "object",
    # `code` names the condition where a client may act on it (`precondition_failed`, a cursor's).
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
# DRF's field errors: {"field": ["message", ...], "non_field_errors": [...]};
# a body that is not JSON gets {"detail": "..."} under the same status.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    # `{detail, code}` where the whole input is refused with a reason (a cursor: api.v1.pagination).
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
SHARED_SCHEMAS = {
    ERROR_SCHEMA: {
        **DETAIL_SCHEMA,
        "description": 'Every error that is not about one field: `{"detail": "message"}`.',
    },
    VALIDATION_ERROR_SCHEMA: {
        **FIELD_ERRORS_SCHEMA,
        "description": (
            'Invalid input: `{"field": ["message", ...]}` for each field or query parameter '
            'in error (`non_field_errors` for the body as a whole), or `{"detail": "message"}` '
            "for a body that is not valid JSON."
        ),
    },
}

# Headers that always accompany some statuses (OpenApiResponse cannot carry them).
STATUS_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "schema": {"type": "string", "example": "Token"},
            "description": "The scheme to authenticate with: `Token`.",
        }
    },
    429: {
        "Retry-After": {
            "schema": {"type": "integer"},
            "description": "Seconds to wait before trying again.",
        },
        # backend.ratelimit: every throttled answer carries them, a 429 included.
        "RateLimit-Policy": {
            "schema": {"type": "string", "example": '"login";q=10;w=60'},
            "description": "The throttles' quotas (draft-ietf-httpapi-ratelimit-headers).",
        },
        "RateLimit": {
            "schema": {"type": "string", "example": '"login";r=0;t=42'},
            "description": "Requests left (`r`) and seconds until more are allowed (`t`), per quota.",
        },
    },
}


@dataclass(frozen=True)
class SharedError:
    """One entry of ``components/responses``: its name, status, description and body schema."""

    name: str
    status: int
    description: str
    schema: str = ERROR_SCHEMA
    headers: dict = field(default_factory=dict)

    @property
    def response(self) -> OpenApiResponse:
        """What a view's ``extend_schema(responses=...)`` names; the hook replaces it by a ``$ref``."""
        inline = DETAIL_SCHEMA if self.schema == ERROR_SCHEMA else FIELD_ERRORS_SCHEMA
        return OpenApiResponse(response=inline, description=self.description)

    def component(self) -> dict:
        component: dict = {
            "description": self.description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{self.schema}"}}},
        }
        headers = {**STATUS_HEADERS.get(self.status, {}), **self.headers}
        if headers:
            component["headers"] = headers
        return component


SHARED_ERRORS = (
    SharedError(
        "ValidationFailed",
        400,
        "Invalid input: `{field: [messages]}`, or `{detail}` for a body that is not valid JSON.",
        VALIDATION_ERROR_SCHEMA,
    ),
    SharedError(
        "InvalidQuery",
        400,
        "A query parameter is invalid: `{parameter: [messages]}`; or a cursor that cannot be used: "
        "`{detail, code}` (`invalid_cursor`, `cursor_mismatch`, `unsupported_ordering`).",
        VALIDATION_ERROR_SCHEMA,
    ),
    SharedError("Unauthenticated", 401, "No or invalid credentials (`WWW-Authenticate: Token`)."),
    SharedError("CsrfFailed", 403, "CSRF check failed for a session-authenticated request."),
    SharedError(
        "Forbidden",
        403,
        "Not allowed: the caller can see the object but the policy does not let them do this "
        "(or a session-authenticated request came without `X-CSRFToken`).",
    ),
    SharedError("NotFound", 404, "No such object, or not the caller's (the same answer)."),
    SharedError("PayloadTooLarge", 413, "Body larger than 1 MiB."),
    SharedError("UnsupportedMediaType", 415, "Body is not JSON (`Content-Type: application/json`)."),
    SharedError("Throttled", 429, "Too many requests; see `Retry-After`."),
)
_BY_NAME = {error.name: error for error in SHARED_ERRORS}
_BY_DESCRIPTION = {(str(error.status), error.description): error for error in SHARED_ERRORS}
assert len(_BY_NAME) == len(_BY_DESCRIPTION) == len(SHARED_ERRORS), "shared errors must differ"


def detail(description: str) -> OpenApiResponse:
    """A ``{detail}`` error with a description of its own (the hook still shares its schema)."""
    return OpenApiResponse(response=DETAIL_SCHEMA, description=description)


VALIDATION_ERROR = _BY_NAME["ValidationFailed"].response
QUERY_ERROR = _BY_NAME["InvalidQuery"].response
UNAUTHENTICATED = _BY_NAME["Unauthenticated"].response
FORBIDDEN = _BY_NAME["CsrfFailed"].response
POLICY_FORBIDDEN = _BY_NAME["Forbidden"].response
NOT_FOUND = _BY_NAME["NotFound"].response
PAYLOAD_TOO_LARGE = _BY_NAME["PayloadTooLarge"].response
UNSUPPORTED_MEDIA_TYPE = _BY_NAME["UnsupportedMediaType"].response
THROTTLED = _BY_NAME["Throttled"].response

# What any authenticated endpoint may answer besides its own success.
AUTHENTICATED_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN}
# Safe methods (GET) skip the CSRF check, so they cannot answer 403.
READ_ERRORS = {401: UNAUTHENTICATED}
BODY_ERRORS = {400: VALIDATION_ERROR, 413: PAYLOAD_TOO_LARGE, 415: UNSUPPORTED_MEDIA_TYPE}


def _body_schema_name(response: dict) -> str | None:
    """``Error`` or ``ValidationError`` when an inline response's body is one of the two shapes."""
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema == DETAIL_SCHEMA:
        return ERROR_SCHEMA
    if schema == FIELD_ERRORS_SCHEMA:
        return VALIDATION_ERROR_SCHEMA
    return None


def _status_component_name(code: str) -> str:
    """``412`` -> ``PreconditionFailed``: the name of a component made for a status of its own."""
    return re.sub(r"[^A-Za-z]", "", http.HTTPStatus(int(code)).phrase.title())


def share_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every error answer becomes a ``$ref``.

    A 4xx answer named by ``SHARED_ERRORS`` becomes a ``$ref`` to its
    ``components/responses`` entry. One with a description of its own
    (``detail("...")``, e.g. a status added later) becomes a component named
    after its status if that name is free, else stays inline; its body is the
    shared schema either way, so no operation ever gets an error model of its
    own. Also puts Token before the session cookie in ``securitySchemes``
    (the order of Swagger UI's Authorize dialog; drf-spectacular sorts them).
    """
    responses: dict[str, dict] = {}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for code, response in list(operation.get("responses", {}).items()):
                if not code.startswith("4") or "$ref" in response:
                    continue
                shared = _BY_DESCRIPTION.get((code, str(response.get("description", ""))))
                if shared is not None:
                    responses[shared.name] = shared.component()
                    operation["responses"][code] = {"$ref": f"#/components/responses/{shared.name}"}
                    continue
                schema_name = _body_schema_name(response)
                if schema_name is None:
                    continue  # a body of its own (a serializer's component already)
                adhoc = SharedError(
                    _status_component_name(code), int(code), response["description"], schema_name
                )
                existing = responses.get(adhoc.name)
                if adhoc.name not in _BY_NAME and (existing is None or existing == adhoc.component()):
                    responses[adhoc.name] = adhoc.component()
                    operation["responses"][code] = {"$ref": f"#/components/responses/{adhoc.name}"}
                else:
                    response["content"]["application/json"]["schema"] = {
                        "$ref": f"#/components/schemas/{schema_name}"
                    }
                    response.setdefault("headers", {}).update(STATUS_HEADERS.get(int(code), {}))
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name, schema in SHARED_SCHEMAS.items():
        assert name not in schemas or schemas[name] == schema, f"a serializer's component is named {name}"
        schemas[name] = schema
    components["schemas"] = dict(sorted(schemas.items()))
    components["responses"] = dict(sorted(responses.items()))
    schemes = components.get("securitySchemes", {})
    components["securitySchemes"] = dict(sorted(schemes.items(), key=lambda item: item[0] != "tokenAuth"))
    # components in the order a reader looks for them: schemas, responses, security.
    order = ["schemas", "responses", "securitySchemes"]
    result["components"] = {
        key: components[key]
        for key in sorted(components, key=lambda k: (order.index(k) if k in order else 99, k))
    }
    return result


# Error responses declared once for every viewset built on api.v1.base


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


# Conditional requests on detail routes (api/v1/conditional.py), for viewsets that set
# ``conditional_requests`` (api.v1.base.PolicyModelViewSet).
ETAG_HEADER = {
    "schema": {"type": "string", "example": '"3f2a9c0d1e4b5a6f7081920a3b4c5d6e"'},
    "description": "Strong entity tag of this representation; send it in `If-None-Match` or `If-Match`.",
}
# RFC 9110's `"*" / #entity-tag` (visible ASCII tags; api/v1/conditional.py also takes obs-text).
ENTITY_TAGS_SCHEMA = {
    "type": "string",
    # Empty list elements are allowed (RFC 9110 5.6.1.2), as the parser allows them.
    "pattern": r'^[ \t]*\*[ \t]*$|^[ \t,]*((W/)?"[!#-~]*"([ \t]*,[ \t,]*(W/)?"[!#-~]*")*)?[ \t,]*$',
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": ENTITY_TAGS_SCHEMA,
    "description": "ETags from earlier answers (or `*`): when one matches, the answer is a 304 with no body.",
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": ENTITY_TAGS_SCHEMA,
    "description": (
        "Apply only if the object is unchanged since this ETag (a list, or `*` for any). "
        "Otherwise 412 and nothing changes. Weak tags (`W/`) never match; a malformed value is a 400."
    ),
}
MALFORMED_PRECONDITION = _as_response(
    detail("`If-Match` or `If-None-Match` is not `*` or a list of entity tags.")
)
NOT_MODIFIED = {
    "description": "Unchanged since the ETag in `If-None-Match`: no body.",
    "headers": {"ETag": ETAG_HEADER},
}
PRECONDITION_FAILED = _as_response(
    detail(
        "The object changed since the ETag in `If-Match`: nothing was written "
        '(`{"detail": "...", "code": "precondition_failed"}`).'
    )
)


def add_conditional_requests(action: str | None, operation: dict) -> None:
    """Declare ETag, If-None-Match, If-Match, 304 and 412 on a conditional viewset's detail action."""
    responses = operation.setdefault("responses", {})
    if action in ("retrieve", "update", "partial_update", "destroy"):
        # A malformed If-None-Match / If-Match is a 400 (a body's 400 may be declared already).
        responses.setdefault("400", MALFORMED_PRECONDITION)
    if action == "retrieve":
        operation.setdefault("parameters", []).append(IF_NONE_MATCH)
        responses.setdefault("200", {}).setdefault("headers", {})["ETag"] = ETAG_HEADER
        responses["304"] = NOT_MODIFIED
    elif action in ("update", "partial_update", "destroy"):
        operation.setdefault("parameters", []).append(IF_MATCH)
        responses["412"] = PRECONDITION_FAILED
        if action == "partial_update":  # not after PUT: RFC 9110 9.3.4
            responses.setdefault("200", {}).setdefault("headers", {})["ETag"] = ETAG_HEADER


class DocumentedAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, describing an operation only with what is written for clients.

    drf-spectacular describes an operation with its action's docstring, else
    the view's, falling back through the view's base classes. Here a view
    class's own docstring is written for clients (the viewsets'), while base
    classes and action methods carry notes for engineers: every auth endpoint
    was described by ``PublicView``'s ("No authentication classes: a stale
    token..."). So the description is ``extend_schema(description=...)``, else
    the view class's own docstring, else nothing
    (``tests/api/test_openapi.py::test_no_inherited_or_method_docstring_describes_an_operation``).
    """

    def get_description(self) -> str:
        own = type(self.view).__dict__.get("__doc__")
        return inspect.cleandoc(own) if own else ""


class PolicyAutoSchema(DocumentedAutoSchema):
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
        if getattr(self.view, "conditional_requests", False):
            add_conditional_requests(getattr(self.view, "action", None), operation)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

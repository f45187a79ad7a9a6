"""The OpenAPI document: committed, served, and describing what the API does."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.utils.regex_helper import normalize

from tests.matrix.surface import routes

COMMITTED = Path(settings.BASE_DIR) / "openapi.yaml"
REGENERATE = "run `make openapi` and commit openapi.yaml"
METHODS = {"get", "put", "patch", "post", "delete"}


def drift_message(expected: str, actual: str) -> str:
    diff = difflib.unified_diff(
        expected.splitlines(), actual.splitlines(), "openapi.yaml (committed)", "generated", lineterm="", n=2
    )
    return f"openapi.yaml differs from the schema the code generates; {REGENERATE}.\n" + "\n".join(
        list(diff)[:60]
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("openapi") / "openapi.yaml"
    # The exact command `make openapi` runs (with its validation).
    call_command("spectacular", "--file", str(path), "--validate", "--fail-on-warn", "--lang", "en-us")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schema(generated) -> dict:
    return yaml.safe_load(generated)


def resolve(schema: dict, item: dict) -> dict:
    """``item`` itself, or what its ``$ref`` (``#/components/...``) names."""
    while "$ref" in item:
        node = schema
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        item = node
    return item


def operations(schema: dict, prefix: str):
    for path, item in schema["paths"].items():
        if path.startswith(prefix):
            for method, operation in item.items():
                if method in METHODS:
                    yield path, method, operation


def test_committed_openapi_yaml_matches_the_code(generated):
    assert COMMITTED.exists(), f"openapi.yaml is missing; {REGENERATE}."
    committed = COMMITTED.read_text(encoding="utf-8")

    assert committed == generated, drift_message(committed, generated)


def test_served_schema_is_the_committed_document(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    served = response.content.decode("utf-8")
    committed = COMMITTED.read_text(encoding="utf-8")
    assert served == committed, drift_message(committed, served)


def test_swagger_ui_is_served(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    # The page's start-up script is a file of its own (?script), which names the document.
    assert b'<script src="/api/docs/?script="></script>' in response.content
    script = api_client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert b"/api/schema/" in script.content


def test_swagger_ui_refuses_other_methods_without_a_server_error(api_client):
    """OPTIONS used to fail rendering the page's template (a 500); found by the cross-user matrix."""
    response = api_client.options("/api/docs/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_token_security_scheme_is_declared(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }


def test_data_endpoints_all_require_token_or_session(schema):
    for path, method, operation in operations(schema, "/api/v1/"):
        assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], (path, method)
        assert "401" in operation["responses"], (path, method)
        assert resolve(schema, operation["responses"]["401"])["headers"]["WWW-Authenticate"]


def served_endpoints() -> dict[tuple[str, str], type]:
    """Every (path, method) a `/api/v1/` view serves, from the URL resolver, as OpenAPI spells it."""
    found = {}
    for route in routes():
        cls = getattr(route.callback, "cls", None)
        (template, params), *_ = normalize(route.regex)
        if cls is None or not template.startswith("api/v1/") or template == "api/v1/" or "format" in params:
            continue
        # A viewset maps methods to actions; a plain APIView serves the handlers it defines.
        actions = getattr(route.callback, "actions", None) or {m: m for m in METHODS if hasattr(cls, m)}
        path = "/" + template % {p: "{id}" if p == "pk" else f"{{{p}}}" for p in params}
        for method in actions:
            if method in METHODS:
                found[path, method] = route.callback.cls
    return found


def test_every_data_endpoint_is_documented(schema):
    documented = {(path, method) for path, method, _ in operations(schema, "/api/v1/")}

    served = set(served_endpoints())
    assert {
        ("/api/v1/examples/{id}/duplicate/", "post"),
        ("/api/v1/invitations/{id}/accept/", "post"),
    } <= served
    assert documented == served


# The detail paths of the conditional viewsets (api.v1.base.PolicyModelViewSet): ETag, If-Match, 412.
CONDITIONAL_DETAIL_PATHS = {
    path
    for (path, method), viewset in served_endpoints().items()
    if method == "get" and path.endswith("{id}/") and getattr(viewset, "conditional_requests", False)
}
assert {"/api/v1/examples/{id}/", "/api/v1/projects/{id}/"} <= CONDITIONAL_DETAIL_PATHS


def test_detail_routes_declare_their_conditional_requests(schema):
    for path in CONDITIONAL_DETAIL_PATHS:
        get = schema["paths"][path]["get"]
        assert {"in": "header", "name": "If-None-Match"}.items() <= next(
            p for p in get["parameters"] if p["name"] == "If-None-Match"
        ).items()
        assert "ETag" in get["responses"]["200"]["headers"]
        assert "ETag" in get["responses"]["304"]["headers"]
        assert "content" not in get["responses"]["304"]
        for method in ("put", "patch", "delete"):
            operation = schema["paths"][path][method]
            assert any(p["in"] == "header" and p["name"] == "If-Match" for p in operation["parameters"])
            failed = resolve(schema, operation["responses"]["412"])  # the shared PreconditionFailed
            body = resolve(schema, failed["content"]["application/json"]["schema"])
            assert body["required"] == ["detail"] and "code" in body["properties"]
            assert "precondition_failed" in failed["description"]
        assert "ETag" in schema["paths"][path]["patch"]["responses"]["200"]["headers"]
        assert "headers" not in schema["paths"][path]["put"]["responses"]["200"]  # RFC 9110 9.3.4


def test_every_429_declares_retry_after_and_the_ratelimit_fields(schema):
    found = 0
    for _path, _method, operation in operations(schema, "/api/"):
        if "429" in operation["responses"]:
            found += 1
            throttled = resolve(schema, operation["responses"]["429"])  # the shared component
            assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(throttled["headers"])
    assert found >= 5


def expected_errors(path: str, method: str, operation: dict) -> set[str]:
    """The error statuses backend.openapi.PolicyAutoSchema declares for an operation, by its rule."""
    codes = {"401"}
    if method != "get":
        codes.add("403")
    if "{" in path:
        codes.add("404")
    if "requestBody" in operation:
        codes |= {"400", "413", "415"}
    elif any(p["in"] == "query" for p in operation.get("parameters", ())):
        codes.add("400")
    if path in CONDITIONAL_DETAIL_PATHS:
        codes.add("400")  # a malformed If-None-Match / If-Match (api/v1/conditional.py)
        if method in ("put", "patch", "delete"):
            codes.add("412")
    return codes


def test_every_data_operation_declares_its_errors_once_by_rule(schema):
    for path, method, operation in operations(schema, "/api/v1/"):
        declared = {code for code in operation["responses"] if code.startswith("4")}
        expected = expected_errors(path, method, operation)
        if (path, method) == ("/api/v1/projects/{project_id}/members/{user_id}/", "delete"):
            expected.add("400")  # the owner cannot leave their own project
        if (path, method) == ("/api/v1/projects/{project_id}/members/", "post"):
            expected.add("429")  # INVITATION_THROTTLE_RATE
        assert declared == expected, (path, method)
        for code in declared:
            response = resolve(schema, operation["responses"][code])
            assert response["content"]["application/json"]["schema"], (path, method, code)


def test_bodies_show_other_users_as_public_users_only(schema):
    components = schema["components"]["schemas"]
    assert set(components["PublicUser"]["properties"]) == {"id", "username", "name"}
    public = {"$ref": "#/components/schemas/PublicUser"}
    assert components["ExampleModel"]["properties"]["owner"]["allOf"] == [public]
    assert components["Project"]["properties"]["owner"]["allOf"] == [public]
    assert components["Member"]["properties"]["user"]["allOf"] == [public]
    assert set(components["Project"]["properties"]) == {
        "id",
        "name",
        "description",
        "owner",
        "role",
        "created_at",
        "updated_at",
    }
    assert set(components["Member"]["properties"]) == {"user", "role", "added_at"}
    assert components["CallerRoleEnum"]["enum"] == ["owner", "editor", "viewer"]
    assert components["MemberRoleEnum"]["enum"] == ["editor", "viewer"]
    assert set(components["InviteRequest"]["properties"]) == {"username", "role"}
    # Inviting answers no name and no user id; an invitation shows its inviter as a public user only.
    assert set(components["Invite"]["properties"]) == {
        "id",
        "username",
        "role",
        "status",
        "created_at",
        "expires_at",
    }
    assert components["Invitation"]["properties"]["invited_by"]["allOf"] == [public]
    assert set(components["InvitedProject"]["properties"]) == {"id", "name"}
    assert set(components["ProjectRequest"]["properties"]) == {"name", "description"}


def test_detail_endpoints_document_404_and_an_integer_id(schema):
    for path, method, operation in operations(schema, "/api/v1/examples/{id}/"):
        assert "404" in operation["responses"], (path, method)
        (id_parameter,) = [p for p in operation["parameters"] if p["in"] == "path"]
        assert id_parameter["schema"] == {"type": "integer"}, (path, method)


def test_list_documents_its_parameters_and_400(schema):
    operation = schema["paths"]["/api/v1/examples/"]["get"]

    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names == {
        "limit",
        "offset",
        "cursor",
        "search",
        "ordering",
        "created_after",
        "created_before",
        "updated_after",
        "updated_before",
        "project",
    }
    assert "400" in operation["responses"]
    page = schema["components"]["schemas"]["PaginatedExampleModelList"]
    # `count` on offset pages only: a cursor page (`?cursor=`) has none.
    assert set(page["required"]) == {"next", "previous", "results"}
    assert set(page["properties"]) == {"count", "next", "previous", "results"}


def test_write_endpoints_document_their_bodies(schema):
    v1 = schema["paths"]
    for path, method in [
        ("/api/v1/examples/", "post"),
        ("/api/v1/examples/{id}/", "put"),
        ("/api/v1/examples/{id}/", "patch"),
    ]:
        content = v1[path][method]["requestBody"]["content"]
        assert set(content) == {"application/json"}
        assert "400" in v1[path][method]["responses"]
    assert "requestBody" not in v1["/api/v1/examples/{id}/duplicate/"]["post"]


def test_example_request_body_has_no_owner_or_id(schema):
    request = schema["components"]["schemas"]["ExampleModelRequest"]

    assert set(request["properties"]) == {"title", "content", "project"}
    assert request["properties"]["project"]["nullable"] is True
    assert request["required"] == ["title"]
    assert request["properties"]["title"]["maxLength"] == 200
    assert request["properties"]["content"]["maxLength"] == 100_000


@pytest.mark.parametrize(
    ("path", "method", "success"),
    [
        ("/api/auth/register/", "post", "201"),
        ("/api/auth/login/", "post", "200"),
        ("/api/auth/logout/", "post", "204"),
        ("/api/auth/user/", "get", "200"),
        ("/api/auth/user/", "patch", "200"),
        ("/api/auth/profile/", "get", "200"),
        ("/api/auth/profile/", "patch", "200"),
        ("/api/auth/password/change/", "post", "200"),
        ("/api/auth/password/reset/", "post", "202"),
        ("/api/auth/password/reset/confirm/", "post", "200"),
        ("/api/auth/csrf/", "get", "200"),
    ],
)
def test_auth_endpoints_are_documented(schema, path, method, success):
    operation = schema["paths"][path][method]

    assert success in operation["responses"]
    if method != "get":
        assert "requestBody" in operation or path == "/api/auth/logout/"


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/register/", "/api/auth/password/reset/"])
def test_throttled_auth_endpoints_document_429_with_retry_after(schema, path):
    response = resolve(schema, schema["paths"][path]["post"]["responses"]["429"])

    assert response["headers"]["Retry-After"]["schema"] == {"type": "integer"}


# Shared error components, summaries, the Authorize dialog

SHARED_ERROR_SCHEMAS = {"#/components/schemas/Error", "#/components/schemas/ValidationError"}


def test_every_error_answer_is_a_shared_component(schema):
    """No operation declares an error body of its own: generators make two error models, not ~120."""
    for path, method, operation in operations(schema, "/api/"):
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                assert set(response) == {"$ref"}, (path, method, code)
                assert response["$ref"].startswith("#/components/responses/"), (path, method, code)
    for name, component in schema["components"]["responses"].items():
        assert component["content"]["application/json"]["schema"]["$ref"] in SHARED_ERROR_SCHEMAS, name


def test_the_shared_error_schemas(schema):
    schemas = schema["components"]["schemas"]
    assert schemas["Error"]["required"] == ["detail"]
    assert schemas["Error"]["properties"]["detail"] == {"type": "string"}
    assert schemas["ValidationError"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    responses = schema["components"]["responses"]
    # At least these; a status added later gets its own (e.g. PreconditionFailed), same bodies.
    assert set(responses) >= {
        "ValidationFailed",
        "InvalidQuery",
        "Unauthenticated",
        "CsrfFailed",
        "Forbidden",
        "NotFound",
        "PayloadTooLarge",
        "UnsupportedMediaType",
        "Throttled",
    }
    assert responses["Unauthenticated"]["headers"]["WWW-Authenticate"]
    assert responses["Throttled"]["headers"]["Retry-After"]


def test_an_error_with_a_description_of_its_own_still_shares_the_schema():
    """A status added later (``detail("...")``) gets a component named after it, never a model of its own."""
    from backend.openapi import detail, share_error_responses

    def inline(response):
        return {
            "description": response.description,
            "content": {"application/json": {"schema": response.response}},
        }

    document = {
        "paths": {
            "/a/": {"put": {"responses": {"412": inline(detail("Changed since your ETag."))}}},
            "/b/": {"put": {"responses": {"412": inline(detail("Another reason."))}}},
        },
        "components": {"schemas": {}, "securitySchemes": {"cookieAuth": {}, "tokenAuth": {}}},
    }

    result = share_error_responses(document, None, None, True)

    assert result["paths"]["/a/"]["put"]["responses"]["412"] == {
        "$ref": "#/components/responses/PreconditionFailed"
    }
    # The same status with another description stays inline, with the shared body.
    other = result["paths"]["/b/"]["put"]["responses"]["412"]
    assert other["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert list(result["components"]["securitySchemes"]) == ["tokenAuth", "cookieAuth"]


def test_every_operation_has_a_summary(schema):
    for path, method, operation in operations(schema, "/api/"):
        assert operation.get("summary", "").strip(), (path, method)


def test_token_comes_before_the_cookie_in_the_authorize_dialog(schema):
    # Swagger UI lists securitySchemes in document order.
    assert list(schema["components"]["securitySchemes"]) == ["tokenAuth", "cookieAuth"]
    for path, method, operation in operations(schema, "/api/v1/"):
        assert operation["security"][0] == {"tokenAuth": []}, (path, method)


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("/api/v1/examples/", "created_at|updated_at|title"),
        ("/api/v1/projects/", "created_at|updated_at|name"),
    ],
)
def test_ordering_is_one_comma_separated_string(schema, path, keys):
    """A string, not an array: generators send arrays as repeated parameters, which are a 400."""
    (ordering,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "ordering"]

    assert ordering["schema"] == {"type": "string", "pattern": f"^-?({keys})(,-?({keys}))*$"}
    assert "explode" not in ordering


def _engineering_notes() -> set[str]:
    """Docstrings that are notes for engineers: every view's base classes' and methods' (project code only)."""
    import inspect

    from django.urls import URLPattern, URLResolver, get_resolver

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield pattern.callback.cls

    ours = ("api.", "authentication.", "backend.", "graphql_api.")
    notes = set()
    for view in set(views(get_resolver().url_patterns)):
        for base in view.__mro__[1:]:
            if base.__module__.startswith(ours) and base.__dict__.get("__doc__"):
                notes.add(inspect.cleandoc(base.__dict__["__doc__"]))
        for cls in view.__mro__:
            if not cls.__module__.startswith(ours):
                continue
            for member in cls.__dict__.values():
                if callable(member) and getattr(member, "__doc__", None):
                    notes.add(inspect.cleandoc(member.__doc__))
    return notes


def test_no_inherited_or_method_docstring_describes_an_operation(schema):
    # backend.openapi.DocumentedAutoSchema: a base class's or a method's docstring is for engineers.
    notes = _engineering_notes()
    assert any("No authentication classes" in note for note in notes)  # PublicView's, the one that leaked
    leaked = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS and operation.get("description", "").strip() in notes
    ]
    assert leaked == []
    # A viewset's own docstring is written for clients and stays.
    assert schema["paths"]["/api/v1/examples/{id}/"]["get"]["description"].startswith("Examples:")

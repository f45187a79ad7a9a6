"""Upgrade guards for the library internals docs/EXTENDING.md lists ("Library internals we lean on").

Each test fails when an upgrade changes the internal the product's code
overrides or calls, so that the override is read again against the new
version instead of silently doing nothing (or the wrong thing). The guards
of the other rows live beside their features (the table names them).
"""

from __future__ import annotations

import hashlib
import inspect

from graphql import GraphQLSchema
from strawberry.schema import schema as strawberry_schema_module
from strawberry.schema.schema import validate_document
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from uvicorn_worker import UvicornWorker

from backend.uvicorn_worker import Worker
from graphql_api.live import LiveTransportWSHandler
from graphql_api.schema import schema

UPGRADE = "a library internal the product relies on changed: read docs/EXTENDING.md's table again"

# The sha256 of each copied or overridden method's source, as read when the override was written.
PINNED = {
    (UvicornWorker, "_serve"): "eb799ef03d6393179135c6235dc0a9a00884ad34bc600a0b8cc514d22c25aafc",
    (
        BaseGraphQLTransportWSHandler,
        "_handle_pre_execution_error",
    ): "3226a1a9b2e36e82036607537c8134753dd9539df86b279edd778edb8fa83936",
}


def source_sha256(owner: type, name: str) -> str:
    return hashlib.sha256(inspect.getsource(getattr(owner, name)).encode()).hexdigest()


def test_the_overridden_private_methods_are_the_ones_read():
    changed = [
        f"{owner.__name__}.{name}"
        for (owner, name), pinned in PINNED.items()
        if source_sha256(owner, name) != pinned
    ]
    assert changed == [], UPGRADE


def test_the_overrides_still_override_something():
    assert "_serve" in Worker.__dict__ and hasattr(UvicornWorker, "_serve"), UPGRADE
    assert "_handle_pre_execution_error" in LiveTransportWSHandler.__dict__
    assert hasattr(BaseGraphQLTransportWSHandler, "_handle_pre_execution_error"), UPGRADE


def test_strawberry_validates_documents_through_validate_document():
    # graphql_api.persisted validates a trusted document as Strawberry validates any
    # document (Strawberry's own rules added), through the same function.
    assert list(inspect.signature(validate_document).parameters) == ["schema", "document", "validation_rules"]
    assert "validate_document(" in inspect.getsource(strawberry_schema_module._run_validation), UPGRADE


def test_the_graphql_core_schema_is_strawberrys_private_attribute():
    # The limits, the cost estimate and the trusted documents read graphql-core's schema here.
    assert isinstance(schema._schema, GraphQLSchema), UPGRADE

"""Who may run an operation at all: anonymous callers get ``me`` and nothing else.

This is checked once per operation, as a validation rule, so an anonymous
request for anything else is refused before any resolver runs: the answer is
``data: null`` and one error with ``extensions.code = "UNAUTHENTICATED"``.
Which rows an authenticated caller sees is not decided here but by the core's
``visible_to`` (see ``graphql_api.types``), and which rows they may change by
the core's services.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule
from strawberry.extensions import SchemaExtension

from .errors import UNAUTHENTICATED

# Root fields an anonymous caller may select. Introspection (``__schema``,
# ``__type``) is allowed here and switched off separately by
# GRAPHQL_INTROSPECTION; ``__typename`` reveals nothing.
ANONYMOUS_ROOT_FIELDS = frozenset({"me", "__typename", "__schema", "__type"})
AUTHENTICATION_REQUIRED = "Authentication required: send `Authorization: Token <key>` or log in."


class AnonymousRootFieldsRule(ValidationRule):
    """Refuses any root field outside ``ANONYMOUS_ROOT_FIELDS``.

    A field whose parent type is a root operation type is a root field,
    whether it is written directly, inside an inline fragment or in a named
    fragment spread at the top level.
    """

    reported = False

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if self.reported or node.name.value in ANONYMOUS_ROOT_FIELDS:
            return
        schema = self.context.schema
        roots = {schema.query_type, schema.mutation_type, schema.subscription_type}
        if self.context.get_parent_type() in roots:
            self.reported = True
            self.report_error(GraphQLError(AUTHENTICATION_REQUIRED, extensions={"code": UNAUTHENTICATED}))


class RequireAuthentication(SchemaExtension):
    """Adds ``AnonymousRootFieldsRule`` to the validation of anonymous callers' operations."""

    def on_validate(self) -> Iterator[None]:
        user = self.execution_context.context.request.user
        if not user.is_authenticated:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                AnonymousRootFieldsRule,
            )
        yield

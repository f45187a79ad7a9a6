"""The GraphQL schema served at ``/graphql/`` and printed to ``schema.graphql`` (``make schema``).

Settings are not read here: every extension is a class or a factory that
Strawberry calls once per operation, and the factories in ``graphql_api.limits``
read settings at that moment (see there). So this one ``schema`` object is
correct under any settings, in production and under ``override_settings``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from graphql import GraphQLError
from strawberry import Schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry_django.optimizer import DjangoOptimizerExtension

from .access import RequireAuthentication
from .base import check_schema_types
from .caching import CACHE_EXTENSIONS
from .errors import ErrorCodes, log_errors, mark_outage, outage_of
from .executor import LeafColumnsExecutor
from .limits import LIMIT_EXTENSIONS, error_mask
from .metrics import OperationMetrics
from .mutations import Mutation
from .persisted import TrustedDocuments
from .queries import Query
from .scalars import SCALAR_MAP
from .subscriptions import Subscription, SubscriptionsOverWebSocketOnly


class GraphQLSchema(Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None):
        # Called with the original errors, before MaskErrors replaces the
        # unexpected ones: log those with their traceback; the rest are the
        # client's mistakes and are only worth a debug line.
        log_errors(errors)
        # An outage (database, statement timeout, shared cache) is not a bug: the HTTP view
        # answers a coded 503 for it; a socket gets the coded error the mask makes of it.
        request = execution_context.context.request if execution_context is not None else None
        if isinstance(request, HttpRequest):
            for error in errors:
                outage = outage_of(error.original_error)
                if outage is not None:
                    mark_outage(request, outage)


def query_optimizer() -> DjangoOptimizerExtension:
    """strawberry-django's optimizer as shipped, run the way NetBox runs it.

    ``prefetch_custom_queryset=True``: a nested list's prefetch starts from the
    model's default manager (its own queryset class, as root fields have it),
    not the base manager. Either way the optimizer then runs the type's
    ``get_queryset`` (for ``Example``, ``visible_to``), so a list added under
    another type cannot skip the read rule (NetBox #17310);
    tests/graphql/test_optimizer.py proves it on a throwaway nested list.
    """
    return DjangoOptimizerExtension(prefetch_custom_queryset=True)


def tracing_extensions() -> list:
    """The operation's span (backend.tracing) when traces are on; when off, not even the import."""
    if not settings.TRACING:
        return []
    from backend.tracing import operation_extensions

    return operation_extensions()


def build_schema(query: type = Query, mutation: type = Mutation) -> GraphQLSchema:
    """The served schema; ``query``/``mutation`` are parameters so a test can serve the product's
    root types merged with a throwaway resource's (tests/matrix/throwaway.py) under the same extensions."""
    built = GraphQLSchema(
        query=query,
        mutation=mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        # Plain leaf columns outside graphql-core's per-field path (see there).
        execution_context_class=LeafColumnsExecutor,
        extensions=[
            # First: extensions exit in reverse order, so this one's exit runs after every
            # other's and names any error still without a code (the masked ones too).
            ErrorCodes,
            # Outside the rest: the operation's span covers their work too.
            *tracing_extensions(),
            # Its exit sees the outcome of every other extension's work.
            OperationMetrics,
            *LIMIT_EXTENSIONS,
            RequireAuthentication,
            SubscriptionsOverWebSocketOnly,
            # After every extension that adds validation rules, before the parse cache (see there).
            TrustedDocuments,
            # After every extension that adds validation rules (see there).
            *CACHE_EXTENSIONS,
            query_optimizer,
            # Last, so it sees every error the others produced.
            error_mask,
        ],
    )
    # Fail at import when a type of a model was built without the policy base.
    check_schema_types(built)
    return built


schema = build_schema()

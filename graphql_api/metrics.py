"""GraphQL operations in the Prometheus metrics (backend/metrics.py): by operation, type and outcome, with the cost.

The operation label is the name of a trusted document's operation (the
manifest and the retained documents: a fixed set, graphql_api.persisted), and
``other`` for any text a client wrote itself: its operation name is the
client's choice, and a label of unbounded values would grow the metrics
without limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from backend.metrics import GRAPHQL_COST, GRAPHQL_OPERATIONS

from .persisted import get_manifest

UNTRUSTED = "other"
# Where DocumentLimits leaves the estimate (graphql_api.limits) for this extension's exit.
_COST_ATTRIBUTE = "_metrics_cost"


def remember_cost(context: ExecutionContext, cost: int | None) -> None:
    setattr(context, _COST_ATTRIBUTE, cost)


def operation_label(context: ExecutionContext) -> str:
    trusted = get_manifest().for_text(context.query)
    if trusted is None or not trusted.operation_names:
        return UNTRUSTED
    name = context.operation_name
    return name if name in trusted.operation_names else trusted.operation_names[0]


def operation_type(context: ExecutionContext) -> str:
    try:
        kind = context.operation_type
    except Exception:  # no document (a parse error) or no such operation: nothing ran
        return "unknown"
    return kind.value if kind in OperationType else "unknown"


def outcome_of(context: ExecutionContext, raised: bool) -> str:
    """``rejected``: refused before execution (syntax, validation, a limit); ``error``: ran with errors."""
    if raised or context.pre_execution_errors:
        return "rejected"
    result = context.result
    if result is None:
        return "rejected"
    return "error" if result.errors else "ok"


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        raised = True
        try:
            yield
            raised = False
        finally:
            self._record(raised)

    def _record(self, raised: bool) -> None:
        context = self.execution_context
        label = operation_label(context)
        GRAPHQL_OPERATIONS.labels(label, operation_type(context), outcome_of(context, raised)).inc()
        cost = getattr(context, _COST_ATTRIBUTE, None)
        if cost is not None:
            GRAPHQL_COST.labels(label).observe(cost)

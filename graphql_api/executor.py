"""The one override of graphql-core's executor this schema keeps: plain leaf columns without the per-field machinery.

Why: at 100 rows a list answers 500 leaf values, and graphql-core completes
each through ``execute_field`` (a ``Path``, a ``GraphQLResolveInfo`` of 15
items, the middleware chain, ``complete_value`` twice for a non-null type,
``coerce_output_value``). For a Strawberry *basic* field (``ColumnField``:
a plain column, no resolver, no field extension, no arguments) Strawberry's
own resolver ignores the info and reads the attribute; everything else is
bookkeeping for errors that cannot happen on a plain value. Measured gain:
docs/decisions/0003-strawberry-per-field-work.md.

How it stays correct: ``execute_fields`` is overridden (graphql-core's
``executor_class``, passed by Strawberry's public ``execution_context_class``)
and takes the short path for a selection set only when every condition
below holds; anything else, or any surprise on a row, runs graphql-core's
own ``execute_fields`` for that whole row, so errors, paths, nullability,
masking and awaitables are exactly graphql-core's:

- no ``@defer`` in play (``position_context is None``);
- every middleware (Strawberry's extensions with a ``resolve`` hook) is in
  ``PASS_THROUGH_MIDDLEWARE``: known to return a plain value unchanged
  (strawberry-django's optimizer only touches managers and querysets). A team
  that adds an extension with a ``resolve`` hook turns the short path off;
- per field: Strawberry's basic-field resolver (``_get_basic_result``), no
  arguments or directives in the document, a scalar or enum return type;
- per value: its exact type is one of ``PLAIN_TYPES`` and the scalar's
  ``coerce_output_value`` gives a non-null result. A ``None`` in a non-null
  field, a file, a lazy object, a coroutine or a failing coercion sends the
  row down the full path, which reports it as graphql-core would.

Fields that are not leaves (relations, resolvers, lists) in the same
selection set run through graphql-core's own ``execute_fields``, on the same
row, after the leaves; the answer keeps the document's field order.

What it relies on, each checked by tests/graphql/test_executor.py so an
upgrade that changes it fails loudly: ``Executor.execute_fields``'s
signature and its memoized ``GroupedFieldSet`` (a dict of response name to
``FieldDetails``), Strawberry naming its basic-field resolver
``_get_basic_result`` and calling it without an info, ``MiddlewareManager.middlewares``,
and ``DjangoOptimizerExtension.resolve`` returning plain values unchanged.
"""

from __future__ import annotations

import datetime
import decimal
import inspect
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import GraphQLNonNull, Undefined, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry_django.optimizer import DjangoOptimizerExtension

# Strawberry's name for the resolver it builds for a basic field (strawberry/schema/schema_converter.py).
BASIC_RESOLVER_NAME = "_get_basic_result"

# Middleware whose ``resolve`` returns a plain (non-queryset) value as it got it.
PASS_THROUGH_MIDDLEWARE: tuple[type, ...] = (DjangoOptimizerExtension,)

# Values the short path completes itself; any other type takes the full path.
PLAIN_TYPES = frozenset(
    {str, int, float, bool, datetime.datetime, datetime.date, datetime.time, decimal.Decimal, uuid.UUID}
)


class LeafStep(NamedTuple):
    response_name: str
    resolve: Callable[..., Any]
    coerce: Callable[[Any], Any]
    non_null: bool


class Plan(NamedTuple):
    leaves: tuple[LeafStep, ...]
    # The other fields, as a GroupedFieldSet of their own (None when there are none).
    rest: dict[str, Any] | None
    # The document's order of response names.
    order: tuple[str, ...]


class LeafColumnsExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(grouped field set) -> (that set, its plan or None); the set is kept so its id stays its own.
        self._plans: dict[int, tuple[Any, Plan | None]] = {}
        self._short_path_allowed = self._middleware_passes_through()

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        plan = self._plan(parent_type, grouped_field_set) if position_context is None else None
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        leaves = self._complete_leaves(plan, source_value)
        if leaves is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        if plan.rest is None:
            return leaves
        rest = super().execute_fields(parent_type, source_value, path, plan.rest, position_context)
        if self.is_awaitable(rest):
            return _merge_later(plan.order, leaves, rest)
        return _merge(plan.order, leaves, rest)

    @staticmethod
    def _complete_leaves(plan: Plan, source: Any) -> dict[str, Any] | None:
        """The leaf values of one row, or None when any of them needs graphql-core's full path."""
        results: dict[str, Any] = {}
        try:
            for step in plan.leaves:
                value = step.resolve(source, None)
                if value is None:
                    if step.non_null:
                        return None
                    results[step.response_name] = None
                    continue
                if type(value) not in PLAIN_TYPES:
                    if inspect.iscoroutine(value):
                        value.close()  # a resolver's thread hop: the full path calls it again and awaits that
                    return None
                coerced = step.coerce(value)
                if coerced is None or coerced is Undefined:
                    return None
                results[step.response_name] = coerced
        except Exception:  # the full path raises it again, located, as graphql-core does
            return None
        return results

    def _plan(self, parent_type, grouped_field_set) -> Plan | None:
        cached = self._plans.get(id(grouped_field_set))
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        plan = self._build_plan(parent_type, grouped_field_set) if self._short_path_allowed else None
        self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    def _build_plan(self, parent_type, grouped_field_set) -> Plan | None:
        leaves: list[LeafStep] = []
        rest: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            step = self._leaf_step(parent_type, response_name, field_details_list)
            if step is None:
                rest[response_name] = field_details_list
            else:
                leaves.append(step)
        if not leaves:
            return None
        return Plan(tuple(leaves), rest or None, tuple(grouped_field_set))

    def _leaf_step(self, parent_type, response_name: str, field_details_list) -> LeafStep | None:
        nodes = [details.node for details in field_details_list]
        field_def = self.schema.get_field(parent_type, nodes[0].name.value)
        if field_def is None or field_def.args:
            return None
        if any(node.arguments or node.directives or node.selection_set for node in nodes):
            return None
        resolve = field_def.resolve
        if getattr(resolve, "__name__", None) != BASIC_RESOLVER_NAME:
            return None
        return_type = field_def.type
        non_null = isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if non_null else return_type
        if not is_leaf_type(named):
            return None
        return LeafStep(response_name, resolve, named.coerce_output_value, non_null)

    def _middleware_passes_through(self) -> bool:
        manager = self.middleware_manager
        if manager is None:
            return True
        return all(isinstance(middleware, PASS_THROUGH_MIDDLEWARE) for middleware in manager.middlewares)


def _merge(order: tuple[str, ...], leaves: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    # graphql-core leaves out a field it could not find (Undefined); so does this.
    return {
        name: leaves[name] if name in leaves else rest[name]
        for name in order
        if name in leaves or name in rest
    }


async def _merge_later(order: tuple[str, ...], leaves: dict[str, Any], rest: Any) -> dict[str, Any]:
    return _merge(order, leaves, await rest)

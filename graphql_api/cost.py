"""What one operation can produce, estimated from the schema before it runs.

The model is Saleor's query cost map and IBM/Apollo demand control
(``@cost``/``@listSize``), with the weights and list sizes found from the
schema rather than written per field, so a type a team adds later is costed
without anyone remembering to:

- every selected field costs 1 for each time it is resolved, plus a text
  weight for a column that can hold a lot of text: ``ceil(max_length /
  GRAPHQL_COST_CHARS_PER_POINT)`` from the Django model field a
  strawberry-django field reads (``Example.content``, 100,000 characters,
  weighs 100 in all; a ``TextField`` without ``max_length`` weighs
  ``GRAPHQL_COST_UNBOUNDED_TEXT_WEIGHT``);
- a list multiplies the cost of what is selected under it by its size: the
  page the client asked for, clamped as ``api.paging`` clamps it, when the
  field or the field above it takes a strawberry-django ``pagination``
  argument (``examples(pagination: {limit: 100}) { results { ... } }``);
  or, for a Relay-style connection (a field taking ``first`` and ``last``,
  ``examplesConnection``), ``first`` or ``last`` clamped the same way, which
  multiplies the ``edges`` under it;
  otherwise ``GRAPHQL_COST_DEFAULT_LIST_SIZE``;
- aliases and fragments count every time they are selected;
- each condition of a ``filters`` argument (a lookup, a search, at any
  depth of ``AND``/``OR``/``NOT``) costs ``GRAPHQL_COST_PER_FILTER_CONDITION``:
  the database tests it against every row the caller may see, whatever the
  page size (graphql_api.filter_work counts them);
- introspection (``__schema``, ``__type``) costs the number of types in the
  schema, whatever is selected under it;
- ``COST_OVERRIDES`` sets the weight or list size of a field where the
  schema cannot say it (a computed list, an expensive resolver).

The bound this gives, written down in docs/GRAPHQL.md ("What the limits bound"): a point is at most
``GRAPHQL_COST_CHARS_PER_POINT`` characters of field value, so an operation
within ``GRAPHQL_MAX_COST`` answers at most ``GRAPHQL_MAX_COST *
GRAPHQL_COST_CHARS_PER_POINT`` characters of values (each at most 6 bytes of
JSON, ``\\u00XX``); ``GRAPHQL_MAX_RESPONSE_BYTES`` is the backstop.

Written here: the maintained cost analysers (graphql-query-complexity,
graphql-cost-analysis, GraphQL Armor) are JavaScript; neither Strawberry nor
graphql-core ships one, and none reads list sizes from strawberry-django's
pagination or weights from Django model fields.

The walk visits each selection once per distinct (fragment, page size)
pair: fragments are memoized, so any document, a fragment bomb included, is
costed in time linear in its size. This estimate is what refuses a document
that expands too far: graphql_api.limits counts no spreads or fields.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.utilities import get_operation_ast
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.pagination import OffsetPaginationInput

from api.paging import PageError, parse_page

from .filter_work import filter_work, given

PAGINATION_INPUT = OffsetPaginationInput.__strawberry_definition__.name  # type: ignore[attr-defined]
# strawberry-django's argument of a filtered list.
FILTERS_ARGUMENT = "filters"


@dataclass(frozen=True)
class Override:
    """The cost of one field where the schema cannot tell: ``weight`` per resolution, ``list_size``."""

    weight: int | None = None
    list_size: int | None = None


# "Type.field" -> Override. Empty today: every field of this schema is costed
# from the schema and the models. Add a field here when its resolver does
# more work than its type shows, or returns a list of a known size.
COST_OVERRIDES: Mapping[str, Override] = {}


@dataclass(frozen=True)
class CostSettings:
    default_list_size: int
    chars_per_point: int
    unbounded_text_weight: int
    per_filter_condition: int

    @classmethod
    def current(cls) -> CostSettings:
        return cls(
            default_list_size=settings.GRAPHQL_COST_DEFAULT_LIST_SIZE,
            chars_per_point=settings.GRAPHQL_COST_CHARS_PER_POINT,
            unbounded_text_weight=settings.GRAPHQL_COST_UNBOUNDED_TEXT_WEIGHT,
            per_filter_condition=settings.GRAPHQL_COST_PER_FILTER_CONDITION,
        )


def text_weight(field: GraphQLField, config: CostSettings) -> int:
    """The extra weight of a field that reads a long text column, from its Django model field."""
    definition = field.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryDjangoField) or definition.origin_django_type is None:
        return 0
    model = definition.origin_django_type.model
    try:
        model_field = model._meta.get_field(definition.django_name or definition.python_name)
    except FieldDoesNotExist:
        return 0
    if not isinstance(model_field, models.CharField | models.TextField):
        return 0
    if model_field.max_length is None:
        return config.unbounded_text_weight if isinstance(model_field, models.TextField) else 0
    return max(0, math.ceil(model_field.max_length / config.chars_per_point) - 1)


def list_depth(type_: Any) -> int:
    """How many list wrappers a field's type has (``[[X!]!]`` is 2)."""
    depth = 0
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        if isinstance(type_, GraphQLList):
            depth += 1
        type_ = type_.of_type
    return depth


def pagination_argument(field: GraphQLField) -> str | None:
    for name, argument in field.args.items():
        if get_named_type(argument.type).name == PAGINATION_INPUT:
            return name
    return None


CONNECTION_ARGUMENTS = ("first", "last")


def is_connection_field(field: GraphQLField) -> bool:
    """A Relay-style connection: ``first``/``last`` page sizes (strawberry's relay arguments)."""
    return all(
        name in field.args and get_named_type(field.args[name].type).name == "Int"
        for name in CONNECTION_ARGUMENTS
    )


class _Estimator:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: VariableValues, config: CostSettings
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.config = config
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[tuple[str, int | None], int] = {}
        self.on_path: set[str] = set()

    def page_size(self, field: GraphQLField, node: FieldNode, argument: str) -> int:
        try:
            values = get_argument_values(field, node, self.variables)
        except (GraphQLError, ValueError, TypeError):
            return 0  # Execution reports the bad argument; nothing is listed.
        page = values.get(argument)
        # graphql-core's coerced input: a dict (or a Strawberry input object).
        limit = page.get("limit") if isinstance(page, dict) else getattr(page, "limit", None)
        try:
            return parse_page(limit if isinstance(limit, int) else None).limit
        except PageError:
            return 0  # A refused limit lists nothing (execution answers BAD_USER_INPUT).

    def connection_page_size(self, field: GraphQLField, node: FieldNode) -> int:
        try:
            values = get_argument_values(field, node, self.variables)
        except (GraphQLError, ValueError, TypeError):
            return 0  # Execution reports the bad argument; nothing is listed.
        first, last = values.get("first"), values.get("last")
        size = last if first is None else first
        try:
            return parse_page(size if isinstance(size, int) else None).limit
        except PageError:
            return 0  # A refused size lists nothing (execution answers BAD_USER_INPUT).

    def filter_cost(self, field: GraphQLField, node: FieldNode) -> int:
        """The points of the conditions in a field's ``filters`` (0 without one)."""
        if FILTERS_ARGUMENT not in field.args:
            return 0
        try:
            values = get_argument_values(field, node, self.variables)
        except (GraphQLError, ValueError, TypeError):
            return 0  # Execution reports the bad argument; nothing is filtered.
        value = values.get(FILTERS_ARGUMENT)
        if not given(value):
            return 0
        return filter_work(value).conditions * self.config.per_filter_condition

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, page: int | None
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                total += self.selection_set(selection.selection_set, condition or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.on_path:
            return 0
        condition = self.schema.get_type(definition.type_condition.name.value)
        if condition is None:
            return 0
        self.on_path.add(name)
        try:
            cost = self.selection_set(definition.selection_set, condition, page)
        finally:
            self.on_path.discard(name)
        self.memo[key] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: int | None) -> int:
        name = node.name.value
        if name == "__typename" or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 1 if name == "__typename" else 0
        if name in ("__schema", "__type"):
            # Introspection answers about the schema, not rows: bounded by the
            # schema's size whatever is selected under it.
            return len(self.schema.type_map)
        field = parent.fields.get(name)
        if field is None:
            return 0
        override = COST_OVERRIDES.get(f"{parent.name}.{name}", Override())
        weight = 1 + (override.weight if override.weight is not None else text_weight(field, self.config))
        if node.selection_set is None:
            return weight * self.multiplier(field, node, override, page)
        argument = pagination_argument(field)
        if argument:
            own_page: int | None = self.page_size(field, node, argument)
        elif is_connection_field(field):
            own_page = self.connection_page_size(field, node)
        else:
            own_page = None
        size = self.multiplier(field, node, override, own_page if own_page is not None else page)
        child_page = own_page if own_page is not None and list_depth(field.type) == 0 else None
        named = get_named_type(field.type)
        # Filtering happens once per resolution of the field, not per row listed.
        return size * (
            weight + self.filter_cost(field, node) + self.selection_set(node.selection_set, named, child_page)
        )

    def multiplier(self, field: GraphQLField, node: FieldNode, override: Override, page: int | None) -> int:
        depth = list_depth(field.type)
        if depth == 0:
            return 1
        if override.list_size is not None:
            size = override.list_size
        elif page is not None:
            size = page
        else:
            size = self.config.default_list_size
        return size**depth


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    config: CostSettings | None = None,
) -> int | None:
    """The cost of the operation that will run, or None when it cannot run (execution says why)."""
    operation = get_operation_ast(document, operation_name)
    if not isinstance(operation, OperationDefinitionNode):
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None  # Bad variables: execution reports them and runs nothing.
    estimator = _Estimator(schema, document, coerced, config or CostSettings.current())
    return estimator.selection_set(operation.selection_set, root, None)

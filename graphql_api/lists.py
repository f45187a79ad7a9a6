"""Every list a client passes in (argument, input field, variable) has a cap, found from the schema.

(And an input object in a variable names only its type's fields: see ``unknown_field``.)

A list argument is work the client chooses the size of: 40,000 ``ordering``
keys in a variable cost seconds of CPU while graphql-core coerces them and
strawberry-django turns them into ``ORDER BY`` terms. The document's token
limit bounds lists written inline, but not variables. So, before any
variable is coerced (graphql-core does it once for the cost estimate and
once for execution), the raw variables and the document's literals are
walked against the schema and every list is compared with its cap:

- a list of ordering keys (an input type whose leaves are all strawberry-
  django's ``Ordering`` enum, e.g. ``[ExampleOrder!]``): at most as many
  items as there are orderable fields, as REST's ``?ordering=``
  (api.v1.ordering). A key given again is dropped on both surfaces: REST's
  parser drops it, and Django leaves a repeated term out of the ``ORDER BY``
  (a second sort by a field breaks no tie);
- a list of an enum: at most the number of its values;
- any other list: ``GRAPHQL_MAX_LIST_ITEMS``.

The caps come from the item type, so a list argument or input field added
later is capped without anyone listing it (tests/graphql/test_list_caps.py
walks the served schema to prove it). A refusal is one ``BAD_USER_INPUT``
error naming the ``field`` (the variable or argument path), with ``limit``
and ``found``; nothing runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    ListValueNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    type_from_ast,
    visit,
)
from graphql.pyutils import did_you_mean, suggestion_list
from strawberry_django.ordering import Ordering

from .errors import BAD_USER_INPUT

ORDERING_ENUM = Ordering.__name__  # strawberry-django's enum keeps its Python name in the schema


def ordering_leaves(type_: GraphQLInputObjectType, seen: frozenset[str] = frozenset()) -> int | None:
    """The number of orderable fields of an ordering input type, or None if it is not one."""
    if type_.name in seen:
        return None
    leaves = 0
    for field in type_.fields.values():
        named = get_named_type(field.type)
        if isinstance(named, GraphQLEnumType) and named.name == ORDERING_ENUM:
            leaves += 1
        elif isinstance(named, GraphQLInputObjectType):
            nested = ordering_leaves(named, seen | {type_.name})
            if nested is None:
                return None
            leaves += nested
        else:
            return None
    return leaves or None


def list_cap(item_type: Any) -> int:
    """How many items a list of ``item_type`` may hold."""
    named = get_named_type(item_type)
    if isinstance(named, GraphQLInputObjectType):
        leaves = ordering_leaves(named)
        if leaves is not None:
            return leaves
    if isinstance(named, GraphQLEnumType):
        return len(named.values)
    return settings.GRAPHQL_MAX_LIST_ITEMS


def too_many(path: str, cap: int, found: int) -> GraphQLError:
    return GraphQLError(
        f"`{path}` takes at most {cap} items; {found} given.",
        extensions={"code": BAD_USER_INPUT, "field": path, "limit": cap, "found": found},
    )


# A field name is echoed in the message; one longer than this is cut there.
ECHO_MAX = 40


def unknown_field(path: str, type_name: str, name: str, fields: Iterable[str]) -> GraphQLError:
    """The first unknown field of an input object in a variable, refused before coercion.

    graphql-core would report every unknown field, each with a search for a
    similar name: 20,000 of them in one variable cost a minute of CPU.
    """
    shown = name if len(name) <= ECHO_MAX else name[:ECHO_MAX] + "…"
    # graphql-core's words for one name, only while introspection is on (as graphql_api.limits.HideSuggestions).
    suggest = settings.GRAPHQL_INTROSPECTION and len(name) <= ECHO_MAX
    hint = did_you_mean(suggestion_list(name, list(fields))) if suggest else ""
    return GraphQLError(
        f"`{path}`: {type_name} has no field `{shown}`.{hint}",
        extensions={"code": BAD_USER_INPUT, "field": path},
    )


def check_items(path: str, item_type: Any, size: int) -> None:
    """Raise for a list of ``size`` items over its cap."""
    cap = list_cap(item_type)
    if size > cap:
        raise too_many(path, cap, size)


def check_value(type_: GraphQLInputType, value: Any, path: str) -> None:
    """Walk one raw (uncoerced) variable value against its declared type, iteratively."""
    stack: list[tuple[Any, Any, str]] = [(type_, value, path)]
    while stack:
        current, item, where = stack.pop()
        if isinstance(current, GraphQLNonNull):
            current = current.of_type
        if isinstance(current, GraphQLList):
            if isinstance(item, list):
                check_items(where, current.of_type, len(item))
                stack.extend((current.of_type, element, where) for element in item)
            else:  # A single value stands for a list of one (input coercion).
                stack.append((current.of_type, item, where))
        elif isinstance(current, GraphQLInputObjectType) and isinstance(item, dict):
            unknown = next((name for name in item if name not in current.fields), None)
            if unknown is not None:
                raise unknown_field(where, current.name, unknown, current.fields)
            for name, field in current.fields.items():
                if name in item:
                    stack.append((field.type, item[name], f"{where}.{name}"))


def check_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any] | None
) -> None:
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if not variables or name not in variables:
            continue
        type_ = type_from_ast(schema, definition.type)
        if type_ is not None:
            check_value(type_, variables[name], name)


class _LiteralLists(Visitor):
    """Checks each list written in the document against the list type at its position."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.path: list[str] = []

    def enter_argument(self, node, *_args):
        self.path.append(node.name.value)

    def leave_argument(self, node, *_args):
        self.path.pop()

    def enter_object_field(self, node, *_args):
        self.path.append(node.name.value)

    def leave_object_field(self, node, *_args):
        self.path.pop()

    def enter_list_value(self, node: ListValueNode, *_args):
        list_type = self.type_info.get_parent_input_type()
        if isinstance(list_type, GraphQLNonNull):
            list_type = list_type.of_type
        if isinstance(list_type, GraphQLList):
            check_items(".".join(self.path), list_type.of_type, len(node.values))


def check_literals(schema: GraphQLSchema, document: DocumentNode) -> None:
    type_info = TypeInfo(schema)
    visit(document, TypeInfoVisitor(type_info, _LiteralLists(type_info)))


def check_lists(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
) -> None:
    """Raise the ``BAD_USER_INPUT`` error of the first list over its cap, in the variables or the document."""
    check_variables(schema, operation, variables)
    check_literals(schema, document)

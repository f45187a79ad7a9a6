"""The depth and aliases of a parsed document, measured in one walk, each fragment once.

Strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` (0.341) still
re-walk a fragment every time it is spread, before anything could refuse the
document: a fragment bomb of 18 levels (1 KB, each fragment spreading the
next twice) costs them 0.6-1.7 s, doubling with each level. ``measure``
visits every node of the document once: a fragment's numbers are computed
the first time it is spread and reused (memoized by name), and the alias
count, which grows with each spread, is multiplied out arithmetically. So
the work is linear in the size of the document whatever it expands to.

What a fragment bomb expands to (fields, spreads) is bounded elsewhere:
graphql-core's own validation budgets bound the work of validating it, and
the cost estimate (``graphql_api.cost``, memoized the same way) refuses what
it would produce.

Written here rather than taken from a library: no maintained package measures
a graphql-core document this way (graphql-core's own ``FragmentNestingVisitor``
only measures nesting, and only to protect the interpreter's stack).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# Counts are multiplied through spreads; past this they are all "too many",
# and keeping them small keeps the arithmetic cheap.
SATURATED = 10**12


def _cap(value: int) -> int:
    return min(value, SATURATED)


@dataclass(slots=True)
class Shape:
    """What one selection set expands to, fragments spread in.

    ``depth`` is counted as Strawberry's ``QueryDepthLimiter`` counts it (a
    field with a selection set is one level; introspection fields, those
    starting with ``__``, count nothing). ``aliases`` counts every occurrence
    in the expanded document: a fragment spread twice counts twice, as
    Strawberry's ``MaxAliasesLimiter`` counts.
    """

    depth: int = 0
    aliases: int = 0

    def merge(self, other: Shape) -> None:
        """Add a fragment's (or inline fragment's) selections to this selection set."""
        self.depth = max(self.depth, other.depth)
        self.aliases = _cap(self.aliases + other.aliases)


@dataclass(slots=True)
class DocumentShape:
    """The numbers the limits are checked against, for a whole document."""

    operations: list[tuple[str, Shape]] = field(default_factory=list)
    aliases: int = 0
    nodes_visited: int = 0
    """Selections visited by ``measure``: the proof, in tests, that the walk is linear."""


class _Walker:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.memo: dict[str, Shape] = {}
        self.on_path: set[str] = set()
        self.visited = 0

    def fragment(self, name: str) -> Shape:
        shape = self.memo.get(name)
        if shape is not None:
            return shape
        definition = self.fragments.get(name)
        if definition is None or name in self.on_path:
            # An unknown fragment or a cycle: graphql-core's own rules report
            # both (KnownFragmentNames, NoFragmentCycles); count nothing here.
            return Shape()
        self.on_path.add(name)
        try:
            shape = self.selection_set(definition.selection_set)
        finally:
            self.on_path.discard(name)
        self.memo[name] = shape
        return shape

    def selection_set(self, selection_set: SelectionSetNode) -> Shape:
        shape = Shape()
        for selection in selection_set.selections:
            self.visited += 1
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    shape.aliases = _cap(shape.aliases + 1)
                if selection.selection_set is not None:
                    child = self.selection_set(selection.selection_set)
                    if not selection.name.value.startswith("__"):
                        shape.depth = max(shape.depth, 1 + child.depth)
                    shape.aliases = _cap(shape.aliases + child.aliases)
            elif isinstance(selection, InlineFragmentNode):
                shape.merge(self.selection_set(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                shape.merge(self.fragment(selection.name.value))
        return shape


def measure(document: DocumentNode) -> DocumentShape:
    """The shape of every operation of ``document``, in one walk of its nodes.

    The document's aliases add up the operations, which is what execution
    and Strawberry's alias limit count.

    Raises ``RecursionError`` for documents nested past the interpreter's
    stack (a chain of hundreds of fragments); the caller refuses those.
    """
    walker = _Walker(document)
    result = DocumentShape()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            shape = walker.selection_set(definition.selection_set)
            name = definition.name.value if definition.name else "anonymous"
            result.operations.append((name, shape))
            result.aliases = _cap(result.aliases + shape.aliases)
    result.nodes_visited = walker.visited
    return result

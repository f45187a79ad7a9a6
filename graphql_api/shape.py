"""The shape of a parsed document, measured in one walk, each fragment once.

Strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` re-walk a
fragment every time it is spread, so a 1 KB document of 20 fragments that
each spread the next one twice costs 2**20 walks; graphql-core's
``OverlappingFieldsCanBeMergedRule`` compares every pair of same-named fields
of a selection set, so 495 copies of one field cost 120,000 comparisons. Both
run before anything could refuse the document. ``measure`` instead visits
every node of the document once: a fragment's numbers are computed the first
time it is spread and reused (memoized by name), and the numbers that grow
with each spread (fields, aliases, spreads) are multiplied out arithmetically,
never by walking again. So the work is linear in the size of the document
whatever it expands to, and the limits in ``graphql_api.limits`` refuse a
document on these numbers before graphql-core's own rules see it.

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
    starting with ``__``, count nothing). ``fields``, ``aliases`` and
    ``spreads`` count every occurrence in the expanded document: a fragment
    spread twice counts twice. ``width`` is the number of fields of this
    selection set once its fragments are merged into it (what
    overlapping-fields validation compares pairwise); ``widest`` is the
    largest ``width`` of any selection set inside.
    """

    depth: int = 0
    fields: int = 0
    aliases: int = 0
    spreads: int = 0
    width: int = 0
    widest: int = 0

    def merge(self, other: Shape) -> None:
        """Add a fragment's (or inline fragment's) selections to this selection set."""
        self.depth = max(self.depth, other.depth)
        self.fields = _cap(self.fields + other.fields)
        self.aliases = _cap(self.aliases + other.aliases)
        self.spreads = _cap(self.spreads + other.spreads)
        self.width = _cap(self.width + other.width)
        self.widest = max(self.widest, other.widest)


@dataclass(slots=True)
class DocumentShape:
    """The numbers the limits are checked against, for a whole document."""

    operations: list[tuple[str, Shape]] = field(default_factory=list)
    fields: int = 0
    aliases: int = 0
    spreads: int = 0
    widest: int = 0
    nodes_visited: int = 0
    """Selections visited by ``measure``: the proof, in tests, that the walk is linear."""

    @property
    def depth(self) -> int:
        return max((shape.depth for _name, shape in self.operations), default=0)


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
                shape.fields = _cap(shape.fields + 1)
                shape.width = _cap(shape.width + 1)
                if selection.alias is not None:
                    shape.aliases = _cap(shape.aliases + 1)
                if selection.selection_set is not None:
                    child = self.selection_set(selection.selection_set)
                    if not selection.name.value.startswith("__"):
                        shape.depth = max(shape.depth, 1 + child.depth)
                    shape.fields = _cap(shape.fields + child.fields)
                    shape.aliases = _cap(shape.aliases + child.aliases)
                    shape.spreads = _cap(shape.spreads + child.spreads)
                    shape.widest = max(shape.widest, child.width, child.widest)
            elif isinstance(selection, InlineFragmentNode):
                shape.merge(self.selection_set(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                shape.spreads = _cap(shape.spreads + 1)
                shape.merge(self.fragment(selection.name.value))
        return shape


def measure(document: DocumentNode) -> DocumentShape:
    """The shape of every operation of ``document``, in one walk of its nodes.

    Document totals (fields, aliases, spreads) add up the operations, which is
    what execution and Strawberry's alias limit count. ``fields`` and
    ``widest`` also include each fragment definition on its own, because
    graphql-core validates every fragment definition by itself too (a
    fragment that is spread is counted both there and where it is spread).

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
            result.fields = _cap(result.fields + shape.fields)
            result.aliases = _cap(result.aliases + shape.aliases)
            result.spreads = _cap(result.spreads + shape.spreads)
            result.widest = max(result.widest, shape.width, shape.widest)
    for name in walker.fragments:
        shape = walker.fragment(name)
        result.fields = _cap(result.fields + shape.fields)
        result.widest = max(result.widest, shape.width, shape.widest)
    result.nodes_visited = walker.visited
    return result


class _Merged:
    """Selection sets with their fragments merged in, as overlapping-fields validation sees them."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.cache: dict[int, dict[str, list[FieldNode]]] = {}

    def fields(self, selection_set: SelectionSetNode) -> dict[str, list[FieldNode]]:
        """Response name -> the fields of ``selection_set`` under it, fragments included."""
        key = id(selection_set)
        cached = self.cache.get(key)
        if cached is None:
            cached = {}
            self._collect(selection_set, cached, set())
            self.cache[key] = cached
        return cached

    def _collect(
        self, selection_set: SelectionSetNode, into: dict[str, list[FieldNode]], seen: set[str]
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.alias.value if selection.alias else selection.name.value
                into.setdefault(name, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                self._collect(selection.selection_set, into, seen)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and selection.name.value not in seen:
                    seen.add(selection.name.value)
                    self._collect(fragment.selection_set, into, seen)


class _BudgetSpent(Exception):
    pass


def overlap_comparisons(document: DocumentNode, budget: int) -> int:
    """How many field pairs overlapping-fields validation may compare, counted up to ``budget + 1``.

    graphql-core's ``OverlappingFieldsCanBeMergedRule`` compares every pair
    of fields with the same response name in a selection set (fragments
    merged in), and for each pair whose fields have selections, every
    same-named pair below them, and so on: quadratic in the copies of a
    name, multiplied through nesting. This counts those pairs on the same
    merged view (an upper bound: graphql-core skips fragment pairs it has
    compared already) and stops as soon as the count passes ``budget``, so
    the counting itself costs at most ``budget`` steps beyond one pass over
    the selection sets.
    """
    merged = _Merged(document)
    count = 0

    def spend() -> None:
        nonlocal count
        count += 1
        if count > budget:
            raise _BudgetSpent

    def between(first: SelectionSetNode | None, second: SelectionSetNode | None) -> None:
        if first is None or second is None:
            return
        second_fields = merged.fields(second)
        for name, fields in merged.fields(first).items():
            others = second_fields.get(name)
            if others:
                for one in fields:
                    for other in others:
                        spend()
                        between(one.selection_set, other.selection_set)

    def within(selection_set: SelectionSetNode) -> None:
        for fields in merged.fields(selection_set).values():
            for index, one in enumerate(fields):
                for other in fields[index + 1 :]:
                    spend()
                    between(one.selection_set, other.selection_set)

    def every_selection_set(selection_set: SelectionSetNode) -> None:
        # The rule checks each selection set of the document where it is written.
        within(selection_set)
        for selection in selection_set.selections:
            inner = getattr(selection, "selection_set", None)  # fields and inline fragments
            if inner is not None:
                every_selection_set(inner)

    try:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
                every_selection_set(definition.selection_set)
    except _BudgetSpent:
        pass
    return count

"""Safety limits, read from settings on every request.

Strawberry builds a fresh extension list for each operation by calling the
classes or factories given to the schema. The extensions below read
``django.conf.settings`` at that moment, so one schema object serves any
configuration, and a test (or ``override_settings``) changes a limit without
rebuilding the schema. No extension instance is ever shared between requests.

Every refusal is one GraphQL error whose ``extensions`` carry a ``code``, the
``limit`` and what was found (docs/GRAPHQL.md lists them):

| setting                          | default | code                            |
|----------------------------------|---------|---------------------------------|
| GRAPHQL_MAX_TOKENS               | 2000    | TOKEN_LIMIT_EXCEEDED            |
| GRAPHQL_MAX_ALIASES              | 15      | ALIAS_LIMIT_EXCEEDED            |
| GRAPHQL_MAX_DEPTH                | 10      | DEPTH_LIMIT_EXCEEDED            |
| (VALIDATION_BUDGET, a constant)  | 5000    | VALIDATION_LIMIT_EXCEEDED       |
| GRAPHQL_MAX_COST                 | 12000   | COST_LIMIT_EXCEEDED             |
| GRAPHQL_MAX_LIST_ITEMS           | 100     | BAD_USER_INPUT (lists.py)       |
| GRAPHQL_MAX_RESPONSE_BYTES       | 32 MiB  | RESPONSE_TOO_LARGE (views.py)   |
| GRAPHQL_MAX_FILTER_BRANCHES      | 8       | FILTER_BRANCH_LIMIT_EXCEEDED (inputs.py) |
| SEARCH_MAX_TERMS                 | 8       | SEARCH_TERM_LIMIT_EXCEEDED (inputs.py)   |
| GRAPHQL_INTROSPECTION            | on (off in production) | INTROSPECTION_DISABLED; suggestions hidden |

Order matters. The token limit bounds parsing. Depth and aliases are a
validation rule (``shape_rule``) measuring the whole document in one linear
walk (``graphql_api.shape``; Strawberry's own limiters re-walk fragments at
every spread) before graphql-core's rules visit it. Validation
itself is bounded by graphql-core's budgets (``VALIDATION_BUDGET`` below;
its fragment work has its own). The cost limit needs a valid document and
the variables, so it is checked after validation, before execution, right
after the list caps (``graphql_api.lists``), which read the raw variables;
it is what refuses a fragment bomb or a document of too many fields.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from graphql import GraphQLError, ValidationContext, ValidationRule, get_operation_ast
from graphql.validation.rules import overlapping_fields_can_be_merged
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import DisableIntrospection, MaskErrors, SchemaExtension
from strawberry.types.execution import StreamExecutionResult

from .cost import estimate_cost
from .errors import INTERNAL_SERVER_ERROR, MASKED_MESSAGE, is_unexpected, outage_error, outage_of
from .lists import check_lists
from .metrics import remember_cost
from .shape import measure

# graphql-core's budget for OverlappingFieldsCanBeMergedRule, per validation
# (its documented knob: the module attribute, read when a validation starts).
# Its default, 500,000, lets one 2000-token document (a field repeated 495
# times) spend 1.6 s validating; at 5000 the worst such document spends
# about 25 ms, while the benchmarks' worst document (22 copies of a field)
# spends 1155, GraphiQL's introspection query none and the frontend's
# operations at most 3. A constant, not a setting: no client needs more.
VALIDATION_BUDGET = 5_000
overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = VALIDATION_BUDGET

TOKEN_LIMIT_EXCEEDED = "TOKEN_LIMIT_EXCEEDED"  # noqa: S105 -- an error code
VALIDATION_LIMIT_EXCEEDED = "VALIDATION_LIMIT_EXCEEDED"
ALIAS_LIMIT_EXCEEDED = "ALIAS_LIMIT_EXCEEDED"
DEPTH_LIMIT_EXCEEDED = "DEPTH_LIMIT_EXCEEDED"
COST_LIMIT_EXCEEDED = "COST_LIMIT_EXCEEDED"
RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
FILTER_BRANCH_LIMIT_EXCEEDED = "FILTER_BRANCH_LIMIT_EXCEEDED"
SEARCH_TERM_LIMIT_EXCEEDED = "SEARCH_TERM_LIMIT_EXCEEDED"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"

LIMIT_CODES = frozenset(
    {
        TOKEN_LIMIT_EXCEEDED,
        VALIDATION_LIMIT_EXCEEDED,
        ALIAS_LIMIT_EXCEEDED,
        DEPTH_LIMIT_EXCEEDED,
        COST_LIMIT_EXCEEDED,
        RESPONSE_TOO_LARGE,
        FILTER_BRANCH_LIMIT_EXCEEDED,
        SEARCH_TERM_LIMIT_EXCEEDED,
    }
)


def limit_error(code: str, message: str, limit: int, **found: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "limit": limit, **found})


@dataclass(frozen=True)
class ShapeLimits:
    depth: int
    aliases: int

    @classmethod
    def current(cls) -> ShapeLimits:
        return cls(depth=settings.GRAPHQL_MAX_DEPTH, aliases=settings.GRAPHQL_MAX_ALIASES)


def shape_error(document, limits: ShapeLimits) -> GraphQLError | None:
    """The first shape limit ``document`` exceeds, as the error to answer, or None."""
    try:
        shape = measure(document)
    except RecursionError:
        return limit_error(
            DEPTH_LIMIT_EXCEEDED, "The document's fragments are nested too deeply.", limits.depth
        )
    if shape.aliases > limits.aliases:
        return limit_error(
            ALIAS_LIMIT_EXCEEDED,
            f"{shape.aliases} aliases found. Allowed: {limits.aliases}",
            limits.aliases,
            found=shape.aliases,
        )
    for name, operation in shape.operations:
        if operation.depth > limits.depth:
            return limit_error(
                DEPTH_LIMIT_EXCEEDED,
                f"'{name}' exceeds maximum operation depth of {limits.depth}",
                limits.depth,
                found=operation.depth,
            )
    return None


@functools.cache
def shape_rule(limits: ShapeLimits) -> type[ValidationRule]:
    """The validation rule of these limits: one class per pair of values, built once.

    The validation caches key a verdict on the rule classes (graphql_api.caching),
    so the same limits must give the same class, and other limits another one.
    """

    class ShapeRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            # The whole document at once, before the visit, in one linear walk.
            error = shape_error(context.document, limits)
            if error is not None:
                context.report_error(error)

    return ShapeRule


class DocumentLimits(SchemaExtension):
    """The token limit at parse time, depth and aliases before validation, the cost before execution."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = settings.GRAPHQL_MAX_TOKENS
        # Depth and aliases are a validation rule (as Strawberry's own limiters are),
        # so a refusal is a validation error on every transport and the
        # validation caches keep its verdict under the rule's class.
        context.validation_rules = (*context.validation_rules, shape_rule(ShapeLimits.current()))
        yield
        # graphql-core's token, budget and introspection errors have no code; give
        # them one on the way out. (Strawberry builds the result from the
        # error list before the parse and validation hooks end, so this is
        # the one place that sees them.)
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_with_code(error) for error in result.errors]

    def on_parse(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # A parse cache before Strawberry's own parse may raise here.
            raise _with_code(error) from None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        # Before anything coerces the variables (the estimate below is the first).
        operation = get_operation_ast(context.graphql_document, context.operation_name)
        if operation is not None:
            check_lists(context.schema._schema, context.graphql_document, operation, context.variables)
        limit = settings.GRAPHQL_MAX_COST
        try:
            cost = estimate_cost(
                context.schema._schema, context.graphql_document, context.operation_name, context.variables
            )
        except RecursionError:
            # Only a document nested past the interpreter's stack gets here.
            raise limit_error(
                DEPTH_LIMIT_EXCEEDED, "The document is nested too deeply.", settings.GRAPHQL_MAX_DEPTH
            ) from None
        remember_cost(context, cost)
        if cost is not None and cost > limit:
            raise limit_error(
                COST_LIMIT_EXCEEDED,
                f"The operation's estimated cost is {cost}, over the limit of {limit} "
                "(GRAPHQL_MAX_COST). Ask for smaller pages, fewer aliases or fewer large fields.",
                limit,
                cost=cost,
            )
        yield


TOKEN_MESSAGE = re.compile(r"Document contains more than (\d+) tokens")
INTROSPECTION_MESSAGE = "introspection has been disabled"


def _with_code(error: GraphQLError) -> GraphQLError:
    """``error`` with the code of the limit it reports, if graphql-core gave it none."""
    if (error.extensions or {}).get("code"):
        return error
    match = TOKEN_MESSAGE.search(error.message)
    message = error.message
    extensions: dict[str, str | int]
    if isinstance(error, ValidationAbortedError):
        # A validation budget spent (graphql-core says only "Validation
        # aborted."), or graphql-core's 100 errors reached (it says so).
        extensions = {"code": VALIDATION_LIMIT_EXCEEDED}
        if message == "Validation aborted.":
            message = (
                "Validation aborted: the document repeats fields or fragments so often that "
                "checking it costs too much. Ask for each field once."
            )
    elif match is not None:
        extensions = {"code": TOKEN_LIMIT_EXCEEDED, "limit": int(match.group(1))}
    elif INTROSPECTION_MESSAGE in error.message:
        extensions = {"code": INTROSPECTION_DISABLED}
    else:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


# graphql-core writes a suggestion as " Did you mean 'email'?", " Did you
# mean 'a' or 'b'?", " Did you mean the enum value 'ASC'?", at the end of a
# message or before " Found: ..."; GraphQL names never contain "?".
SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def without_suggestion(error: GraphQLError) -> GraphQLError:
    message = SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


class HideSuggestions(SchemaExtension):
    """Removes graphql-core's "Did you mean ...?" from every error (introspection is off).

    Suggestions name fields, arguments, types and enum values; with them a
    client rebuilds the schema that introspection would have shown
    (clairvoyance). graphql-core 3.3 can leave them out (``hide_suggestions``)
    but Strawberry passes that neither to validation nor to execution, so the
    text is removed here, from every error of the result, in one place, as
    Apollo Server does. The errors are copied, never edited: a validation
    cache may hold them.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [without_suggestion(error) for error in result.errors]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        # Over WebSocket each result is sent before on_operation's exit.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [without_suggestion(error) for error in errors]
        yield


class _Nothing(SchemaExtension):
    """Stands in for an extension that the current settings switch off."""


def introspection_switch() -> SchemaExtension:
    return _Nothing() if settings.GRAPHQL_INTROSPECTION else DisableIntrospection()


def suggestions_switch() -> SchemaExtension:
    return _Nothing() if settings.GRAPHQL_INTROSPECTION else HideSuggestions()


class CodedMaskErrors(MaskErrors):
    """Strawberry's mask, whose masked error says ``INTERNAL_SERVER_ERROR`` itself.

    Over HTTP ErrorCodes' exit would name it anyway; a streamed (WebSocket)
    result is sent before that exit runs. An outage is not masked as a bug:
    it becomes its coded error (graphql_api.errors ``outage_of``), here, for
    every transport and every resolver at once.
    """

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        outage = outage_of(error.original_error)
        if outage is not None:
            return outage_error(error, outage)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL_SERVER_ERROR}
        return masked


def error_mask() -> SchemaExtension:
    return CodedMaskErrors(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)


LIMIT_EXTENSIONS: tuple[Callable[[], SchemaExtension] | type[SchemaExtension], ...] = (
    suggestions_switch,
    DocumentLimits,
    introspection_switch,
)

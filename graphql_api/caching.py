"""Parse and validate each distinct operation once per process, not once per request.

Strawberry's own ``ParserCache`` and ``ValidationCache`` do the work (module-level
LRU caches shared by every request of a worker process); this module only
decides which operations may use them and bounds them.

What keeps this correct under per-request settings (``graphql_api.limits``):

- the parse key is (query, parse options): ``ParserCache`` passes the options
  as keyword arguments of the cached ``parse``, so ``max_tokens``, the token
  limit read for this request, is part of the key;
- the validation key is (schema, document, rules). The rules are the ones the
  extensions before these added for this request: the depth and alias limits,
  introspection off or on, and the anonymous-caller rule. What this needs
  from whoever writes those rules: the same settings give the *same* rule
  classes (identical objects, e.g. a class built once per limit value), and
  different settings give different ones. A rule class built afresh per
  request would still be correct, but would miss every time and fill the cache.
- the document of a cached parse is the very object validated before, so the
  validation key's hash (graphql-core hashes a document node by node) is
  computed on a small document only.

What bounds it: at most ``CACHE_SIZE`` entries each, and only operations of at
most ``MAX_CACHED_QUERY_LENGTH`` characters are cached; a larger one is parsed
and validated as before, so a flood of large unique queries cannot pin memory
(Strawberry's caches bound the number of entries, not their size). Errors are
never cached: ``lru_cache`` keeps no exceptions, and a syntax error is raised
again on every request.

Both must come after every extension that adds validation rules (``limits``,
``access.RequireAuthentication``) in the schema's extension list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

CACHE_SIZE = 256
MAX_CACHED_QUERY_LENGTH = 10_000


def is_cacheable(context: ExecutionContext) -> bool:
    return context.query is not None and len(context.query) <= MAX_CACHED_QUERY_LENGTH


class BoundedParserCache(ParserCache):
    def __init__(self) -> None:
        super().__init__(maxsize=CACHE_SIZE)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if is_cacheable(context) and context.graphql_document is None:
            # A failed parse is not cached (lru_cache keeps no exceptions). It is
            # left to Strawberry's own parse, which reports it in its usual path,
            # where the limit extensions give it its code (an exception raised in
            # this hook would skip them).
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


class BoundedValidationCache(ValidationCache):
    def __init__(self) -> None:
        super().__init__(maxsize=CACHE_SIZE)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        # No rules (validation switched off) means nothing to validate, as Strawberry has it.
        if is_cacheable(context) and context.validation_rules:
            yield from super().on_validate()
            # The cached list itself must never be edited by a later step.
            if context.pre_execution_errors is not None:
                context.pre_execution_errors = list(context.pre_execution_errors)
        else:
            yield


# In the schema's extension list, in this order.
CACHE_EXTENSIONS: tuple[type[SchemaExtension], ...] = (BoundedParserCache, BoundedValidationCache)


def parse_cache():
    """The shared LRU-wrapped ``parse`` (for ``cache_info()`` and ``cache_clear()``)."""
    return BoundedParserCache().cached_parse_document


def validation_cache():
    """The shared LRU-wrapped ``validate_document``."""
    return BoundedValidationCache().cached_validate_document

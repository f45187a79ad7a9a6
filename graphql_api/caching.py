"""Parse and validate each distinct operation once per process, not once per request.

Parsing and validating a document walk it node by node in Python; for a
page of 100 rows that was about a third of a request's time. Both depend only
on the text (and the token limit) and on the schema and validation rules, so
their results are kept in small LRU caches shared by every request of a
worker process.

What keeps this correct under per-request settings (``graphql_api.limits``):

- the parse key includes the parse options: ``max_tokens``, the token limit read
  for this request;
- the validation key is (schema, document, rules). The rules are the ones the
  extensions before this one added for this request: the depth and alias
  limits (one rule class per limit value, see ``limits``), introspection off
  or on, and the anonymous-caller rule. Change a setting and the key changes.
- only documents that came from the parse cache are looked up, so a document
  is found by identity and its hash is computed once.

What bounds it: at most ``CACHE_SIZE`` entries each, and only operations of at
most ``MAX_CACHED_QUERY_LENGTH`` characters are cached; a larger one is
parsed and validated as before, so a flood of large unique queries cannot pin
memory. Errors are never cached: a query that fails to parse is parsed again
by Strawberry, which reports the error its own way.

Must come after every extension that adds validation rules (``limits``,
``access.RequireAuthentication``) in the schema's extension list.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

CACHE_SIZE = 256
MAX_CACHED_QUERY_LENGTH = 10_000


@lru_cache(maxsize=CACHE_SIZE)
def parse_cached(query: str, options: tuple[tuple[str, object], ...]) -> DocumentNode:
    """``parse(query, **options)``; the options (the token limit) are part of the key."""
    return parse(query, **dict(options))


@lru_cache(maxsize=CACHE_SIZE)
def validate_cached(schema: GraphQLSchema, document: DocumentNode, rules: tuple) -> list[GraphQLError]:
    return validate_document(schema, document, rules)


class DocumentCache(SchemaExtension):
    def __init__(self) -> None:
        super().__init__()
        self.cached_document = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and len(query) <= MAX_CACHED_QUERY_LENGTH and context.graphql_document is None:
            try:
                options = tuple(sorted(context.parse_options.items()))
                context.graphql_document = parse_cached(query, options)
                self.cached_document = True
            except GraphQLError:
                pass
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self.cached_document and context.validation_rules:
            # A copy: later steps may edit the list; the cached one must stay as validated.
            context.pre_execution_errors = list(
                validate_cached(
                    context.schema._schema, context.graphql_document, tuple(context.validation_rules)
                )
            )
        yield

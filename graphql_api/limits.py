"""Safety limits, read from settings on every request.

Strawberry builds a fresh extension list for each operation by calling the
classes or factories given to the schema. The factories below read
``django.conf.settings`` at that moment, so one schema object serves any
configuration, and a test (or ``override_settings``) changes a limit without
rebuilding the schema. No extension instance is ever shared between requests.

| setting                 | default | what a request past it gets                          |
|-------------------------|---------|------------------------------------------------------|
| GRAPHQL_MAX_DEPTH       | 10      | "'<operation>' exceeds maximum operation depth of 10" |
| GRAPHQL_MAX_ALIASES     | 15      | "16 aliases found. Allowed: 15"                       |
| GRAPHQL_MAX_TOKENS      | 2000    | "Document contains more than 2000 tokens"             |
| GRAPHQL_INTROSPECTION   | on (off in production) | "GraphQL introspection has been disabled" |
| API_PAGE_SIZE_MAX       | 100     | the page is clamped (``api.paging``)                  |
| DATA_UPLOAD_MAX_MEMORY_SIZE | 1 MiB | HTTP 413 (``graphql_api.views``)                    |

Batching is off (the schema has no batching config), so a JSON list body is a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from graphql import ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from .errors import MASKED_MESSAGE, is_unexpected


# Strawberry's limiters build a new rule class on every construction. One
# class per limit value instead (the same rule, the same messages) keeps the
# validation rules of two requests under the same settings identical, which
# is what lets ``graphql_api.caching`` reuse a validation result.
@cache
def depth_rule(max_depth: int) -> type[ValidationRule]:
    return QueryDepthLimiter(max_depth=max_depth).validation_rules[0]


@cache
def aliases_rule(max_alias_count: int) -> type[ValidationRule]:
    return MaxAliasesLimiter(max_alias_count=max_alias_count).validation_rules[0]


def depth_limiter() -> SchemaExtension:
    return AddValidationRules([depth_rule(settings.GRAPHQL_MAX_DEPTH)])


def aliases_limiter() -> SchemaExtension:
    return AddValidationRules([aliases_rule(settings.GRAPHQL_MAX_ALIASES)])


def tokens_limiter() -> SchemaExtension:
    return MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS)


class _Nothing(SchemaExtension):
    """Stands in for an extension that the current settings switch off."""


def introspection_switch() -> SchemaExtension:
    return _Nothing() if settings.GRAPHQL_INTROSPECTION else DisableIntrospection()


def error_mask() -> SchemaExtension:
    return MaskErrors(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)


LIMIT_EXTENSIONS: tuple[Callable[[], SchemaExtension], ...] = (
    tokens_limiter,
    depth_limiter,
    aliases_limiter,
    introspection_switch,
)

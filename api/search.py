"""Search whose cost does not depend on what a client types.

A ``LIKE '%term%'`` over ``content`` costs the database row length x pattern
length for every row (a 200-character pattern over 100 rows of 100,000
characters took seconds), whatever cap the pattern has. So:

- On PostgreSQL, search is full-text search (``django.contrib.postgres.search``):
  ``ExampleModel.search_vector`` is a stored generated ``tsvector`` of the
  title (weight A) and the content (weight D), under a GIN index; a term is
  read with ``websearch_to_tsquery`` (words, ``"a phrase"``, ``or``,
  ``-word``), and finding rows is an index lookup per word, whatever the rows
  hold. An offset list asked to search without an ``ordering`` is ranked,
  best match first (``ts_rank`` of its top-level term, then newest first);
  cursor pages keep their timestamp order (a keyset needs one).
- On SQLite (development, the default test database) there is no such
  index: search matches the title only (``icontains``). A title is at most
  200 characters, so a row costs at most 200 x 200 character comparisons.

The column exists on both backends, so there is one model and one migration:
the generated expression (``SearchDocument``) compiles to ``to_tsvector(...)``
on PostgreSQL and to ``NULL`` on SQLite, and ``SearchVectorIndex`` is a GIN
index on PostgreSQL and a plain (empty, all-NULL) index elsewhere.

What a client may send is bounded too: a term of at most
``SEARCH_MAX_LENGTH`` characters (api.querysets) and ``SEARCH_MAX_TERMS``
words in one request, counted across every ``search`` of a GraphQL filter.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection, models
from django.db.models import F, Func, Q

# One text-search configuration everywhere: the stored column, the query, the rank.
# "english" stems words ("runs" finds "running") and drops stop words ("the").
SEARCH_CONFIG = "english"
SEARCH_VECTOR_FIELD = "search_vector"
# The annotation a ranked list orders by.
SEARCH_RANK = "search_rank"
# A word as websearch_to_tsquery splits them (letters, digits, underscore).
WORD = re.compile(r"\w+")


class SearchDocument(Func):
    """The searchable text of an example, for its generated ``search_vector`` column.

    PostgreSQL: ``setweight(to_tsvector(cfg, title), 'A') ||
    setweight(to_tsvector(cfg, content), 'D')`` (immutable, as a generated
    column must be: the configuration is a ``regconfig`` literal). A lexeme
    longer than 2047 characters is dropped by PostgreSQL with a NOTICE, never
    an error, and 100,000 characters of content stay far below the 1 MB a
    tsvector may hold. Other backends store NULL (see the module docstring).
    """

    output_field = SearchVectorField()

    def __init__(self, title: str = "title", content: str = "content") -> None:
        super().__init__(F(title), F(content))

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        title, title_params = compiler.compile(self.source_expressions[0])
        content, content_params = compiler.compile(self.source_expressions[1])
        config = f"'{SEARCH_CONFIG}'::regconfig"
        sql = (
            f"(setweight(to_tsvector({config}, COALESCE({title}, '')), 'A') || "
            f"setweight(to_tsvector({config}, COALESCE({content}, '')), 'D'))"
        )
        return sql, [*title_params, *content_params]


class SearchVectorColumn(models.GeneratedField):
    """A generated column the database writes back to nobody.

    ``GeneratedField`` returns its value from every INSERT and UPDATE
    (``RETURNING``); the tsvector of 100,000 characters of content would cross
    the wire on every write for no reader.
    """

    db_returning = False


class SearchVectorIndex(GinIndex):
    """A GIN index on PostgreSQL; elsewhere a plain index (SQLite has no GIN, and the column is NULL there)."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        return models.Index.create_sql(self, model, schema_editor, using=using, **kwargs)


def full_text_search() -> bool:
    """True where search is full-text (PostgreSQL); elsewhere it matches titles only."""
    return connection.vendor == "postgresql"


def count_terms(term: str) -> int:
    """The words of a search term, as the ``SEARCH_MAX_TERMS`` limit counts them."""
    return len(WORD.findall(term))


class TooManySearchTerms(ValueError):
    """More words than ``SEARCH_MAX_TERMS`` in one request's search; the message is for the client."""

    def __init__(self, found: int, limit: int) -> None:
        self.found = found
        self.limit = limit
        super().__init__(
            f"The search has {found} words; at most {limit} are allowed in one request (SEARCH_MAX_TERMS)."
        )


def check_term_count(found: int) -> None:
    """``TooManySearchTerms`` when ``found`` words are over ``SEARCH_MAX_TERMS``."""
    limit = settings.SEARCH_MAX_TERMS
    if found > limit:
        raise TooManySearchTerms(found, limit)


def search_query(term: str) -> SearchQuery:
    return SearchQuery(term, config=SEARCH_CONFIG, search_type="websearch")


def match(term: str) -> Q:
    """The condition for one (non-blank) search term on this backend."""
    if full_text_search():
        return Q(**{SEARCH_VECTOR_FIELD: search_query(term)})
    return Q(title__icontains=term)


def rank(term: str) -> SearchRank | None:
    """How well a row matches ``term`` (PostgreSQL), or None where search is not ranked or ``term`` is blank."""
    if not full_text_search() or not term.strip():
        return None
    return SearchRank(F(SEARCH_VECTOR_FIELD), search_query(term.strip()))

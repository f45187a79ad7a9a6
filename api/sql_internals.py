"""Every use of Django's ORM internals by the policy, in one place.

``api.policy`` swaps its condition in a query's WHERE clause for one branch
at a time, compiles whole queries into a UNION or a sum of counts, and writes
``IN (SELECT ...)`` as ``= ANY(ARRAY(SELECT ...))`` on PostgreSQL. None of that
has a public API: it relies on the shapes below (``Query.where`` as a
``WhereNode`` whose ``children`` hold ``Exact(expression, True)`` for a filter
on a conditional expression, ``Query.get_compiler(...).as_sql()``,
``Q.resolve_expression``, the ``In`` lookup's ``process_lhs``/``process_rhs``).
They were checked against the Django versions in ``CHECKED_DJANGO``;
``tests/core/test_sql_internals.py`` asserts each shape and fails, naming what
to re-check, on any other version.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Expression, Q
from django.db.models.lookups import Exact, In

# The Django minor versions (major, minor) this module was checked against.
CHECKED_DJANGO = frozenset({(5, 2)})

M = TypeVar("M", bound=models.Model)
E = TypeVar("E", bound=Expression)


class InSubquery(In):
    """``column IN (SELECT ...)``; on PostgreSQL ``column = ANY(ARRAY(SELECT ...))``.

    Why: PostgreSQL plans ``a = 1 OR b IN (SELECT ...)`` as a sequential scan
    with a hashed SubPlan filter, because a SubPlan cannot be an index
    condition; that made every example list read the whole table. An
    uncorrelated ``ARRAY(SELECT ...)`` is an InitPlan, computed once before the
    scan, so ``b = ANY($0)`` is an index condition and ``OR`` becomes a
    BitmapOr of two index scans. The result is the same set of rows (NULL
    matches nothing either way, and the ids are never NULL); other databases
    keep the plain ``IN``, which SQLite plans with its indexes as it is.
    Built on Django's ``In`` lookup and its vendor hook ``as_postgresql``.
    """

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)  # "(SELECT ...)"
        return f"{lhs_sql} = ANY(ARRAY{rhs_sql})", (*lhs_params, *rhs_params)


def compiled_branches(queries: list, connection) -> tuple[list[str], list]:
    """Each query compiled for ``connection`` as ``(SQL) "_branchN"``, and all their params.

    A query that can match nothing (Django raises ``EmptyResultSet``, e.g. an
    ``IN`` of an empty list) is left out; no parts means no rows at all.
    """
    parts: list[str] = []
    params: list = []
    for number, query in enumerate(queries):
        try:
            sql, branch_params = query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:
            continue
        alias = connection.ops.quote_name(f"_branch{number}")
        parts.append(f"({sql}) {alias}")
        params.extend(branch_params)
    return parts, params


class BranchUnion(Expression):
    """``SELECT pk FROM (branch 1) UNION ALL SELECT pk FROM (branch 2) ...`` for ``pk IN (...)``.

    Each branch is a whole query of its own (ordered and limited), compiled
    for the outer query's database. Written as subqueries in FROM because
    SQLite accepts no ORDER BY or LIMIT on the members of a compound SELECT
    (and Django's ``union()`` then refuses sliced members); PostgreSQL runs
    it the same way.
    """

    def __init__(self, queries: list, output_field: models.Field) -> None:
        super().__init__(output_field=output_field)
        self.queries = queries

    def as_sql(self, compiler, connection):
        parts, params = compiled_branches(self.queries, connection)
        if not parts:
            raise EmptyResultSet
        # Django-compiled SQL with its values as params.
        return " UNION ALL ".join(f"SELECT * FROM {part}" for part in parts), params  # noqa: S608


def count_sql(queries: list, connection) -> tuple[str, list] | None:
    """``SELECT (SELECT COUNT(*) FROM (q1)) + ...``, or None when every query matches nothing."""
    parts, params = compiled_branches(queries, connection)
    if not parts:
        return None
    # Django-compiled SQL with its values as params.
    return "SELECT " + " + ".join(f"(SELECT COUNT(*) FROM {part})" for part in parts), params  # noqa: S608


def is_plain(queryset: models.QuerySet) -> bool:
    """Whether ``queryset`` is not cut, distinct, grouped, windowed or combined."""
    query = queryset.query
    if query.is_sliced or query.distinct or query.combinator or query.group_by is not None:
        return False
    return not any(getattr(a, "contains_over_clause", False) for a in query.annotations.values())


def top_level_filter(queryset: models.QuerySet, kind: type[E]) -> tuple[int, E] | None:
    """Where ``queryset.filter(expression)`` put an expression of ``kind``, among the ANDed conditions.

    Django stores a filter on a conditional expression as ``Exact(expression,
    True)`` in ``query.where.children``. None when the WHERE clause is not a
    plain AND or holds no such expression at its top level.
    """
    where = queryset.query.where
    if where.connector != "AND" or where.negated:
        return None
    for index, child in enumerate(where.children):
        if isinstance(child, Exact) and isinstance(child.lhs, kind) and child.rhs is True:
            return index, child.lhs
    return None


def replaced_filter(queryset: models.QuerySet[M], index: int, condition: Q) -> models.QuerySet[M]:
    """``queryset`` with ``condition`` in place of its top-level condition ``index``; the rest stays."""
    clone = queryset.all()
    clone.query.where.children[index] = condition.resolve_expression(clone.query)
    return clone


def ordering_ends_with_pk(queryset: models.QuerySet) -> bool:
    """Whether ``queryset`` is ordered and its last ordering key is the primary key (a total order)."""
    query = queryset.query
    ordering = query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())
    if not ordering or query.extra_order_by:
        return False
    last = ordering[-1]
    name = (
        last.lstrip("-+")
        if isinstance(last, str)
        else getattr(getattr(last, "expression", last), "name", None)
    )
    return name in ("id", "pk", queryset.model._meta.pk.name)

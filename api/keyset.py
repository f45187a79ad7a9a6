"""Keyset ("cursor") pages, the one rule behind REST ``?cursor=`` and GraphQL ``examplesConnection``.

A page is "the ``size`` rows after (or before) this position" in an ordering
by one timestamp key and the id: ``WHERE key <= k AND (key < k OR id < i)
ORDER BY key DESC, id DESC LIMIT size + 1``. The database walks the index on
(user, key, id) from the position, so the 50th page costs what the first
does, and a row inserted or deleted between two pages neither repeats nor
hides another one (an offset page shifts under both).

A cursor is a position signed with ``SECRET_KEY`` (``django.core.signing``,
its own salt) and bound to the query it was made for: a digest of the
queryset's WHERE clause (the policy's condition for the caller and every
filter, whichever surface or filter built them) and of the key ordering. A
cursor that was altered is ``invalid_cursor``; one made for other filters,
another ordering, another caller or another resource is ``cursor_mismatch``.
Both are a client error; neither runs a query.

Orderings: ``created_at`` or ``updated_at``, either direction, with the id
as the tie breaker *in the same direction* (``-created_at, -id`` or
``created_at, id``), so that one index serves both directions of the walk.
The ordering is read from the queryset (``order_by``, else the model's
``Meta.ordering``), never from the request, so any surface's ordering
parameter works unchanged; a queryset ordered by anything else is
``unsupported_ordering``.

Written here rather than taken from a library: DRF's ``CursorPagination``
and strawberry-django's ``DjangoCursorConnection`` are keyset too, but their
cursors are unsigned and not bound to the filters; DRF's steps over ties by
an offset (a page of rows with one timestamp costs that offset again) and
strawberry-django's compares with ``key < k OR (key = k AND id < i)``, which
PostgreSQL cannot turn into an index range.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import models
from django.db.models import F, OrderBy, Q

from .policy import ordered_page
from .querysets import MAX_PK

# The timestamp keys a cursor page may be ordered by.
KEY_FIELDS = ("created_at", "updated_at")
SALT = "api.keyset.cursor"
# The key, selected under this name by keyset_slice: a GraphQL page whose
# selection does not show the key (the optimizer's only()) still reads it in
# the page's own query, not one query per row.
KEY_ALIAS = "_keyset_key"
# A cursor we make is about 130 characters; anything much longer is not one of ours
# and is refused before any work is done on it.
MAX_CURSOR_LENGTH = 512

INVALID_CURSOR = "invalid_cursor"
CURSOR_MISMATCH = "cursor_mismatch"
UNSUPPORTED_ORDERING = "unsupported_ordering"

MESSAGES = {
    INVALID_CURSOR: "This cursor is not valid: it was altered, or it is not a cursor this API made.",
    CURSOR_MISMATCH: (
        "This cursor was made for other filters or another ordering: "
        "start again from the first page (no cursor) with the filters you want."
    ),
    UNSUPPORTED_ORDERING: (
        "Cursor pages are ordered by created_at or updated_at (either direction) only; "
        "use offset pages for other orderings."
    ),
}


class CursorError(ValueError):
    """A cursor (or an ordering) a client sent cannot be used; ``code`` says why."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        super().__init__(self.message)


@dataclass(frozen=True)
class KeyOrder:
    """An ordering by one timestamp key, then the id, both in one direction."""

    field: str
    descending: bool

    def order_by(self, *, reverse: bool = False) -> tuple[str, str]:
        sign = "-" if self.descending != reverse else ""
        return (f"{sign}{self.field}", f"{sign}id")

    @property
    def name(self) -> str:
        return ("-" if self.descending else "") + self.field


@dataclass(frozen=True)
class Position:
    """Where a page starts or ends: a row's key and id. ``backward``: the page before it (REST)."""

    key: dt.datetime
    id: int
    backward: bool = False


def _ordering_term(term: object) -> tuple[str, bool] | None:
    """``("created_at", True)`` for ``"-created_at"`` or ``F("created_at").desc()``; None otherwise."""
    if isinstance(term, str):
        if term.startswith("-"):
            return term[1:], True
        return term.lstrip("+"), False
    if isinstance(term, OrderBy) and isinstance(term.expression, F):
        return term.expression.name, term.descending
    if isinstance(term, F):
        return term.name, False
    return None


def key_order(queryset: models.QuerySet) -> KeyOrder:
    """The key ordering ``queryset`` is sorted by, or ``CursorError(unsupported_ordering)``.

    Accepts ``created_at``/``updated_at`` in either direction, followed by
    nothing but the id (``id`` or ``pk``, either direction: the tie breaker
    is then taken in the key's direction).
    """
    ordering: Sequence[object] = queryset.query.order_by or queryset.model._meta.ordering
    terms = [_ordering_term(term) for term in ordering]
    if not terms or terms[0] is None or terms[0][0] not in KEY_FIELDS:
        raise CursorError(UNSUPPORTED_ORDERING)
    if any(term is None or term[0] not in ("id", "pk") for term in terms[1:]):
        raise CursorError(UNSUPPORTED_ORDERING)
    field, descending = terms[0]
    return KeyOrder(field=field, descending=descending)


def _where_sql(queryset: models.QuerySet) -> tuple[str, tuple]:
    """The WHERE clause alone, as the database gets it: not the selected columns, so a surface
    that reads the page as ``.values()`` rows with joined columns (the REST list, api/v1/rows.py)
    or with the optimizer's ``only()`` (GraphQL) binds as the other does."""
    query = queryset.query
    try:
        sql, params = query.get_compiler(queryset.db).compile(query.where)
    except EmptyResultSet:  # .none(): nothing to page through, whatever the cursor
        return "EMPTY", ()
    except FullResultSet:  # no condition at all (a policy always adds one; kept for safety)
        return "", ()
    return sql, tuple(params)


def binding_of(queryset: models.QuerySet, order: KeyOrder) -> str:
    """A digest of which rows ``queryset`` selects (its model and WHERE clause) and of ``order``.

    The WHERE clause holds the policy's condition for the caller and every
    filter any surface applied, so a cursor bound to it is bound to all of
    them, for every resource and filter a team adds, without a list of
    parameters to keep in step. The compiled WHERE is what Django sends
    (tests/api/test_cursor_pages.py pins that equal filters give equal
    digests and other filters other ones, so an upgrade that changes this
    fails there).
    """
    sql, params = _where_sql(queryset)
    material = repr((queryset.model._meta.label, order.name, sql, tuple(params)))
    digest = hashlib.sha256(material.encode()).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()


def make_cursor(row: Any, order: KeyOrder, binding: str, *, backward: bool | None = None) -> str:
    """The signed cursor of ``row``'s position (a model instance or a ``.values()`` dict)."""
    key, pk = _value(row, order.field), _value(row, "id")
    payload: dict[str, Any] = {"b": binding, "k": key.isoformat(), "i": pk}
    if backward is not None:
        payload["d"] = "b" if backward else "f"
    return signing.Signer(salt=SALT).sign_object(payload)


def _value(row: Any, name: str) -> Any:
    if name != "id":  # the key as keyset_slice selected it, whatever the caller deferred
        name = (
            KEY_ALIAS if (row.get(KEY_ALIAS) if isinstance(row, dict) else hasattr(row, KEY_ALIAS)) else name
        )
    return row[name] if isinstance(row, dict) else getattr(row, name)


def read_cursor(text: str, binding: str) -> Position:
    """The position ``text`` holds if we signed it for this ``binding``; else ``CursorError``."""
    if not isinstance(text, str) or len(text) > MAX_CURSOR_LENGTH:
        raise CursorError(INVALID_CURSOR)
    try:
        payload = signing.Signer(salt=SALT).unsign_object(text)
    except (signing.BadSignature, ValueError, TypeError):
        # ValueError: bad base64 or JSON inside a signature that matched (never ours).
        raise CursorError(INVALID_CURSOR) from None
    position = _position(payload)
    if payload["b"] != binding:
        raise CursorError(CURSOR_MISMATCH)
    return position


def _position(payload: object) -> Position:
    """The position of a payload we signed; defensive all the same (an old format, a key reused)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("b"), str):
        raise CursorError(INVALID_CURSOR)
    pk, key, direction = payload.get("i"), payload.get("k"), payload.get("d", "f")
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 <= pk <= MAX_PK:
        raise CursorError(INVALID_CURSOR)
    if direction not in ("f", "b") or not isinstance(key, str):
        raise CursorError(INVALID_CURSOR)
    try:
        moment = dt.datetime.fromisoformat(key)
    except ValueError:
        raise CursorError(INVALID_CURSOR) from None
    if moment.tzinfo is None:
        raise CursorError(INVALID_CURSOR)
    return Position(key=moment, id=pk, backward=direction == "b")


def _beyond(order: KeyOrder, position: Position, *, before: bool) -> Q:
    """Rows strictly after (or before) ``position`` in ``order``.

    Written as ``key <= k AND (key < k OR id < i)`` (descending, after): the
    first term is an index range on (…, key, id); the second drops the rows
    of the position's own timestamp up to and including it.
    """
    smaller = order.descending != before  # walking towards smaller keys
    bound, strict = ("lte", "lt") if smaller else ("gte", "gt")
    key = order.field
    return Q(**{f"{key}__{bound}": position.key}) & (
        Q(**{f"{key}__{strict}": position.key}) | Q(**{f"id__{strict}": position.id})
    )


def just_past(position: Position, order: KeyOrder) -> dict[str, Any]:
    """A row-like position one id beyond ``position``: walking back from it includes ``position``'s row.

    Ids are integers, so no row lies strictly between the two.
    """
    step = -1 if order.descending else 1
    return {order.field: position.key, "id": position.id + step}


@dataclass
class KeysetSlice:
    rows: list
    has_next: bool
    has_previous: bool


def keyset_slice(
    queryset: models.QuerySet,
    order: KeyOrder,
    *,
    size: int,
    after: Position | None = None,
    before: Position | None = None,
    from_end: bool = False,
) -> KeysetSlice:
    """One page of ``queryset`` in ``order``: one query of ``size + 1`` rows.

    Forward (``after``, or neither): the ``size`` rows after ``after`` (from
    the start without it). Backward (``before``, or ``from_end``): the
    ``size`` rows before ``before`` (or the last ``size``), in ``order``.
    The extra row tells whether there is more in the direction of the walk;
    the other direction has more when the walk started from a position.
    """
    backward = before is not None or from_end
    queryset = queryset.annotate(**{KEY_ALIAS: F(order.field)})
    if backward:
        if before is not None:
            queryset = queryset.filter(_beyond(order, before, before=True))
        queryset = queryset.order_by(*order.order_by(reverse=True))
    else:
        if after is not None:
            queryset = queryset.filter(_beyond(order, after, before=False))
        queryset = queryset.order_by(*order.order_by())
    rows = list(ordered_page(queryset, 0, size + 1))
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        return KeysetSlice(rows=rows, has_next=before is not None, has_previous=more)
    return KeysetSlice(rows=rows, has_next=more, has_previous=after is not None)

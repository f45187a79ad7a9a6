"""Row versions and write preconditions: the one rule against lost updates, for every surface.

A *row version* names one stored state of one row: a hash of the model, the
primary key and ``updated_at`` (at the stored precision, microseconds). A
model without ``updated_at`` is versioned by a hash of its concrete column
values instead, so the next resource gets conditional requests with no work
(the same content after A -> B -> A is the same version: nothing would be
lost by writing over it).

A *precondition* is what a client says it last saw: REST's ``If-Match``
(``IfMatch``) or GraphQL's ``ifUpdatedAt`` (``IfUpdatedAt``). The services
take it as ``expected`` and call ``check`` on the row they looked up *under
the row lock* (``get_for_action(..., lock=True)``), so the test and the write
are one atomic step: of two editors sending the same precondition at once on
PostgreSQL, the second waits for the first's lock, then reads the row the
first wrote and fails. Surfaces never evaluate a write precondition
themselves; they translate ``PreconditionFailed`` (REST 412, GraphQL
``CONFLICT``).

Django's ``condition`` decorator evaluates ``If-Match`` in the view, before
and outside the write's transaction, so two writers could both pass it: that
is why this is not built on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import models

from .datetimes import DateTimeOutOfRange, as_utc

VERSION_FIELD = "updated_at"
# Hex digits of the row version in an ETag (64 bits: collisions between two
# states of one row are not a practical concern).
VERSION_LENGTH = 16
CHANGED_MESSAGE = "This object has changed since you last read it; read it again and retry."


class PreconditionFailed(Exception):
    """The row is not in the state the client said it saw: nothing was written."""

    def __init__(self, message: str = CHANGED_MESSAGE) -> None:
        super().__init__(message)


def has_version_field(model: type[models.Model]) -> bool:
    return any(f.name == VERSION_FIELD for f in model._meta.concrete_fields)


def _column_values(instance: models.Model) -> list[str]:
    deferred = instance.get_deferred_fields()
    if deferred:  # one query for all of them, not one per field
        instance.refresh_from_db(fields=list(deferred))
    return [repr(getattr(instance, f.attname)) for f in instance._meta.concrete_fields]


def row_version(instance: models.Model) -> str:
    """The version of ``instance`` as it is stored: ``VERSION_LENGTH`` hex digits."""
    parts = [instance._meta.label_lower, str(instance.pk)]
    if has_version_field(type(instance)):
        moment: dt.datetime = getattr(instance, VERSION_FIELD)
        parts.append(moment.astimezone(dt.UTC).isoformat(timespec="microseconds"))
    else:
        parts.extend(_column_values(instance))
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:VERSION_LENGTH]


class Precondition(Protocol):
    def holds(self, instance: models.Model) -> bool: ...


@dataclass(frozen=True)
class IfMatch:
    """RFC 9110 13.1.1 ``If-Match``: ``*`` (any current state), or a list of strong entity tags.

    ``tags`` are the strong opaque tags, without quotes: the parser
    (api/v1/conditional.py) leaves weak ones (``W/``) out, as the field uses
    the strong comparison. A tag matches when its row-version part is the
    row's current version (the rest of an ETag names the caller's
    representation, which a write cannot lose).
    """

    tags: Sequence[str] = ()
    any: bool = False

    def holds(self, instance: models.Model) -> bool:
        if self.any:
            return True  # the row exists: the service found it
        version = row_version(instance)
        return any(tag[:VERSION_LENGTH] == version for tag in self.tags)


@dataclass(frozen=True)
class IfUpdatedAt:
    """GraphQL's ``ifUpdatedAt``: the row's ``updated_at`` is exactly this instant (to the microsecond)."""

    moment: dt.datetime

    def holds(self, instance: models.Model) -> bool:
        if not has_version_field(type(instance)):
            return False
        try:
            expected = as_utc(self.moment)
        except DateTimeOutOfRange:
            return False  # no stored row has such an updated_at
        return getattr(instance, VERSION_FIELD) == expected


def check(instance: models.Model, expected: Precondition | None) -> None:
    """Raise ``PreconditionFailed`` unless ``expected`` (None: no precondition) holds for ``instance``.

    Call it on the row the service holds locked, before changing anything.
    """
    if expected is not None and not expected.holds(instance):
        raise PreconditionFailed

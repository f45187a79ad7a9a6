"""Writes: the only code that creates, changes or deletes examples.

Keyword-only, typed, atomic, and always given the acting user. Each looks the
target up through ``visible_to(user)`` itself, so no caller can hand it
someone else's row: a foreign id raises ``ExampleModel.DoesNotExist`` exactly
like a missing one. Validation failures raise Django's ``ValidationError``
with field names. REST and GraphQL translate both into their own error shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from backend.validators import reject_nulls

from .models import TITLE_MAX_LENGTH, ExampleModel

COPY_SUFFIX = " (copy)"
UPDATABLE_FIELDS = frozenset({"title", "content"})

AnyUser = AbstractBaseUser | AnonymousUser


def _require_user(user: AnyUser | None) -> None:
    # Surfaces refuse anonymous callers before they get here; this is the
    # backstop that keeps a future caller from writing rows with no owner.
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Authentication required.")


def _lock(*, user: AnyUser | None, example_id: object) -> ExampleModel:
    # FOR UPDATE on PostgreSQL: concurrent writers to one row queue up instead
    # of overwriting each other from stale reads. A no-op on SQLite, which
    # serialises writers anyway.
    return ExampleModel.objects.visible_to(user).select_for_update().get_by_id(example_id)


def _validated_save(example: ExampleModel, *, fields: Iterable[str] | None = None) -> ExampleModel:
    """Validate and save; with ``fields``, write only those (and updated_at)."""
    # The owner was set by the service, not the client; skip its existence query.
    example.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    example.save(update_fields=None if fields is None else [*fields, "updated_at"])
    return example


@transaction.atomic
def example_create(*, user: AnyUser, title: str, content: str = "") -> ExampleModel:
    _require_user(user)
    return _validated_save(ExampleModel(user=user, title=title, content=content))


@transaction.atomic
def example_update(*, user: AnyUser, example_id: object, data: Mapping[str, Any]) -> ExampleModel:
    """Change the given fields (a subset of title and content) of one example."""
    _require_user(user)
    unknown = set(data) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"example_update cannot change {sorted(unknown)}")
    example = _lock(user=user, example_id=example_id)
    reject_nulls(ExampleModel, data)
    for field, value in data.items():
        setattr(example, field, value)
    # Writing only the changed columns is a second guard, beside the row
    # lock, against writing back a stale copy of a field nobody changed.
    return _validated_save(example, fields=data)


@transaction.atomic
def example_delete(*, user: AnyUser, example_id: object) -> ExampleModel:
    """Delete one example; returns it as it was (id included) for the caller to echo."""
    _require_user(user)
    example = _lock(user=user, example_id=example_id)
    pk = example.pk
    example.delete()
    example.pk = pk
    return example


def duplicate_title(title: str) -> str:
    """``title`` plus " (copy)", shortened so the result fits the column."""
    return title[: TITLE_MAX_LENGTH - len(COPY_SUFFIX)] + COPY_SUFFIX


@transaction.atomic
def example_duplicate(*, user: AnyUser, example_id: object) -> ExampleModel:
    """A copy of one of the user's examples, owned by the user."""
    _require_user(user)
    source = ExampleModel.objects.visible_to(user).get_by_id(example_id)
    copy = ExampleModel(user=user, title=duplicate_title(source.title), content=source.content)
    return _validated_save(copy)

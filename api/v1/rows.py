"""The one speed-up of the REST list that leaves DRF's usual path: a page serialized from ``.values()`` rows.

DRF serializes a list by building a model instance per row (and one per
``select_related`` row joined to it) and looking each attribute up through
the field's ``get_attribute``. For a serializer whose readable fields can be
read from columns, reading the page as rows (``.values()``) and calling each
field's own ``to_representation`` on the row's value gives the same body for
much less CPU on a 100-row page (docs/decisions/0004-rest-list-from-rows.md).

What can be read from a row (``row_plan``), field by field:

- a plain concrete column of the model (not a relation, not a file), named
  by its attribute name;
- a related field that says which column holds its id (``row_source``, as
  ``PolicyPrimaryKeyRelatedField`` does for its ``shown_from`` annotation,
  when the queryset has that annotation), given to the field as DRF gives
  it (a ``PKOnlyObject``);
- a read-only nested serializer over a forward foreign key or one-to-one
  (``select_related``), each of its fields by these same rules through the
  relation (``user__username``); a null relation is null, as in DRF;
- a ``SerializerMethodField`` the serializer declares in ``row_computed``:
  the columns it reads and a function of their values that returns what
  the method returns (``PublicUserSerializer.name``: the product's display
  name rule, ``authentication.identity.shown_name``).

It is only taken when that is provably the same: ``row_plan`` answers None,
and the list takes DRF's path with model instances, as soon as a serializer
(the list's or a nested one) has anything else: any other relation (a
foreign key would get a bare id), a file (a row holds the name, not a
``FieldFile``), a computed field (a property, an undeclared
``SerializerMethodField``, a dotted or ``*`` source), a field class with its
own ``get_attribute``, a serializer with its own ``to_representation``, or a
nested list. Guarded by tests/api/test_list_rows.py on each of those.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import FileField
from django.db.models.manager import BaseManager
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

Row = Mapping[str, Any]
Reader = Callable[[Row], Any]


@dataclass(frozen=True)
class RowComputed:
    """A ``SerializerMethodField`` as a function of columns: ``function(*values of columns)``.

    Declared on a serializer as ``row_computed = {"name": RowComputed(...)}``;
    the function must return what the method returns for an instance with
    those columns (a test on the serializer shows that it does).
    """

    columns: tuple[str, ...]
    function: Callable[..., Any]


@dataclass(frozen=True)
class RowPlan:
    """The columns to read (``.values(*columns)``) and, per shown field, how to read it from a row."""

    columns: tuple[str, ...]
    readers: tuple[tuple[str, Reader], ...]

    def represent(self, row: Row) -> dict[str, Any]:
        return {name: read(row) for name, read in self.readers}


def _column(model: type[models.Model], source: str) -> models.Field | None:
    try:
        column = model._meta.get_field(source)
    except FieldDoesNotExist:  # a property or any other attribute
        return None
    return column


def _plain(column: str, field: serializers.Field) -> Reader:
    to_representation = field.to_representation
    if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
        # What the field would look up for every value (the current time
        # zone, which cannot change during this call), looked up once; DRF
        # sets the same attribute for `default_timezone=`. The field belongs
        # to this serializer only.
        field.timezone = field.default_timezone()

    # None stays None, as Serializer.to_representation has it.
    def read(row: Row) -> Any:
        value = row[column]
        return None if value is None else to_representation(value)

    return read


def _related_id(column: str, field: serializers.RelatedField) -> Reader:
    to_representation = field.to_representation

    def read(row: Row) -> Any:
        value = row[column]
        return None if value is None else to_representation(PKOnlyObject(pk=value))

    return read


def _computed(columns: tuple[str, ...], function: Callable[..., Any]) -> Reader:
    def read(row: Row) -> Any:
        return function(*(row[column] for column in columns))

    return read


def _nested(pk_column: str, plan: RowPlan) -> Reader:
    represent = plan.represent

    def read(row: Row) -> Any:
        return None if row[pk_column] is None else represent(row)

    return read


def _plan(
    serializer: serializers.Serializer,
    model: type[models.Model],
    prefix: str,
    annotations: Collection[str],
) -> RowPlan | None:
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        return None
    computed: Mapping[str, RowComputed] = getattr(serializer, "row_computed", {})
    columns: list[str] = []
    readers: list[tuple[str, Reader]] = []
    for field in serializer.fields.values():
        if field.write_only:
            continue
        name = field.field_name
        if isinstance(field, serializers.SerializerMethodField):
            declared = computed.get(name)
            if declared is None:
                return None
            through = tuple(prefix + column for column in declared.columns)
            columns.extend(through)
            readers.append((name, _computed(through, declared.function)))
            continue
        if isinstance(field, serializers.RelatedField):
            row_source = getattr(field, "row_source", None)
            source = row_source(annotations) if row_source is not None and not prefix else None
            if source is None:
                return None
            columns.append(source)
            readers.append((name, _related_id(source, field)))
            continue
        if field.source == "*" or "." in field.source:
            return None
        if type(field).get_attribute is not serializers.Field.get_attribute:
            return None
        if isinstance(field, serializers.BaseSerializer):
            nested = _nested_plan(field, model, prefix, annotations)
            if nested is None:
                return None
            pk_column, plan = nested
            columns.extend(plan.columns)
            readers.append((name, _nested(pk_column, plan)))
            continue
        column = _column(model, field.source)
        if column is None or not column.concrete or column.is_relation or isinstance(column, FileField):
            return None
        if column.attname != field.source:
            return None
        columns.append(prefix + field.source)
        readers.append((name, _plain(prefix + field.source, field)))
    return RowPlan(columns=tuple(dict.fromkeys(columns)), readers=tuple(readers))


def _nested_plan(
    field: serializers.BaseSerializer,
    model: type[models.Model],
    prefix: str,
    annotations: Collection[str],
) -> tuple[str, RowPlan] | None:
    """A read-only nested serializer over a forward foreign key or one-to-one: its pk column and plan."""
    if not isinstance(field, serializers.Serializer) or not field.read_only:
        return None  # a ListSerializer (many=True), or a writable nested serializer
    relation = _column(model, field.source)
    if relation is None or not (relation.many_to_one or relation.one_to_one) or not relation.concrete:
        return None  # a reverse relation, a generic one, or not a relation at all
    related = relation.related_model
    through = f"{prefix}{field.source}__"
    plan = _plan(field, related, through, annotations)
    if plan is None:
        return None
    pk_column = through + related._meta.pk.attname
    return pk_column, RowPlan(columns=(pk_column, *plan.columns), readers=plan.readers)


def row_plan(child: serializers.Serializer, annotations: Collection[str] = ()) -> RowPlan | None:
    """How to read ``child`` from rows, or None when it needs model instances.

    ``annotations``: the names the list's queryset annotates (a field may
    read one, see ``row_source``).
    """
    if not isinstance(child, serializers.ModelSerializer):
        return None
    return _plan(child, child.Meta.model, "", annotations)


def row_columns(child: serializers.Serializer, annotations: Collection[str] = ()) -> tuple[str, ...] | None:
    """The columns to read for ``child`` as rows, or None when it needs model instances."""
    plan = row_plan(child, annotations)
    return None if plan is None else plan.columns


class RowListSerializer(serializers.ListSerializer):
    """Many objects, from ``.values()`` rows (see ``row_plan``) as well as from model instances.

    The list view reads the rows with the plan it made for its queryset and
    hands it over as ``row_plan``; rows without one are planned from the
    columns they hold.
    """

    row_plan: RowPlan | None = None

    def to_representation(self, data):
        items = list(data.all() if isinstance(data, BaseManager) else data)
        if not items or not isinstance(items[0], Mapping):
            return super().to_representation(items)
        plan = self.row_plan or row_plan(self.child, annotations=items[0].keys())
        if plan is None:
            raise TypeError(f"{type(self.child).__name__} needs model instances, not rows (see row_plan).")
        represent = plan.represent
        return [represent(row) for row in items]

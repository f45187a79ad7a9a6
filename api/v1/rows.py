"""The one speed-up of the REST list that leaves DRF's usual path: a page serialized from ``.values()`` rows.

DRF serializes a list by building a model instance per row and looking each
attribute up through the field's ``get_attribute``. For a serializer whose
readable fields each show one plain column, reading the page as rows
(``.values()``) and calling each field's own ``to_representation`` on the
row's value gives the same body for about 40% less CPU on a 100-row page
(BENCHMARKS.md, "Speed-ups and their guards").

It is only taken when that is provably the same: ``row_columns`` answers None,
and the list takes DRF's path with model instances, as soon as the serializer
has anything else: a relation (a foreign key would get a bare id), a file
(a row holds the name, not a ``FieldFile``), a computed field (a property, a
``SerializerMethodField``, a dotted or ``*`` source), a field class with its
own ``get_attribute``, or its own ``to_representation``. Guarded by
tests/api/test_list_rows.py on each of those.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import FieldDoesNotExist
from django.db.models import FileField
from django.db.models.manager import BaseManager
from rest_framework import serializers


def row_columns(child: serializers.Serializer) -> tuple[str, ...] | None:
    """The columns to read for ``child`` as rows, or None when it needs model instances."""
    if not isinstance(child, serializers.ModelSerializer):
        return None
    if type(child).to_representation is not serializers.Serializer.to_representation:
        return None
    model = child.Meta.model
    columns = []
    for field in child.fields.values():
        if field.write_only:
            continue
        if type(field).get_attribute is not serializers.Field.get_attribute:
            return None
        if field.source == "*" or "." in field.source:
            return None
        try:
            column = model._meta.get_field(field.source)
        except FieldDoesNotExist:  # a property or any other attribute
            return None
        if not column.concrete or column.is_relation or isinstance(column, FileField):
            return None
        if column.attname != field.source:
            return None
        columns.append(field.source)
    return tuple(columns)


class RowListSerializer(serializers.ListSerializer):
    """Many objects, from ``.values()`` rows (see ``row_columns``) as well as from model instances."""

    def to_representation(self, data):
        items = list(data.all() if isinstance(data, BaseManager) else data)
        if not items or not isinstance(items[0], Mapping):
            return super().to_representation(items)
        columns = row_columns(self.child)
        if columns is None:
            raise TypeError(f"{type(self.child).__name__} needs model instances, not rows (see row_columns).")
        fields = []
        for field in self.child.fields.values():
            if field.write_only:
                continue
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                # What the field would look up for every value (the current
                # time zone, which cannot change during this call), looked up
                # once; DRF sets the same attribute for `default_timezone=`.
                # The field belongs to this serializer only.
                field.timezone = field.default_timezone()
            fields.append((field.field_name, field.source, field.to_representation))
        # None stays None, as Serializer.to_representation has it.
        return [
            {
                name: None if (value := row[source]) is None else to_representation(value)
                for name, source, to_representation in fields
            }
            for row in items
        ]

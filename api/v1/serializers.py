"""Shapes of `/api/v1/` bodies.

The serializer checks types and lengths so that a client gets field errors
before any write; the services validate the model again and own the write.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from django.db.models.manager import BaseManager
from rest_framework import serializers

from api.models import ExampleModel
from backend.fields import StrictModelSerializer

EXAMPLE_FIELDS = ("id", "title", "content", "created_at", "updated_at")


class RowListSerializer(serializers.ListSerializer):
    """Many objects, from ``.values()`` rows as well as from model instances.

    A row (a mapping of column to value) goes straight through the child's
    own fields: the same ``to_representation`` of each field as DRF would
    call, so the output is identical, without building a model instance per
    row or DRF's per-attribute lookups. Anything else (model instances) takes
    DRF's usual path. Only for children whose readable fields each read one
    column by name, which is checked when the serializer is used.
    """

    def to_representation(self, data):
        fields = []
        for field in self.child._readable_fields:
            if field.source == "*" or "." in field.source:
                raise TypeError(f"{type(self.child).__name__}.{field.field_name} does not read one column.")
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                # What the field would look up for every value (the current time
                # zone, which cannot change during this call), looked up once.
                # The field belongs to this serializer only.
                field.timezone = field.default_timezone()
            fields.append((field.field_name, field.source, field.to_representation))
        items = data.all() if isinstance(data, BaseManager) else data
        represented = []
        for item in items:
            if isinstance(item, Mapping):
                # None stays None, as Serializer.to_representation has it.
                represented.append(
                    {
                        name: None if (value := item[source]) is None else to_representation(value)
                        for name, source, to_representation in fields
                    }
                )
            else:
                represented.append(self.child.to_representation(item))
        return represented


class ExampleModelSerializer(StrictModelSerializer):
    """An example. Its owner is always the caller: a `user` or `id` in a request body is ignored."""

    def get_fields(self):
        # ModelSerializer introspects the model to build these fields for every
        # serializer (every request). They depend only on Meta, so they are built
        # once per class and copied per serializer, as DRF copies declared fields.
        cls = type(self)
        prototype = cls.__dict__.get("_field_prototype")
        if prototype is None:
            prototype = super().get_fields()
            cls._field_prototype = prototype
        return copy.deepcopy(prototype)

    class Meta:
        model = ExampleModel
        fields = EXAMPLE_FIELDS
        # Lists are serialized from `.values()` rows (see ExampleModelViewSet.list).
        list_serializer_class = RowListSerializer
        read_only_fields = ("id", "created_at", "updated_at")
        # trim_whitespace: text is stored as sent, as the GraphQL surface
        # stores it. validators: DRF's CharField already refuses NUL and
        # enforces max_length; the model's own copies would repeat each
        # message (the service runs them again in full_clean anyway).
        extra_kwargs = {
            "title": {"trim_whitespace": False, "validators": [], "help_text": "1 to 200 characters."},
            "content": {
                "trim_whitespace": False,
                "validators": [],
                "help_text": "Text, may be empty; at most 100,000 characters.",
            },
        }
